import Foundation
import Synchronization

/// One long-running child process of the daemon (OpenVPN server, wireguard-go, BIRD,
/// charon): started on demand, restarted when asked, stopped with the daemon. It leads its
/// own process group, dies with the daemon (`PR_SET_PDEATHSIG`, see `Spawner`), and is
/// recorded in `ChildRecords` so that a daemon started after a crash ends it first.
public final class ManagedProcess: Sendable {
    private struct Child: Sendable {
        let pid: pid_t
        var exitStatus: Int32?
        /// Its exit has been reported by `newlyExited` (once per exit).
        var reported = false
    }
    private let child = Mutex<Child?>(nil)
    public let executable: String
    public let arguments: [String]
    /// Extra environment variables for the child ("STRONGSWAN_CONF=...").
    public let environment: [String]

    public init(tool: String, arguments: [String], environment: [String: String] = [:]) {
        executable = ProcessRunner.resolve(tool) ?? "/usr/sbin/\(tool)"
        self.arguments = arguments
        self.environment = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        Self.registry.withLock { $0.removeAll { $0.value == nil }; $0.append(Entry(value: self)) }
    }

    private final class Entry: @unchecked Sendable {
        weak var value: ManagedProcess?
        init(value: ManagedProcess) { self.value = value }
    }
    private static let registry = Mutex<[Entry]>([])

    /// The tools whose child ended on its own (not through `stop`) since the last call, each
    /// exit reported once: the reconciler polls this every second and runs a pass, so a
    /// killed wireguard-go or openvpn is back within a second or two, not at the next
    /// periodic pass.
    public static func newlyExited() -> [String] {
        let processes = registry.withLock { $0.compactMap(\.value) }
        return processes.compactMap { process in
            process.child.withLock { value -> String? in
                process.refresh(&value)
                guard var current = value, current.exitStatus != nil, !current.reported else { return nil }
                current.reported = true
                value = current
                return URL(fileURLWithPath: process.executable).lastPathComponent
            }
        }
    }

    /// The child's exit status once it has ended (reaping it), nil while it runs.
    private func refresh(_ value: inout Child?) {
        guard var current = value, current.exitStatus == nil, let status = Spawner.poll(current.pid) else { return }
        current.exitStatus = status
        value = current
        ChildRecords.shared.forget(current.pid)
    }

    public var isRunning: Bool { child.withLock { refresh(&$0); return $0.map { $0.exitStatus == nil } ?? false } }

    private static let restartObserver = Mutex<(@Sendable (String, Int32) -> Void)?>(nil)
    /// Called when a child that exited on its own is started again (tool name, exit status).
    public static func observeRestarts(_ handler: @escaping @Sendable (String, Int32) -> Void) { restartObserver.withLock { $0 = handler } }

    /// The child's PID while it runs.
    public var pid: Int32? { child.withLock { refresh(&$0); return $0.flatMap { $0.exitStatus == nil ? $0.pid : nil } } }

    /// Starts the process; output goes to `log` (appended, 0600) or nowhere.
    public func start(log: String? = nil) throws {
        let died = child.withLock { value -> Int32? in refresh(&value); return value?.exitStatus }
        if let died, let observer = Self.restartObserver.withLock({ $0 }) {
            observer(URL(fileURLWithPath: executable).lastPathComponent, died)
        }
        var logFD: Int32 = -1
        if let log { logFD = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600) }
        defer { if logFD >= 0 { close(logFD) } }
        let pid = try Spawner.spawn(.init(path: executable, arguments: arguments, environment: environment,
                                          stdout: logFD, stderr: logFD))
        ChildRecords.shared.remember(pid, tool: executable)
        child.withLock { $0 = Child(pid: pid, exitStatus: nil) }
    }

    /// SIGTERM to the child's process group, SIGKILL if it has not gone within `grace`.
    public func stop(grace: Duration = .seconds(3)) {
        // A child that already ended on its own stays recorded, so that the next start
        // reports the restart (`observeRestarts`).
        guard let running = child.withLock({ value -> Child? in
            refresh(&value)
            guard let current = value, current.exitStatus == nil else { return nil }
            value = nil
            return current
        }) else { return }
        let (status, escalated) = Self.terminate(running.pid, grace: grace)
        ChildRecords.shared.forget(running.pid)
        // Dying already when stop came (killed by another signal than ours, between a
        // failed health check and here): that is an exit of its own, reported at start.
        if status > 128, status != 128 + SIGTERM, !escalated {
            child.withLock { value in if value == nil { value = Child(pid: running.pid, exitStatus: status, reported: true) } }
        }
    }

    /// Ends a child of this daemon and reaps it: its exit status, and whether SIGKILL was needed.
    @discardableResult
    static func terminate(_ pid: pid_t, grace: Duration) -> (status: Int32, escalated: Bool) {
        killpg(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if let status = Spawner.poll(pid) { return (status, false) }
            usleep(20_000)
        }
        killpg(pid, SIGKILL)
        return (Spawner.wait(pid), true)
    }
}

/// OpenVPN's management interface (a Unix socket): one command per connection.
public struct OpenVPNManagement: Sendable {
    public let path: String
    public init(path: String) { self.path = path }

    /// Sends `command` and returns the first SUCCESS:/ERROR: line.
    public func send(_ command: String) throws -> String {
        let reply = try UnixSocket.exchange(path: path, request: command + "\r\n") { text in
            text.contains("SUCCESS:") || text.contains("ERROR:")
        }
        return reply.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .first { $0.hasPrefix("SUCCESS:") || $0.hasPrefix("ERROR:") }.map(String.init) ?? reply
    }

    /// Disconnects every client with this certificate CN now.
    public func kill(commonName: String) throws -> Bool {
        try send("kill \(commonName)").hasPrefix("SUCCESS:")
    }
}

/// A connected OpenVPN client, from the server's `status-version 2` file.
public struct OpenVPNClientStatus: Sendable, Equatable {
    public var commonName: String
    public var realAddress: String
    public var virtualAddress: String
    public var rxBytes: Int
    public var txBytes: Int
    public var connectedSince: Int

    public init(commonName: String, realAddress: String, virtualAddress: String, rxBytes: Int, txBytes: Int, connectedSince: Int) {
        self.commonName = commonName
        self.realAddress = realAddress
        self.virtualAddress = virtualAddress
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.connectedSince = connectedSince
    }

    public static func parse(_ text: String) -> [OpenVPNClientStatus] {
        var columns: [String] = []
        var clients: [OpenVPNClientStatus] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
            if fields.first == "HEADER", fields.count > 1, fields[1] == "CLIENT_LIST" { columns = Array(fields.dropFirst(1)); continue }
            guard fields.first == "CLIENT_LIST", !columns.isEmpty else { continue }
            func field(_ name: String) -> String {
                guard let index = columns.firstIndex(of: name), index < fields.count else { return "" }
                return fields[index]
            }
            clients.append(OpenVPNClientStatus(
                commonName: field("Common Name"), realAddress: field("Real Address"), virtualAddress: field("Virtual Address"),
                rxBytes: Int(field("Bytes Received")) ?? 0, txBytes: Int(field("Bytes Sent")) ?? 0,
                connectedSince: Int(field("Connected Since (time_t)")) ?? 0))
        }
        return clients
    }
}
