import Foundation
import Testing
@testable import WeftSystem

/// glibc's counts move as the program allocates and frees, and freed pages go back.
@Suite struct AllocatorTests {
    @Test func usageCountsWhatIsAllocatedAndFreedMemoryIsReturned() {
        let before = Allocator.usage
        // 20,000 small blocks (rule-sized), as a parsed rule set is made of.
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<20_000 {
            let p = malloc(512)!
            memset(p, 1, 512)
            blocks.append(p)
        }
        let loaded = Allocator.usage
        #expect(loaded.inUse >= before.inUse + 20_000 * 512)
        #expect(loaded.held >= loaded.inUse)
        for p in blocks { free(p) }
        blocks.removeAll()
        let freed = Allocator.usage
        #expect(freed.inUse < loaded.inUse - 20_000 * 400)
        // The return itself succeeds or finds nothing to return; it never fails the process.
        _ = Allocator.returnFreedMemory()
        #expect(Allocator.usage.inUse <= freed.inUse + 1 << 20)
    }
}
