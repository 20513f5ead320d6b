import Foundation

/// A runtime that can also run a bundle to completion (the RUN lines of an image build).
public protocol ForegroundContainerRuntime: ContainerRuntime {
    /// Runs the bundle in the foreground, output to `logPath`; returns the exit status of
    /// its process (killed after `timeout`: status 137).
    func runToExit(id: String, bundle: String, logPath: String, timeout: Duration) async throws -> Int32
}

extension CrunRuntime: ForegroundContainerRuntime {
    public func runToExit(id: String, bundle: String, logPath: String, timeout: Duration) async throws -> Int32 {
        let seconds = max(1, Int(timeout.components.seconds))
        // timeout(1) sends TERM to crun, which passes it on; KILL 5 s later.
        let script = Self.prelude + "exec timeout -k 5 \"$5\" crun --root \"$2\" --cgroup-manager=cgroupfs run --bundle \"$3\" \"$4\" </dev/null >>\"$1\" 2>&1"
        let result = try await runner.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                                           logPath, root, bundle, id, String(seconds)], stdin: nil)
        _ = try? await runner.run(crun(["delete", "--force", id]), stdin: nil)
        if (90...93).contains(result.status) { throw SystemError.command(["crun", "run", id], status: result.status, stderr: result.stderr) }
        return result.status == 124 ? 137 : result.status
    }
}
