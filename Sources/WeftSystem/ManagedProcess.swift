import Foundation
import Synchronization

/// One long-running child process of the daemon (OpenVPN server, ...): started on demand,
/// restarted when asked, stopped with the daemon.
public final class ManagedProcess: Sendable {
    private struct Child: @unchecked Sendable { let process: Process }
    private let child = Mutex<Child?>(nil)
    public let executable: String
    public let arguments: [String]
    /// Extra environment variables for the child ("STRONGSWAN_CONF=...").
    public let environment: [String]

    public init(tool: String, arguments: [String], environment: [String: String] = [:]) {
        executable = ProcessRunner.resolve(tool) ?? "/usr/sbin/\(tool)"
        self.arguments = arguments
        self.environment = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    /// The daemon ignores SIGTERM/SIGINT (swift-service-lifecycle catches them through a
    /// dispatch source), and ignored signals survive exec: children are started through
    /// `env --default-signal` so that they can be stopped.
    static func launch(_ process: Process, executable: String, arguments: [String], environment: [String] = []) {
        process.executableURL = URL(fileURLWithPath: ProcessRunner.resolve("env") ?? "/usr/bin/env")
        process.arguments = ["--default-signal=TERM,INT,HUP"] + environment + [executable] + arguments
    }

    /// SIGTERM, then SIGKILL if the process has not gone within `grace`.
    static func terminate(_ process: Process, grace: Duration = .seconds(3)) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    public var isRunning: Bool { child.withLock { $0?.process.isRunning ?? false } }

    private static let restartObserver = Mutex<(@Sendable (String, Int32) -> Void)?>(nil)
    /// Called when a child that exited on its own is started again (tool name, exit status).
    public static func observeRestarts(_ handler: @escaping @Sendable (String, Int32) -> Void) { restartObserver.withLock { $0 = handler } }

    /// The child's PID while it runs.
    public var pid: Int32? { child.withLock { $0.flatMap { $0.process.isRunning ? $0.process.processIdentifier : nil } } }

    /// Starts the process; output goes to `log` (appended) or nowhere.
    public func start(log: String? = nil) throws {
        if let died = child.withLock({ $0.flatMap { $0.process.isRunning ? nil : $0.process } }),
           let observer = Self.restartObserver.withLock({ $0 }) {
            observer(URL(fileURLWithPath: executable).lastPathComponent, died.terminationStatus)
        }
        let process = Process()
        Self.launch(process, executable: executable, arguments: arguments, environment: environment)
        process.standardInput = FileHandle.nullDevice
        if let log, FileManager.default.createFile(atPath: log, contents: nil) || FileManager.default.fileExists(atPath: log),
           let handle = FileHandle(forWritingAtPath: log) {
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        do { try process.run() } catch { throw SystemError.io("cannot start \(executable): \(error)") }
        child.withLock { $0 = Child(process: process) }
    }

    public func stop() {
        guard let running = child.withLock({ value -> Process? in defer { value = nil }; return value?.process }) else { return }
        Self.terminate(running)
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
