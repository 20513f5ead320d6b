import Foundation
import Synchronization
import WeftModel

/// One firewall read-modify-write waiting for its batch.
struct FirewallWrite: Sendable {
    let actor: String?
    let action: String
    let context: String?
    let force: Bool
    let mutate: @Sendable (inout FirewallPolicy) throws -> any Sendable
    let arrived = ContinuousClock.now
}

/// Group commit for firewall writes: a write that arrives while a batch is being applied
/// waits and goes in with the others that arrived meanwhile, as the next batch, in arrival
/// order. A burst of N writes costs one `iptables-restore` and one transaction instead of
/// N of each; every writer is answered when the batch holding its change is live.
final class FirewallWriteQueue: Sendable {
    /// A queued write and the request waiting for it; answered exactly once.
    final class Pending: Sendable {
        let write: FirewallWrite
        private let continuation: Mutex<CheckedContinuation<any Sendable, any Error>?>

        init(_ write: FirewallWrite, _ continuation: CheckedContinuation<any Sendable, any Error>) {
            self.write = write
            self.continuation = Mutex(continuation)
        }

        func finish(_ result: Result<any Sendable, any Error>) {
            continuation.withLock { waiting in
                waiting?.resume(with: result)
                waiting = nil
            }
        }
    }

    /// More than this many waiting writes go in as several batches. `WEFT_FIREWALL_BATCH=1`
    /// gives the behaviour before group commit, for a side-by-side benchmark (scripts/bench/writes).
    static let batchLimit = Int(ProcessInfo.processInfo.environment["WEFT_FIREWALL_BATCH"] ?? "").map { max(1, $0) } ?? 256

    private struct Queue {
        var pending: [Pending] = []
        var draining = false
    }
    private let queue = Mutex(Queue())

    /// Queues `write`; the first writer of an idle queue starts the drain.
    func submit(_ write: FirewallWrite, apply: @escaping @Sendable ([Pending]) async -> Void) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { continuation in
            let first = queue.withLock { queue -> Bool in
                queue.pending.append(Pending(write, continuation))
                defer { queue.draining = true }
                return !queue.draining
            }
            if first { Task { await self.drain(apply) } }
        }
    }

    private func drain(_ apply: @Sendable ([Pending]) async -> Void) async {
        while true {
            let batch = queue.withLock { queue -> [Pending] in
                let batch = Array(queue.pending.prefix(Self.batchLimit))
                queue.pending.removeFirst(batch.count)
                if batch.isEmpty { queue.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            await apply(batch)
            // Whatever apply left unanswered (it should leave nothing) is not left hanging.
            for pending in batch { pending.finish(.failure(ValidationError(.argument, "the firewall write was not applied"))) }
        }
    }
}
