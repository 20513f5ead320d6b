import Logging
import ServiceLifecycle
import Synchronization

/// The "reboot" VNS3 clients expect after licence parameters, a snapshot import or
/// `PUT /api/server`: the daemon closes its listener, stops its children, stays
/// unreachable for at least `downtime`, then re-executes itself with the same arguments.
///
/// As a `Service` in the group it waits for a request; it then returns after a short
/// delay (so the triggering response is sent), and its successful return shuts the whole
/// group down gracefully. The executable performs the re-exec after the group has ended.
public final class RestartSwitch: Service, Sendable {
    private let requested = Mutex<String?>(nil)
    private let signal: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    public let logger: Logger
    public static let downtime: Duration = .seconds(3)

    public init(logger: Logger) {
        self.logger = logger
        (signal, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Why a restart was requested, or nil.
    public var reason: String? { requested.withLock { $0 } }

    public func request(reason: String) {
        let first = requested.withLock { current -> Bool in
            defer { if current == nil { current = reason } }
            return current == nil
        }
        if first {
            logger.notice("restart requested", metadata: ["restart.reason": "\(reason)"])
            continuation.yield()
        }
    }

    public func run() async throws {
        var iterator = signal.makeAsyncIterator()
        let fired: Void?? = await withGracefulShutdownHandler {
            await iterator.next()
        } onGracefulShutdown: {
            self.continuation.finish()
        }
        guard case .some(.some) = fired, reason != nil else { return }
        // Let the response that asked for the restart reach the client.
        try? await Task.sleep(for: .milliseconds(300))
    }
}
