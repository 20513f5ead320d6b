import Crypto
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WeftContainers
import WeftModel
import WeftReconciler
import WeftStore
import WeftSystem

extension SettingKey {
    /// The container system's desired state.
    public static var containerSystem: SettingKey<ContainerSystemConfig> { .init("container_system") }
}

/// The sixth device: images stored by Weft, containers run by crun on the plugin network,
/// supervised. The store holds what should run; each pass (after a write, and every
/// `interval`) makes the machine match: bridge up, wanted containers running (a crashed
/// one is started again with backoff and a `process_restarted` alert), the rest removed.
/// A graceful shutdown stops the containers; the next start brings them back with the
/// same addresses.
public final class ContainerSystem: Service, Sendable {
    public static let bridge = "plugin0"
    let store: Store
    let runtime: any ContainerRuntime
    /// Runs tar for commit and export.
    let runner: any CommandRunner
    let network: any PluginNetwork
    let logger: Logger
    let paths: ContainerPaths
    let interval: Duration
    let gate = SerialGate()
    let restarts = Mutex<[String: Backoff]>([:])
    let alert = Mutex<(@Sendable (String, String, [String: String]) -> Void)?>(nil)
    /// Told the id of each container once it runs (plugin instances start their programs).
    let started = Mutex<(@Sendable (String) -> Void)?>(nil)
    let imports = Mutex<[String: Task<Void, Never>]>([:])
    /// Whether the host mounts overlayfs (else each container gets a copy of its image).
    let overlay: Bool

    struct Backoff {
        var failures: Int
        var notBefore: ContinuousClock.Instant
    }

    public init(store: Store, runtime: any ContainerRuntime, network: any PluginNetwork, dataDirectory: String,
                logger: Logger, interval: Duration = .seconds(2), runner: any CommandRunner = ProcessRunner()) {
        self.store = store
        self.runner = runner
        self.runtime = runtime
        self.network = network
        self.logger = logger
        self.interval = interval
        paths = ContainerPaths(base: dataDirectory + "/containers")
        overlay = ((try? String(contentsOfFile: "/proc/filesystems", encoding: .utf8)) ?? "").contains("\toverlay")
    }

    /// Alerts (`process_restarted`) go to this handler.
    public func onAlert(_ handler: @escaping @Sendable (String, String, [String: String]) -> Void) { alert.withLock { $0 = handler } }
    public func onStarted(_ handler: @escaping @Sendable (String) -> Void) { started.withLock { $0 = handler } }

    public var config: ContainerSystemConfig { (try? store.get(.containerSystem)) ?? ContainerSystemConfig() }

    public func run() async throws {
        // Leftovers of a crash: containers of this controller still running from before go, then come back.
        for spec in config.containers { try? await removeRuntime(spec.id) }
        await removeBuildLeftovers()
        await Periodic.run(every: interval) { _ = try? await converge() }
        for task in imports.withLock({ Array($0.values) }) { task.cancel() }
        for spec in config.containers where spec.running { try? await removeRuntime(spec.id) }
    }

    /// One pass; returns the error of each container that should run and does not.
    @discardableResult
    public func converge() async throws -> [String: String] {
        try await gate.run { await self.convergeLocked() }
    }

    private func convergeLocked() async -> [String: String] {
        let config = self.config
        var problems: [String: String] = [:]
        if config.running {
            let address = "\(config.gateway)/\(config.subnet.prefixLength)"
            do { try await network.ensureBridge(Self.bridge, address: address) } catch {
                logger.error("plugin network bridge not set up", metadata: ["container.error": "\(error)"])
                return ["bridge": "\(error)"]
            }
        }
        let wanted = Dictionary(uniqueKeysWithValues: config.containers.map { ($0.id, $0) })
        // Containers no longer in the store: runtime, links and files go.
        for id in paths.containerDirectories() where wanted[id] == nil {
            try? await removeRuntime(id)
            try? FileManager.default.removeItem(atPath: paths.container(id))
            restarts.withLock { _ = $0.removeValue(forKey: id) }
        }
        for spec in config.containers {
            let shouldRun = spec.running && config.running
            let pid = await runtime.runningPID(id: spec.id)
            if !shouldRun {
                if pid != nil || FileManager.default.fileExists(atPath: paths.bundle(spec.id) + "/config.json") { try? await removeRuntime(spec.id) }
                continue
            }
            if pid != nil { continue }
            let now = ContinuousClock.now
            let backoff = restarts.withLock { $0[spec.id] }
            if let backoff, backoff.notBefore > now { problems[spec.id] = "waiting to restart"; continue }
            let crashed = FileManager.default.fileExists(atPath: paths.bundle(spec.id) + "/started")
            do {
                try await start(spec, config: config)
                started.withLock { $0 }?(spec.id)
                if crashed {
                    alert.withLock { $0 }?("process_restarted", "container \(spec.name) (\(spec.address)) exited and was started again",
                                          ["process": "container:\(spec.name)", "container_id": spec.id])
                    logger.warning("container restarted", metadata: ["container.name": "\(spec.name)"])
                }
                // A container that keeps crashing backs off: 1 s, 2 s, 4 s … up to 60 s.
                restarts.withLock { table in
                    let failures = crashed ? (table[spec.id]?.failures ?? 0) + 1 : 0
                    table[spec.id] = Backoff(failures: failures, notBefore: now + .seconds(min(60, 1 << min(failures, 6))))
                }
            } catch {
                problems[spec.id] = "\(error)"
                logger.error("container not started", metadata: ["container.name": "\(spec.name)", "container.error": "\(error)"])
                restarts.withLock { table in
                    let failures = (table[spec.id]?.failures ?? 0) + 1
                    table[spec.id] = Backoff(failures: failures, notBefore: now + .seconds(min(60, 1 << min(failures, 6))))
                }
            }
        }
        if !config.running { try? await network.removeBridge(Self.bridge) }
        return problems
    }

    /// Network namespace and host link names of a container (15 characters at most).
    static func names(_ id: String) -> (namespace: String, link: String) {
        ("weftc-" + id.prefix(16), "wc" + id.prefix(10))
    }

    func start(_ spec: ContainerSpec, config: ContainerSystemConfig) async throws {
        guard let image = config.image(spec.imageID), image.status == .ready else {
            throw ValidationError(.state, field: "image_uuid", "image \(spec.imageID) is not ready")
        }
        let bundle = paths.bundle(spec.id)
        try? await removeRuntime(spec.id)
        let files = FileManager.default
        try files.createDirectory(atPath: bundle + "/rootfs", withIntermediateDirectories: true)
        let imageRoot = paths.imageRoot(image.id)
        var lower: [String]? = nil
        if overlay {
            try files.createDirectory(atPath: bundle + "/upper", withIntermediateDirectories: true)
            try files.createDirectory(atPath: bundle + "/work", withIntermediateDirectories: true)
            lower = [imageRoot]
        } else if !files.fileExists(atPath: bundle + "/rootfs/.weft-copied") {
            try? files.removeItem(atPath: bundle + "/rootfs")
            try files.copyItem(atPath: imageRoot, toPath: bundle + "/rootfs")
            files.createFile(atPath: bundle + "/rootfs/.weft-copied", contents: nil)
        }
        let names = Self.names(spec.id)
        try await network.attach(namespace: names.namespace, hostLink: names.link, bridge: Self.bridge, address: spec.address,
                                 prefixLength: config.subnet.prefixLength, gateway: config.gateway.description)
        var runtimeConfig = RuntimeConfig(id: spec.id, hostname: spec.name, args: RuntimeConfig.arguments(command: spec.command, image: image.config),
                                          env: image.config.env + spec.environment, cwd: image.config.workingDir,
                                          networkPath: network.path(ofNamespace: names.namespace), memoryLimit: spec.memoryLimit,
                                          pidsLimit: spec.pidsLimit, extraCapabilities: spec.extraCapabilities, cgroupsPath: "/weft/\(spec.id)")
        if !image.config.user.isEmpty {
            // USER of a built image: looked up in the image's own /etc/passwd and /etc/group.
            func table(_ path: String) -> String {
                (try? String(contentsOfFile: RootPath.resolve(root: imageRoot, path, create: false), encoding: .utf8)) ?? ""
            }
            let owner = try ImageUser.resolve(image.config.user, passwd: table("/etc/passwd"), group: table("/etc/group"))
            runtimeConfig.uid = owner.uid
            runtimeConfig.gid = owner.gid
        }
        guard !runtimeConfig.args.isEmpty else { throw ValidationError(field: "command", "the image has no command: give one") }
        try Data(runtimeConfig.render().utf8).write(to: URL(fileURLWithPath: bundle + "/config.json"))
        do {
            _ = try await runtime.start(id: spec.id, bundle: bundle, lowerDirectories: lower, logPath: paths.log(spec.id))
        } catch {
            try? await network.detach(namespace: names.namespace, hostLink: names.link)
            throw error
        }
        files.createFile(atPath: bundle + "/started", contents: nil)
    }

    func removeRuntime(_ id: String) async throws {
        try await runtime.remove(id: id, grace: .seconds(3))
        let names = Self.names(id)
        try await network.detach(namespace: names.namespace, hostLink: names.link)
        try? FileManager.default.removeItem(atPath: paths.bundle(id) + "/started")
        try? FileManager.default.removeItem(atPath: paths.bundle(id) + "/config.json")
    }

    /// The last `lines` lines of a container's output.
    public func logs(_ id: String, lines: Int) -> [String] {
        guard let data = FileManager.default.contents(atPath: paths.log(id)) else { return [] }
        let all = String(decoding: data.suffix(4 << 20), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let trimmed = all.last == "" ? Array(all.dropLast()) : all
        return Array(trimmed.suffix(max(0, lines)))
    }

    /// Whether the container's init runs now.
    public func isRunning(_ id: String) async -> Bool { await runtime.runningPID(id: id) != nil }
    public func pid(_ id: String) async -> Int32? { await runtime.runningPID(id: id) }
}

/// Where the container system keeps its files, under DATA/containers (0700, the data
/// directory is never visible to a container: each runs in its own root).
struct ContainerPaths: Sendable {
    let base: String
    var images: String { base + "/images" }
    func imageRoot(_ id: String) -> String { images + "/" + id.replacingOccurrences(of: "sha256:", with: "") + "/rootfs" }
    func container(_ id: String) -> String { base + "/run/" + id }
    func bundle(_ id: String) -> String { container(id) }
    func log(_ id: String) -> String { container(id) + "/log" }
    var crunRoot: String { base + "/crun" }
    func containerDirectories() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: base + "/run")) ?? []).filter { $0.count == 64 }
    }
}
