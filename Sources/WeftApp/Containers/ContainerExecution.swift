import Foundation
import WeftModel
import WeftSystem

/// Running a process inside a running container: the one place that asks the runtime for
/// exec and gives each run its own pid file in the container's directory (crun exec needs
/// one), shared by the plugin manager's commands and processes and the WAF runtime.
extension Controller {
    func containerExec() throws -> (system: ContainerSystem, exec: any ContainerExec) {
        guard let system = containers, let exec = system.runtime as? any ContainerExec else {
            throw ValidationError(.notSupported, "this controller's container runtime cannot run processes in a container")
        }
        return (system, exec)
    }

    /// Runs `argv` in container `id` and waits, killed after `timeout`.
    func runInContainer(_ id: String, _ argv: [String], env: [String], timeout: Duration) async throws -> ExecResult {
        let (system, exec) = try containerExec()
        let pidFile = system.paths.container(id) + "/exec-\(UInt32.random(in: 0...UInt32.max)).pid"
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        return try await exec.exec(id: id, arguments: argv, env: env, pidFile: pidFile, timeout: timeout)
    }
}
