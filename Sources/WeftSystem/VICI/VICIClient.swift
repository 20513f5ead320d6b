import Foundation
import Glibc
import Synchronization

/// A blocking client for strongSwan charon's VICI socket: each call opens its own
/// connection, so one client may be used from several threads at once.
public struct VICIClient: Sendable {
    public let path: String
    /// Bounds each read and write on the socket, not the whole call.
    public let timeoutSeconds: Int

    public init(path: String, timeoutSeconds: Int = 10) {
        self.path = path
        self.timeoutSeconds = timeoutSeconds
    }

    /// One command on a fresh connection. Throws `failed(errmsg)` when the reply has
    /// `success = no`, `unknownCommand` when charon has no such command.
    ///
    /// `initiate` and `terminate` take a `timeout` in ms (checked with charon 5.9.8):
    /// - `-1`: charon answers at once (`success = yes`; `terminate` adds `matches` and
    ///   `terminated`) and carries on in the background. Use this from the daemon and
    ///   follow the outcome through `ike-updown`/`child-updown` events or `list-sas`.
    /// - `N > 0`: the reply comes when the SA is up, or after N ms as
    ///   `failed("CHILD_SA 'child' not established after Nms")`; N must stay below
    ///   `timeoutSeconds`, which bounds the silent wait for the reply.
    /// - `0` or absent: charon waits for IKE to succeed or give up (minutes of
    ///   retransmits to a silent peer), so this throws `io("... timed out")` after
    ///   `timeoutSeconds` while charon keeps trying.
    /// For their log lines use `streamed(_:event:_:)` with `control-log`.
    public func command(_ name: String, _ message: VICIMessage = VICIMessage()) throws(VICIError) -> VICIMessage {
        let socket = try VICISocket(path: path, timeoutSeconds: timeoutSeconds)
        try socket.send(.request(name, message))
        return try Self.checked(socket.response(to: name) { _, _ in })
    }

    /// A streamed command: registers `event` on the same connection, sends the command and
    /// collects the `event` messages charon sends before the response (`list-sas` with
    /// `list-sa`, `list-conns` with `list-conn`, `initiate` with `control-log`). A reply
    /// with `success = no` throws `failed` and the collected events are dropped.
    public func streamed(_ name: String, event: String, _ message: VICIMessage = VICIMessage())
        throws(VICIError) -> (items: [VICIMessage], response: VICIMessage) {
        let socket = try VICISocket(path: path, timeoutSeconds: timeoutSeconds)
        var items: [VICIMessage] = []
        let collect = { (name: String, message: VICIMessage) in if name == event { items.append(message) } }
        try socket.register(event, deliver: collect)
        try socket.send(.request(name, message))
        let response = try socket.response(to: name, deliver: collect)
        // Closing the connection drops the registration anyway; this is the README's order.
        try? socket.unregister(event) { _, _ in }
        return (items, try Self.checked(response))
    }

    static func checked(_ response: VICIMessage) throws(VICIError) -> VICIMessage {
        if response["success"] == "no" { throw .failed(response["errmsg"] ?? "command failed") }
        return response
    }
}

/// A long-lived event subscription on its own connection and its own thread (a Foundation
/// `Thread`), reconnecting every 0.5 s while charon is not there, until `stop()`.
/// The handler runs on that thread, in the order charon sent the events. Events raised
/// while disconnected are lost: `onConnect` runs (on the same thread) after every
/// successful registration, so the owner can re-read state with `list-sas`.
public final class VICIEventStream: Sendable {
    private struct State {
        var started = false
        var stopped = false
        /// The open connection's descriptor, so that `stop()` can shut it down. It is only
        /// closed after being cleared here, under the lock, so `stop()` never touches a
        /// reused descriptor number.
        var fd: Int32 = -1
        var thread: pthread_t?
        var connected = false
        var lastError: VICIError?
    }

    public let path: String
    public let events: [String]
    private let handler: @Sendable (String, VICIMessage) -> Void
    private let onConnect: (@Sendable () -> Void)?
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// `events` that charon does not know are skipped (see `lastError`); the others are
    /// still delivered.
    public init(path: String, events: [String], onConnect: (@Sendable () -> Void)? = nil,
                handler: @escaping @Sendable (String, VICIMessage) -> Void) {
        self.path = path
        self.events = events
        self.onConnect = onConnect
        self.handler = handler
    }

    /// Whether the stream is registered with a running charon right now.
    public var isConnected: Bool { state.withLock { $0.connected } }
    /// Why the last connection attempt or connection failed; nil once registered again.
    public var lastError: VICIError? { state.withLock { $0.lastError } }

    /// Starts the thread; later calls, and calls after `stop()`, do nothing.
    public func start() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started && !state.stopped
        }
        guard first else { return }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "vici-events"
        thread.start()
    }

    /// Shuts the connection down so that the blocked read returns, then waits for the
    /// thread to end; called from the handler itself it returns without waiting.
    public func stop() {
        let (running, onOwnThread) = state.withLock { state in
            state.stopped = true
            if state.fd >= 0 { shutdown(state.fd, Int32(SHUT_RDWR)) }
            return (state.started, state.thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false)
        }
        wake.signal()
        guard running, !onOwnThread else { return }
        finished.wait()
        finished.signal()   // let any other stop() through as well
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func run() {
        state.withLock { $0.thread = pthread_self() }
        while !isStopped {
            do {
                try session()
            } catch {
                state.withLock { state in
                    state.connected = false
                    if !state.stopped { state.lastError = error }
                }
            }
            if isStopped { break }
            _ = wake.wait(timeout: .now() + .milliseconds(500))
        }
        state.withLock { $0.connected = false }
    }

    /// One connection: register, then deliver events until it fails or `stop()` shuts it.
    private func session() throws(VICIError) {
        let socket = try VICISocket(path: path, timeoutSeconds: 10)
        defer {
            state.withLock { $0.fd = -1 }
            socket.close()
        }
        let proceed = state.withLock { state in
            if !state.stopped { state.fd = socket.fd }
            return !state.stopped
        }
        guard proceed else { return }
        var unknown: VICIError?
        for event in events {
            do {
                try socket.register(event, deliver: handler)
            } catch .unknownEvent(let name) {
                unknown = .unknownEvent(name)
            }
        }
        socket.setTimeout(seconds: 0)
        state.withLock { state in
            state.connected = true
            state.lastError = unknown
        }
        onConnect?()
        while true {
            if case .event(let name, let message) = try socket.receive() { handler(name, message) }
        }
    }
}
