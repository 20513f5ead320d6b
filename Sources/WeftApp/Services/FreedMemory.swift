import Foundation
import Synchronization
import WeftSystem

/// After a large write has replaced its predecessor (a rule set of thousands of rules),
/// hands the freed pages back to the kernel: soon after the answer, and again once the
/// reconcile pass the write woke (which compiles the set once more) has dropped its
/// copies too. Requests coalesce: while one is waiting, another adds nothing.
enum FreedMemory {
    /// A write of this many entries (before or after) is large.
    static let largeWrite = 5_000
    private static let pending = Mutex(false)

    static func returnSoon(after delays: [Duration] = [.seconds(2), .seconds(10)]) {
        let start = pending.withLock { waiting -> Bool in
            if waiting { return false }
            waiting = true
            return true
        }
        guard start else { return }
        Task.detached(priority: .background) {
            for (index, delay) in delays.enumerated() {
                try? await Task.sleep(for: delay)
                if index == delays.count - 1 { pending.withLock { $0 = false } }
                Allocator.returnFreedMemory()
            }
        }
    }
}
