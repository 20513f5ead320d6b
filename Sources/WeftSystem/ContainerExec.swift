import Foundation
import Synchronization

/// Processes started inside a running container (a plugin instance's programs and
/// executables): argv only, never a shell line built from user text.
public protocol ContainerExec: Sendable {
    /// Starts `arguments` in container `id` in the background, output appended to
    /// `logPath` (a host file); returns the process's host PID.
    func execDetached(id: String, arguments: [String], env: [String], logPath: String, pidFile: String) async throws -> Int32
    /// Runs `arguments` in container `id` and waits; past `timeout` the process is killed
    /// (SIGKILL) and the result says so.
    func exec(id: String, arguments: [String], env: [String], pidFile: String, timeout: Duration) async throws -> ExecResult
}

public struct ExecResult: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    public init(status: Int32, stdout: String, stderr: String, timedOut: Bool) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }
}

extension CrunRuntime: ContainerExec {
    func execArguments(_ id: String, _ arguments: [String], env: [String], pidFile: String, detach: Bool) -> [String] {
        ["exec"] + (detach ? ["--detach"] : []) + ["--pid-file", pidFile, "--cwd", "/"] + env.flatMap { ["--env", $0] } + [id] + arguments
    }

    public func execDetached(id: String, arguments: [String], env: [String], logPath: String, pidFile: String) async throws -> Int32 {
        try? FileManager.default.removeItem(atPath: pidFile)
        let script = Self.prelude + "log=$1; shift; exec crun \"$@\" </dev/null >>\"$log\" 2>&1"
        let argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", logPath, "--root", root, "--cgroup-manager=cgroupfs"]
            + execArguments(id, arguments, env: env, pidFile: pidFile, detach: true)
        let result = try await runner.run(argv, stdin: nil)
        guard result.status == 0 else {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)).map { String($0.suffix(300)) } ?? ""
            throw SystemError.command(["crun", "exec", id] + arguments, status: result.status, stderr: result.stderr + log)
        }
        guard let pid = Self.readPID(pidFile) else { throw SystemError.io("crun exec started \(arguments.first ?? "") in \(id) but wrote no pid file") }
        return pid
    }

    public func exec(id: String, arguments: [String], env: [String], pidFile: String, timeout: Duration) async throws -> ExecResult {
        try? FileManager.default.removeItem(atPath: pidFile)
        let killed = KilledFlag()
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            // The process may not have its pid file yet: look again briefly.
            for _ in 0..<50 {
                if let pid = Self.readPID(pidFile) {
                    killed.value.withLock { $0 = true }
                    kill(pid, SIGKILL)
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { watchdog.cancel() }
        let result = try await runner.run(crun(execArguments(id, arguments, env: env, pidFile: pidFile, detach: false)), stdin: nil)
        watchdog.cancel()
        return ExecResult(status: result.status, stdout: result.stdout, stderr: result.stderr, timedOut: killed.value.withLock { $0 })
    }

    static func readPID(_ path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

final class KilledFlag: Sendable {
    let value = Mutex(false)
}

/// Host processes by PID: alive (not a zombie) and started when we saw it start.
public enum HostProcess {
    /// Field 22 of /proc/PID/stat (start time in clock ticks), nil when gone or a zombie.
    public static func startTime(_ pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); the start time is field 22.
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    /// SIGTERM, then SIGKILL after `grace`; true when it is gone.
    @discardableResult
    public static func stop(_ pid: Int32, started: UInt64, grace: Duration) async -> Bool {
        guard startTime(pid) == started else { return true }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            if startTime(pid) != started { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        if startTime(pid) == started { kill(pid, SIGKILL) }
        for _ in 0..<40 {
            if startTime(pid) != started { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return startTime(pid) != started
    }
}
