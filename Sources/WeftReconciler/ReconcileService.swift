import Foundation
import Logging
import Synchronization
import ServiceLifecycle
import WeftStore
import WeftSystem

/// Runs every subsystem reconciler from the store's desired state: at start (so a crash
/// or reboot loses nothing), whenever the API commits a change, and periodically to
/// repair drift. One pass at a time; wake-ups during a pass coalesce into one more pass.
public final class ReconcileService: Service, Sendable {
    let store: Store
    let subsystems: [any SubsystemReconciler]
    public let board: StatusBoard
    let logger: Logger
    let interval: Duration
    private let failureObserver = Mutex<(@Sendable (String, String) -> Void)?>(nil)
    /// Called when a subsystem goes from working to failing (subsystem, message).
    public func observeFailures(_ handler: @escaping @Sendable (String, String) -> Void) { failureObserver.withLock { $0 = handler } }
    private let passObserver = Mutex<(@Sendable (String, Duration, Bool) -> Void)?>(nil)
    /// Called after each subsystem's reconcile (subsystem, duration, failed).
    public func observePasses(_ handler: @escaping @Sendable (String, Duration, Bool) -> Void) { passObserver.withLock { $0 = handler } }
    private let holding = Mutex<(names: Set<String>, reason: @Sendable () -> String?)?>(nil)
    /// Holds the subsystems `names` while `reason` returns one: a pass skips them and leaves
    /// them `pending` with that reason (the mesh catch-up after a start, `MeshAdmission`).
    public func hold(_ names: Set<String>, while reason: @escaping @Sendable () -> String?) {
        holding.withLock { $0 = (names, reason) }
    }
    private let wakes: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init(store: Store, subsystems: [any SubsystemReconciler], applying: Bool, interval: Duration = .seconds(30), logger: Logger) {
        self.store = store
        self.subsystems = subsystems
        self.board = StatusBoard(subsystems: subsystems.map(\.name), applying: applying)
        self.logger = logger
        self.interval = interval
        (wakes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a pass soon (non-blocking; coalesces).
    public func wake() { continuation.yield() }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [interval, continuation] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        continuation.yield()
                    }
                }
                group.addTask { [logger, continuation] in
                    // A child that died (killed, crashed) is restarted by the next pass: ask
                    // for one now rather than at the periodic pass.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        let exited = ManagedProcess.newlyExited()
                        if !exited.isEmpty {
                            logger.warning("child process exited", metadata: ["process": "\(exited.joined(separator: ","))"])
                            continuation.yield()
                        }
                    }
                }
                await self.pass()
                for await _ in self.wakes {
                    await self.pass()
                }
                group.cancelAll()
            }
            for subsystem in self.subsystems { await subsystem.shutdown() }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }

    /// One reconcile pass over all subsystems. Public for tests.
    public func pass() async {
        let desired: DesiredState
        do {
            desired = try store.desiredState()
        } catch {
            logger.error("cannot read desired state", metadata: ["error": "\(error)"])
            return
        }
        let hold = holding.withLock { $0 }.flatMap { held in held.reason().map { (held.names, $0) } }
        for subsystem in subsystems {
            var status = board.status(subsystem.name) ?? SubsystemStatus(name: subsystem.name)
            status.desiredGeneration = max(status.desiredGeneration, desired.generation)
            status.updatedAt = Int(Date().timeIntervalSince1970)
            if let (names, reason) = hold, names.contains(subsystem.name) {
                status.state = .pending
                status.message = reason
                board.update(status)
                continue
            }
            let started = ContinuousClock.now
            defer { passObserver.withLock { $0 }?(subsystem.name, ContinuousClock.now - started, status.state == .error) }
            do {
                let changes = try await subsystem.reconcile(desired, apply: board.applying)
                status.state = board.applying ? .ok : .planned
                if board.applying { status.appliedGeneration = max(status.appliedGeneration ?? 0, desired.generation) }
                status.message = board.applying ? (changes.isEmpty ? "in sync" : "applied \(changes.count) change(s)")
                    : "--no-apply: \(changes.count) change(s) planned, nothing touched"
                if !changes.isEmpty || !board.applying { status.lastChanges = changes.map(\.summary) }
                if !changes.isEmpty {
                    logger.info("reconciled", metadata: ["reconcile.subsystem": "\(subsystem.name)",
                                                         "reconcile.generation": "\(desired.generation)",
                                                         "reconcile.changes": "\(changes.map(\.summary))",
                                                         "reconcile.applied": "\(board.applying)"])
                }
            } catch {
                if status.state != .error, let observer = failureObserver.withLock({ $0 }) { observer(subsystem.name, "\(error)") }
                status.state = .error
                status.message = "\(error)"
                logger.error("reconcile failed", metadata: ["reconcile.subsystem": "\(subsystem.name)", "error": "\(error)"])
            }
            board.update(status)
        }
    }
}
