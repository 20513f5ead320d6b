import Foundation
import Synchronization
import WeftModel
import WeftStore
import WeftSystem

/// IPsec: strongSwan's charon as a child of the daemon, driven over VICI. Each pass
/// loads the connections and secrets that changed since the last load (a changed
/// connection restarts its children: VICI replaces the config and re-runs the start
/// actions) and unloads the ones that are gone, terminating their SAs. Charon is started
/// when the first endpoint exists and then kept running.
public final class IpsecReconciler: SubsystemReconciler {
    public let name = "ipsec"
    public let files: CharonFiles
    public let monitor = IpsecMonitor()
    let runner: any CommandRunner
    let process: ManagedProcess

    struct Loaded {
        var pid: Int32?
        var connections: [String: IpsecPlan.Connection] = [:]
        var tunnels: [String: [Int]] = [:]
        var mode: IpsecKernelMode?
        var events: VICIEventStream?
        var localAddress = ""
    }

    private let loaded = Mutex(Loaded())

    public init(runner: any CommandRunner, directory: String, runtime: String = "/run/weft") {
        self.runner = runner
        files = CharonFiles(directory: directory, runtime: runtime)
        process = ManagedProcess(tool: CharonFiles.executable, arguments: [], environment: ["STRONGSWAN_CONF": files.config])
    }

    /// The controller's own address, its default IKE identity (set once host facts are known).
    public func setLocalAddress(_ address: String) { loaded.withLock { $0.localAddress = address } }

    /// The kernel mode in use (nil until charon first ran).
    public var mode: IpsecKernelMode? { loaded.withLock { $0.mode } }

    public var client: VICIClient { VICIClient(path: files.vici) }

    /// Live SAs by tunnel id (empty when charon is not running).
    public func liveTunnels() -> [Int: TunnelSA] {
        guard process.isRunning, let listed = try? client.streamed("list-sas", event: "list-sa") else { return [:] }
        return IpsecMonitor.tunnels(listed.items)
    }

    public func reconcile(_ desired: DesiredState, apply: Bool) async throws -> [Change] {
        let config = desired.ipsec
        let running = process.isRunning
        if config.endpoints.isEmpty && !running { return [] }
        let mode: IpsecKernelMode
        if let known = self.mode {
            mode = known
        } else {
            mode = apply ? await IpsecKernelMode.detect(runner: runner) : .libipsec
            if apply { loaded.withLock { $0.mode = mode } }
        }
        let localAddress = loaded.withLock { $0.localAddress }
        let plan = IpsecPlan(config, localAddress: localAddress, mode: mode)
        let (previous, pid) = loaded.withLock { ($0.connections, $0.pid) }
        let fresh = !running || pid != process.pid
        let current = fresh ? [:] : previous
        let wanted = Dictionary(uniqueKeysWithValues: plan.connections.map { ($0.name, $0) })
        let changed = plan.connections.filter { current[$0.name] != $0 }
        let removed = current.keys.filter { wanted[$0] == nil }.sorted()

        var changes: [Change] = []
        if !running { changes.append(Change(name, "start charon (\(mode.rawValue))")) }
        for connection in changed {
            let children = config.endpoints.first { $0.id == connection.endpointID }.map { $0.tunnels.filter(\.enabled).count } ?? 0
            changes.append(Change(name, "load \(connection.name) with \(children) tunnel(s)"))
        }
        for connection in removed { changes.append(Change(name, "unload \(connection)")) }
        guard apply else { return changes }

        try startIfNeeded(mode: mode)
        let vici = client
        for connection in changed {
            try vici.command("load-shared", connection.secret)
            try vici.command("load-conn", connection.message)
            let tunnels = config.endpoints.first { $0.id == connection.endpointID }?.tunnels.map(\.id) ?? []
            loaded.withLock {
                $0.connections[connection.name] = connection
                $0.tunnels[connection.name, default: []] += tunnels
            }
        }
        for connection in removed {
            var unload = VICIMessage()
            unload.set("name", connection)
            _ = try? vici.command("unload-conn", unload)
            var terminate = VICIMessage()
            terminate.set("ike", connection)
            terminate.set("force", "yes")
            terminate.set("timeout", "-1")
            _ = try? vici.command("terminate", terminate)
            var secret = VICIMessage()
            secret.set("id", "weft-\(connection)")
            _ = try? vici.command("unload-shared", secret)
            let tunnels = loaded.withLock { state -> [Int] in
                state.connections.removeValue(forKey: connection)
                return state.tunnels.removeValue(forKey: connection) ?? []
            }
            monitor.markDown(tunnels: tunnels)
        }
        // What charon runs now: IKE SAs by connection, child SAs by tunnel.
        let listed = (try? vici.streamed("list-sas", event: "list-sa").items) ?? []
        let live = IpsecMonitor.tunnels(listed)
        let ikeNames = Set(listed.flatMap { $0.sections.map(\.0) })
        // Children removed from a connection that stays: charon keeps their SAs until told.
        let enabled = Set(config.endpoints.flatMap { $0.tunnels.filter(\.enabled).map(\.id) })
        for (tunnel, _) in live where !enabled.contains(tunnel) {
            var terminate = VICIMessage()
            terminate.set("child", IpsecPlan.childName(tunnel))
            terminate.set("force", "yes")
            terminate.set("timeout", "-1")
            _ = try? vici.command("terminate", terminate)
        }
        // A new pre-shared key only counts at the next IKE negotiation: start over.
        for connection in changed where current[connection.name] != nil && current[connection.name]?.secret != connection.secret {
            var terminate = VICIMessage()
            terminate.set("ike", connection.name)
            terminate.set("force", "yes")
            terminate.set("timeout", "-1")
            _ = try? vici.command("terminate", terminate)
            initiate(config.endpoints.first { $0.id == connection.endpointID })
        }
        // Connections with no IKE SA at all (given up, e.g. after an authentication
        // failure) are retried once per pass.
        let justLoaded = Set(changed.map(\.name))
        for endpoint in config.endpoints where !justLoaded.contains(IpsecPlan.connectionName(endpoint.id))
            && !ikeNames.contains(IpsecPlan.connectionName(endpoint.id)) {
            initiate(endpoint)
        }
        return changes
    }

    /// Asks charon to bring up an endpoint's enabled children, without waiting.
    func initiate(_ endpoint: IpsecEndpoint?) {
        guard let endpoint else { return }
        for tunnel in endpoint.tunnels where tunnel.enabled {
            var message = VICIMessage()
            message.set("child", IpsecPlan.childName(tunnel.id))
            message.set("ike", IpsecPlan.connectionName(endpoint.id))
            message.set("timeout", "-1")
            _ = try? client.command("initiate", message)
        }
    }

    /// Starts charon with a fresh configuration and waits for its VICI socket.
    func startIfNeeded(mode: IpsecKernelMode) throws {
        if process.isRunning { return }
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
        try fileManager.createDirectory(atPath: files.runtime, withIntermediateDirectories: true)
        try OpenVPNReconciler.write(files.render(mode: mode), to: files.config, mode: 0o600)
        try? fileManager.removeItem(atPath: files.vici)
        try process.start(log: files.directory + "/charon.out")
        var answered = false
        for _ in 0..<100 {
            if (try? client.command("version")) != nil { answered = true; break }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        guard answered else {
            let output = (try? String(contentsOfFile: files.directory + "/charon.out", encoding: .utf8)) ?? ""
            process.stop()
            throw SystemError.io("charon did not come up: \(output.split(separator: "\n").suffix(3).joined(separator: " | "))")
        }
        let monitor = self.monitor
        let events = VICIEventStream(path: files.vici, events: ["child-updown", "ike-updown", "log"]) { name, message in
            monitor.handle(name, message)
        }
        events.start()
        let (old, wasUp) = loaded.withLock { state -> (VICIEventStream?, [Int]) in
            defer { state.events = events; state.pid = process.pid; state.connections = [:]; state.tunnels = [:] }
            return (state.events, state.tunnels.values.flatMap { $0 })
        }
        old?.stop()
        monitor.markDown(tunnels: wasUp)
    }

    /// `POST /api/ipsec {restart}`: stops charon; the next pass starts it and loads everything.
    public func restart() async {
        await shutdown()
    }

    /// Restarts one tunnel's child SA (`bounce`).
    public func bounce(tunnel: Int) async {
        guard process.isRunning else { return }
        var terminate = VICIMessage()
        terminate.set("child", IpsecPlan.childName(tunnel))
        terminate.set("force", "yes")
        terminate.set("timeout", "-1")
        _ = try? client.command("terminate", terminate)
        var initiate = VICIMessage()
        initiate.set("child", IpsecPlan.childName(tunnel))
        initiate.set("timeout", "-1")
        _ = try? client.command("initiate", initiate)
    }

    public func shutdown() async {
        let events = loaded.withLock { state -> VICIEventStream? in defer { state.events = nil }; return state.events }
        events?.stop()
        process.stop()
    }
}
