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

    /// A queued policy write, or a job that must run alone between batches (a change of the
    /// plugins' generated rules, which applies the same rule set).
    private enum Entry {
        case write(Pending)
        case job(@Sendable () async -> Void)
    }

    private struct Queue {
        var pending: [Entry] = []
        var draining = false
    }
    private let queue = Mutex(Queue())

    /// Queues `write`; the first writer of an idle queue starts the drain.
    func submit(_ write: FirewallWrite, apply: @escaping @Sendable ([Pending]) async -> Void) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.write(Pending(write, continuation)), apply: apply)
        }
    }

    /// Runs `body` alone, in its turn among the writes (nothing of a batch runs beside it).
    func exclusive<T: Sendable>(apply: @escaping @Sendable ([Pending]) async -> Void, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            enqueue(.job({
                do { continuation.resume(returning: try await body()) } catch { continuation.resume(throwing: error) }
            }), apply: apply)
        }
    }

    private func enqueue(_ entry: Entry, apply: @escaping @Sendable ([Pending]) async -> Void) {
        let first = queue.withLock { queue -> Bool in
            queue.pending.append(entry)
            defer { queue.draining = true }
            return !queue.draining
        }
        if first { Task { await self.drain(apply) } }
    }

    private func drain(_ apply: @Sendable ([Pending]) async -> Void) async {
        while true {
            // The writes up to the next job (at most batchLimit), or that job alone.
            let next = queue.withLock { queue -> (batch: [Pending], job: (@Sendable () async -> Void)?)? in
                guard let head = queue.pending.first else {
                    queue.draining = false
                    return nil
                }
                if case .job(let job) = head {
                    queue.pending.removeFirst()
                    return ([], job)
                }
                var batch: [Pending] = []
                while batch.count < Self.batchLimit, case .write(let pending)? = queue.pending.first {
                    batch.append(pending)
                    queue.pending.removeFirst()
                }
                return (batch, nil)
            }
            guard let next else { return }
            if let job = next.job {
                await job()
                continue
            }
            await apply(next.batch)
            // Whatever apply left unanswered (it should leave nothing) is not left hanging.
            for pending in next.batch { pending.finish(.failure(ValidationError(.argument, "the firewall write was not applied"))) }
        }
    }
}
