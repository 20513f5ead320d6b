import Foundation
import GRDB
import WeftContainers
import WeftModel
import WeftStore
import WeftSystem

/// What the manager does inside a running instance: log files read, configuration files
/// edited with versions (each write replaces the file inside the container's root
/// atomically, through `/proc/PID/root` without following links, and is kept as a new
/// version), programs started and stopped, executables' commands run with a timeout.
extension Controller {
    /// The instance, its manager config and its container's root (`/proc/PID/root`), or why not.
    func runningInstance(_ id: Int) async throws -> (PluginInstanceRecord, PluginManagerConfig, ContainerSpec, root: String) {
        let record = try pluginInstance(id)
        guard let system = containers, let spec = containerSystemConfig.container(record.containerID) else {
            throw ValidationError(.state, field: "id", "Plugin instance \(record.name) has no container")
        }
        guard let pid = await system.pid(spec.id) else { throw ValidationError(.state, field: "id", "Plugin instance \(record.name) is not running") }
        return (record, record.manager ?? PluginManagerConfig(), spec, "/proc/\(pid)/root")
    }

    func managerOf(_ id: Int) throws -> (PluginInstanceRecord, PluginManagerConfig) {
        let record = try pluginInstance(id)
        return (record, record.manager ?? PluginManagerConfig())
    }

    // MARK: Logs

    public func pluginLogFiles(_ id: Int) throws -> [PluginManagerConfig.File] { try managerOf(id).1.logFiles }

    /// The last `lines` lines of log file `slug`.
    public func pluginLogContent(_ id: Int, slug: String, lines: Int?) async throws -> [String] {
        let (_, manager) = try managerOf(id)
        guard let file = manager.logFiles.first(where: { $0.slug == slug }) else { throw ValidationError(.notFound, field: "slug", "Log file \(slug) does not exist") }
        let count = lines ?? 100
        guard (1...100_000).contains(count) else { throw ValidationError(field: "lines", "lines must be 1-100000") }
        let (_, _, _, root) = try await runningInstance(id)
        guard let bytes = try? RootedFiles.read(root: root, file.path, limit: 4 << 20) else {
            throw ValidationError(.argument, name: "PluginLogError", "Failed to fetch logs for \(slug).  Does the log file exist?")
        }
        var all = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if all.last == "" { all.removeLast() }
        return Array(all.suffix(count))
    }

    // MARK: Configuration files

    public struct ConfigFileState: Sendable {
        public var file: PluginManagerConfig.File
        public var versions: [ConfigVersion]
        public var current: ConfigVersion? { versions.first(where: \.current) ?? versions.last }
    }

    public func pluginConfigFiles(_ id: Int) throws -> [ConfigFileState] {
        let (record, manager) = try managerOf(id)
        return try store.read { db in
            try manager.configurationFiles.map { ConfigFileState(file: $0, versions: try PluginTables.versions(record.id, $0.slug, db)) }
        }
    }

    func configFile(_ id: Int, _ slug: String) throws -> ConfigFileState {
        guard let state = try pluginConfigFiles(id).first(where: { $0.file.slug == slug }) else {
            throw ValidationError(.notFound, field: "slug", "Configuration file \(slug) does not exist")
        }
        return state
    }

    /// The file's content: `version` from the store, else as the running container has it now.
    public func pluginConfigContent(_ id: Int, slug: String, version: Int?) async throws -> String {
        let state = try configFile(id, slug)
        if let version {
            guard let found = state.versions.first(where: { $0.version == version }) else {
                throw ValidationError(.notFound, "Configuration file version \(version) does not exist")
            }
            return String(decoding: found.content, as: UTF8.self)
        }
        if let running = try? await runningInstance(id), let bytes = try? RootedFiles.read(root: running.root, state.file.path) {
            return String(decoding: bytes, as: UTF8.self)
        }
        guard let current = state.current else {
            throw ValidationError(.argument, name: "PluginConfigError", "Configuration file at \(state.file.path) could not be found.")
        }
        return String(decoding: current.content, as: UTF8.self)
    }

    /// Writes `content` into the running instance and keeps it as the next version.
    public func putPluginConfigContent(_ id: Int, slug: String, content: String, actor: String?) async throws -> ConfigFileState {
        let state = try configFile(id, slug)
        let (record, _, _, root) = try await runningInstance(id)
        let bytes = Array(content.utf8)
        guard bytes.count <= 4 << 20 else { throw ValidationError(field: "content", "content is larger than 4 MiB") }
        let before = try? RootedFiles.read(root: root, state.file.path)
        do { try RootedFiles.write(root: root, state.file.path, bytes) } catch {
            throw ValidationError(.argument, name: "PluginConfigError", "Failed to write contents to file \(state.file.path): \(error)")
        }
        do {
            try commit(actor, "plugin_instances.configurations.update", detail: "\(record.name) \(state.file.path) (\(bytes.count) bytes)") { db in
                // A file the image did not have: what was there before the first edit is version 1.
                if try PluginTables.versions(id, slug, db).isEmpty, let before { try PluginTables.addVersion(id, slug, before, db) }
                try PluginTables.addVersion(id, slug, bytes, db)
            }
        } catch {
            if let before { try? RootedFiles.write(root: root, state.file.path, before) }
            throw error
        }
        return try configFile(id, slug)
    }

    /// `POST …/revert {version}`: that version's content back into the container, current again.
    public func revertPluginConfig(_ id: Int, slug: String, version: Int?, actor: String?) async throws -> ConfigFileState {
        guard let version else { throw ValidationError(field: "version", "Field \"version\" is required") }
        let state = try configFile(id, slug)
        guard let found = state.versions.first(where: { $0.version == version }) else {
            throw ValidationError(.argument, "Version \(version) does not exist.")
        }
        let (record, _, _, root) = try await runningInstance(id)
        do { try RootedFiles.write(root: root, state.file.path, found.content) } catch {
            throw ValidationError(.argument, name: "PluginConfigError", "Failed to write contents to file \(state.file.path): \(error)")
        }
        try commit(actor, "plugin_instances.configurations.revert", detail: "\(record.name) \(state.file.path) to version \(version)") { db in
            try PluginTables.makeCurrent(id, slug, version, db)
        }
        return try configFile(id, slug)
    }

    /// `DELETE …/versions/{version}` (not the current one).
    public func deletePluginConfigVersion(_ id: Int, slug: String, version: Int, actor: String?) throws -> ConfigFileState {
        let state = try configFile(id, slug)
        guard let found = state.versions.first(where: { $0.version == version }) else { throw ValidationError(.notFound, "Version does not exist") }
        guard found.version != state.current?.version else {
            throw ValidationError(.argument, "Can't delete current version of configuration file")
        }
        try commit(actor, "plugin_instances.configurations.delete_version", detail: "\(id) \(state.file.path) version \(version)") { db in
            try db.execute(sql: "DELETE FROM plugin_config_versions WHERE instance_id = ? AND slug = ? AND version = ?", arguments: [id, slug, version])
        }
        return try configFile(id, slug)
    }

    /// `DELETE …/clear`: every version but the current one goes.
    public func clearPluginConfigHistory(_ id: Int, slug: String, actor: String?) throws -> ConfigFileState {
        let state = try configFile(id, slug)
        let keep = state.current?.version ?? -1
        try commit(actor, "plugin_instances.configurations.clear", detail: "\(id) \(state.file.path)") { db in
            try db.execute(sql: "DELETE FROM plugin_config_versions WHERE instance_id = ? AND slug = ? AND version != ?", arguments: [id, slug, keep])
        }
        return try configFile(id, slug)
    }

    // MARK: Processes and commands

    public struct ManagerCommandResult: Sendable {
        public var output: String
        public var error: String
        public var failed: Bool
        public var timeout: Bool
        public var exitStatus: Int?
    }

    public struct ProgramState: Sendable {
        public var name: String
        public var command: String
        public var pid: Int32?
        public var since: Int?
    }

    public func pluginProcesses(_ id: Int) throws -> (PluginManagerConfig.ProcessManager?, [ProgramState]) {
        let (record, manager) = try managerOf(id)
        guard let pm = manager.processManager else { return (nil, []) }
        return (pm, pm.subprocesses.map { name in
            let tracked = pm.name == "weft" ? PluginProcesses.tracked(record.containerID, name) : nil
            return ProgramState(name: name, command: pm.programText[name] ?? "", pid: tracked?.pid, since: tracked?.since)
        })
    }

    func containerEnvironment(_ spec: ContainerSpec) -> [String] {
        let image = containerSystemConfig.image(spec.imageID)?.config.env ?? []
        let env = image + spec.environment
        return env.contains(where: { $0.hasPrefix("PATH=") }) ? env : ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + env
    }

    /// `POST …/processes/action {process, action: start|stop|restart|status, timeout}`.
    public func pluginProcessAction(_ id: Int, process: String, action: String, timeout: Int?) async throws -> ManagerCommandResult {
        let (record, manager) = try managerOf(id)
        guard let pm = manager.processManager else { throw ValidationError(.argument, "No process manager defined for plugin instance.") }
        guard PluginManagerConfig.ProcessManager.supported.contains(pm.name) else { throw ValidationError(.argument, "Process manager \(pm.name) unsupported.") }
        guard pm.subprocesses.contains(process) else {
            throw ValidationError(.argument, field: "process", "Process \(process.prefix(64)) is not managed by this plugin (subprocesses: \(pm.subprocesses.joined(separator: ", ")))")
        }
        guard ["start", "stop", "restart", "status"].contains(action) else {
            throw ValidationError(.argument, field: "action", "Action \(action.prefix(32)) unsupported: use start, stop, restart or status")
        }
        let seconds = timeout ?? 20
        guard (1...600).contains(seconds) else { throw ValidationError(field: "timeout", "timeout must be 1-600 seconds") }
        if pm.name == "weft" { return try await runProgram(record, process, action: action, grace: .seconds(seconds)) }
        let (_, _, spec, _) = try await runningInstance(id)
        let argv = switch pm.name {
        case "supervisor": ["supervisorctl", action, process]
        case "plugin-ctl": ["/opt/plugin-manager/bin/plugin-ctl", action, process]
        default: ["service", process, action]
        }
        return try await execute(spec, argv, timeout: seconds)
    }

    /// The `weft` process manager: one program of the instance started, stopped or asked after.
    func runProgram(_ record: PluginInstanceRecord, _ program: String, action: String, grace: Duration) async throws -> ManagerCommandResult {
        guard action != "status" else { return try await runProgramClaimed(record, program, action: action, grace: grace) }
        guard PluginProcesses.claim(record.containerID, program) else {
            return ManagerCommandResult(output: "", error: "\(program): another action on it is under way", failed: true, timeout: false, exitStatus: nil)
        }
        defer { PluginProcesses.release(record.containerID, program) }
        return try await runProgramClaimed(record, program, action: action, grace: grace)
    }

    /// The programs of the instance running in container `containerID` that are not running:
    /// started (after the container started again, or the controller did).
    public func startPluginPrograms(containerID: String) async {
        guard let record = pluginInstances.first(where: { $0.containerID == containerID }),
              let pm = record.manager?.processManager, pm.name == "weft" else { return }
        for program in pm.subprocesses where PluginProcesses.tracked(containerID, program) == nil {
            _ = try? await runProgram(record, program, action: "start", grace: .seconds(5))
        }
    }

    func runProgramClaimed(_ record: PluginInstanceRecord, _ program: String, action: String, grace: Duration) async throws -> ManagerCommandResult {
        guard let words = record.manager?.processManager?.programs[program] else {
            throw ValidationError(.argument, field: "process", "Process \(program) has no program")
        }
        let tracked = PluginProcesses.tracked(record.containerID, program)
        func state(_ t: PluginProcesses.Tracked?) -> String { t.map { "\(program) RUNNING pid \($0.pid)" } ?? "\(program) STOPPED" }
        switch action {
        case "status":
            return ManagerCommandResult(output: state(tracked), error: "", failed: false, timeout: false, exitStatus: nil)
        case "stop":
            guard let tracked else { return ManagerCommandResult(output: "\(program): not running", error: "", failed: false, timeout: false, exitStatus: nil) }
            let gone = await HostProcess.stop(tracked.pid, started: tracked.started, grace: grace)
            if gone { PluginProcesses.record(record.containerID, program, nil) }
            return ManagerCommandResult(output: gone ? "\(program): stopped" : "\(program): still running", error: gone ? "" : "did not stop",
                                        failed: !gone, timeout: !gone, exitStatus: nil)
        default:
            if action == "start", let tracked {
                return ManagerCommandResult(output: "\(program): already running (pid \(tracked.pid))", error: "", failed: false, timeout: false, exitStatus: nil)
            }
            if let tracked {
                guard await HostProcess.stop(tracked.pid, started: tracked.started, grace: grace) else {
                    return ManagerCommandResult(output: "\(program): still running", error: "did not stop", failed: true, timeout: true, exitStatus: nil)
                }
                PluginProcesses.record(record.containerID, program, nil)
            }
            let (_, _, spec, _) = try await runningInstance(record.id)
            let (system, exec) = try containerExec()
            let pidFile = system.paths.container(spec.id) + "/program-\(PluginManagerConfig.slug(program)).pid"
            let pid: Int32
            do {
                pid = try await exec.execDetached(id: spec.id, arguments: words, env: containerEnvironment(spec), logPath: system.paths.log(spec.id), pidFile: pidFile)
            } catch {
                return ManagerCommandResult(output: "", error: "\(program) did not start: \(error)", failed: true, timeout: false, exitStatus: nil)
            }
            guard let started = HostProcess.startTime(pid) else {
                return ManagerCommandResult(output: "", error: "\(program) exited at once", failed: true, timeout: false, exitStatus: nil)
            }
            PluginProcesses.record(record.containerID, program, .init(pid: pid, started: started, since: Store.now()))
            return ManagerCommandResult(output: "\(program): started (pid \(pid))", error: "", failed: false, timeout: false, exitStatus: nil)
        }
    }

    func execute(_ spec: ContainerSpec, _ argv: [String], timeout seconds: Int) async throws -> ManagerCommandResult {
        let result = try await runInContainer(spec.id, argv, env: containerEnvironment(spec), timeout: .seconds(seconds))
        var error = String(result.stderr.suffix(64 << 10))
        if result.timedOut { error += (error.isEmpty ? "" : "\n") + "killed: still running after the \(seconds) s timeout" }
        return ManagerCommandResult(output: String(result.stdout.suffix(256 << 10)), error: error, failed: result.status != 0 || result.timedOut,
                                    timeout: result.timedOut, exitStatus: Int(result.status))
    }

    /// `POST …/commands/execute {command, executable_path, timeout}`: one of an executable's
    /// commands (its argument list from the manager config), never a shell line.
    public func pluginExecute(_ id: Int, command: String, executablePath: String?, timeout: Int?) async throws -> ManagerCommandResult {
        let (_, manager) = try managerOf(id)
        guard !manager.executables.isEmpty else { throw ValidationError(.argument, "No executables defined for plugin instance.") }
        let executable: PluginManagerConfig.Executable
        if let executablePath {
            guard let found = manager.executables.first(where: { $0.path == executablePath }) else {
                throw ValidationError(.argument, field: "executable_path", "Executable \(executablePath.prefix(200)) is not defined for plugin instance (executables: \(manager.executables.map(\.path).joined(separator: ", ")))")
            }
            executable = found
        } else {
            guard manager.executables.count == 1 else {
                throw ValidationError(.argument, field: "executable_path", "executable_path is required: the plugin defines \(manager.executables.count) executables (\(manager.executables.map(\.path).joined(separator: ", ")))")
            }
            executable = manager.executables[0]
        }
        guard let found = executable.commands.first(where: { $0.name == command }) else {
            throw ValidationError(.argument, field: "command", "Command \(command.prefix(64)) is not defined for executable \(executable.path) (commands: \(executable.commands.map(\.name).joined(separator: ", ")))")
        }
        let seconds = timeout ?? 30
        guard (1...600).contains(seconds) else { throw ValidationError(field: "timeout", "timeout must be 1-600 seconds") }
        let (_, _, spec, _) = try await runningInstance(id)
        return try await execute(spec, [executable.path] + found.arguments, timeout: seconds)
    }
}
