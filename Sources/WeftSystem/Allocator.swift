import CAllocator
import Foundation

/// The C allocator's policy and the return of freed memory to the kernel.
///
/// A large rule set is parsed, compiled, rendered and stored as many small allocations
/// on whichever threads serve the request; when it is replaced, Weft frees all of it
/// (what is still allocated falls back to its idle size, measured with `mallinfo2` in
/// `scripts/bench/firewall-memory`), but glibc keeps the freed pages in the arena of each
/// thread that touched them and returns only the top of a heap. With one arena per thread
/// the retained memory grew with every load-and-clear cycle. So the daemon runs with few
/// arenas, and after a large write frees its predecessor the free pages are handed back.
public enum Allocator {
    /// Arenas for the daemon: a few, not 8 per core (glibc's default).
    public static let arenas: Int32 = 2

    /// Called once at start, before the worker threads exist.
    @discardableResult
    public static func configure() -> Bool { weft_allocator_limit_arenas(arenas) != 0 }

    /// Hands the free pages of every arena back to the kernel. Costs a walk of the free
    /// lists: call it after a large change, off the request path.
    @discardableResult
    public static func returnFreedMemory() -> Bool { weft_allocator_trim() != 0 }

    public struct Usage: Sendable {
        /// Bytes the allocator holds from the kernel (arenas and mmapped blocks).
        public let held: Int
        /// Bytes the program has allocated.
        public let inUse: Int
    }

    public static var usage: Usage {
        var held = 0, inUse = 0
        weft_allocator_usage(&held, &inUse)
        return Usage(held: held, inUse: inUse)
    }
}
