import Foundation
import Synchronization

/// A file per running child under the daemon's run directory (`PID`: its start time and
/// tool), so that a daemon started after a crash can end what the last one left: children
/// get `PR_SET_PDEATHSIG`, but a record also covers a child whose signal could not be
/// delivered (or a daemon of an older version). A record names a process by PID *and* its
/// start time in `/proc/PID/stat`, so a PID the kernel has since reused is left alone.
public final class ChildRecords: Sendable {
    public static let shared = ChildRecords()

    private let directory = Mutex<String?>(nil)

    /// A leftover found at start.
    public struct Leftover: Sendable, Equatable {
        public let pid: pid_t
        public let tool: String
    }

    public init() {}

    /// Where records go from now on (created 0700).
    public func use(directory path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        directory.withLock { $0 = path }
    }

    func remember(_ pid: pid_t, tool: String) {
        guard let path = directory.withLock({ $0 }), let started = Self.startTime(of: pid) else { return }
        try? AtomicFile.write(Array("\(started)\n\(tool)\n".utf8), to: "\(path)/\(pid)", mode: 0o600)
    }

    func forget(_ pid: pid_t) {
        guard let path = directory.withLock({ $0 }) else { return }
        unlink("\(path)/\(pid)")
    }

    /// Ends every recorded process that is still the one recorded (SIGTERM to its process
    /// group, SIGKILL after `grace`), waits until it is gone, and clears the records.
    @discardableResult
    public func endLeftovers(grace: Duration = .seconds(3)) -> [Leftover] {
        guard let path = directory.withLock({ $0 }),
              let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        var alive: [Leftover] = []
        for name in names {
            defer { unlink("\(path)/\(name)") }
            guard let pid = pid_t(name), pid > 1,
                  let text = try? String(contentsOfFile: "\(path)/\(name)", encoding: .utf8) else { continue }
            let lines = text.split(separator: "\n").map(String.init)
            guard lines.count >= 2, let recorded = UInt64(lines[0]), Self.startTime(of: pid) == recorded else { continue }
            alive.append(Leftover(pid: pid, tool: lines[1]))
        }
        for leftover in alive { kill(-leftover.pid, SIGTERM); kill(leftover.pid, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while alive.contains(where: { Self.exists($0.pid) }) && ContinuousClock.now < deadline { usleep(20_000) }
        for leftover in alive where Self.exists(leftover.pid) { kill(-leftover.pid, SIGKILL); kill(leftover.pid, SIGKILL) }
        let hard = ContinuousClock.now + .seconds(5)
        while alive.contains(where: { Self.exists($0.pid) }) && ContinuousClock.now < hard { usleep(20_000) }
        return alive
    }

    /// Field 22 of /proc/PID/stat (clock ticks since boot), read after the command's
    /// closing parenthesis, since the command itself may hold spaces and parentheses.
    static func startTime(of pid: pid_t) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ")": state is field 3, so start time (22) is index 19.
        guard fields.count > 19, fields[0] != "Z" else { return nil }
        return UInt64(fields[19])
    }

    /// A process that is gone or only a zombie no longer holds devices or ports.
    static func exists(_ pid: pid_t) -> Bool { startTime(of: pid) != nil }
}
