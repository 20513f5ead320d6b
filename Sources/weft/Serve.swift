import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import WeftAPI
import WeftApp
import WeftCLI
import WeftWebUI
import WeftFirewall
import WeftContainers
import WeftModel
import WeftReconciler
import WeftStore
import WeftSystem

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the controller daemon (HTTPS API on port 8000).")

    @Option(help: "Where the store, TLS certificate and keys live (default: /var/lib/weft as root, else ./weft-data).")
    var dataDir: String?
    @Option(help: "Address to listen on.") var host = "0.0.0.0"
    @Option(help: "HTTPS port of the API.") var port = 8000
    @Option(help: "Seeds the API user's password into an empty store (prefer --api-password-file or WEFT_API_PASSWORD: the daemon re-executes itself without this option, but it is visible in ps until then).")
    var apiPassword: String?
    @Option(help: "Seeds the UI user's password into an empty store (prefer --admin-password-file or WEFT_ADMIN_PASSWORD).")
    var adminPassword: String?
    @Option(help: "A file whose first line seeds the API user's password into an empty store.") var apiPasswordFile: String?
    @Option(help: "A file whose first line seeds the UI user's password into an empty store.") var adminPasswordFile: String?
    @Option(help: "Reported private_ipaddress (default: the address of the default-route interface).") var privateIP: String?
    @Option(help: "Reported public_ipaddress (default: the private address).") var publicIP: String?
    @Option(help: "Uplink interface (default: the default-route interface, else eth0).") var uplink: String?
    @Flag(help: "Run the API and planning only; never touch the OS.") var noApply = false
    @Option(help: "Failed logins allowed per client address per minute before 429.") var loginFailureLimit = 20
    @Option(help: "UDP port of the WireGuard overlay (tun0).") var wireguardPort = 51820
    @Option(help: "Seconds before a clientpack's expires_at that the clientpack_expiring alert fires (default 3 days).") var clientpackExpiryWarning = 259_200
    @Option(help: "UDP port of the read-only SNMP agent (closed by the default firewall until a rule opens it).") var snmpPort = 161
    @Option(help: "SNMP v1/v2c community string.") var snmpCommunity = "vns3public"
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(help: "Largest image archive accepted by the container system, in MiB.") var imageSizeLimitMb = 512
    @Option(help: "Most containers running at once (VNS3: 10).") var containerLimit = ContainerSystemConfig.defaultLimit
    @Option(help: "Seconds a peered controller waits after it starts for one key-state exchange with a peer before it admits clients anyway (0: admit at once).")
    var meshCatchUp = 30
    @Option(help: "A TOML file of these options (default /etc/weft/weft.toml when it exists); options given here override it.")
    var config: String?

    func validate() throws {
        if let privateIP, IPv4Address(privateIP) == nil { throw ValidationError("--private-ip: \(privateIP) is not an IPv4 address") }
        if let publicIP, IPv4Address(publicIP) == nil { throw ValidationError("--public-ip: \(publicIP) is not an IPv4 address") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1-65535") }
        guard (0...86_400).contains(meshCatchUp) else { throw ValidationError("--mesh-catch-up must be 0-86400 seconds") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { LogfmtHandler(label: $0, level: level) }
        let logger = Logger(label: "weft")
        umask(0o077)
        Allocator.configure()

        let directory = dataDir ?? (geteuid() == 0 ? "/var/lib/weft" : FileManager.default.currentDirectoryPath + "/weft-data")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // The lock lives until the process ends or re-executes (close-on-exec).
        _ = try DaemonLock(directory: directory + "/run")
        if !noApply {
            // Children of a daemon that crashed or was killed hold devices and ports
            // (tun0, tun1, UDP 1194): end them before anything is created.
            try ChildRecords.shared.use(directory: directory + "/run/children")
            for leftover in ChildRecords.shared.endLeftovers() {
                logger.warning("ended a child left by an earlier daemon", metadata: ["pid": "\(leftover.pid)", "tool": "\(leftover.tool)"])
            }
        }
        let store = try Store(path: directory + "/weft.db")
        let seeded = try CredentialSeeder.seed(store: store,
                                               api: try CredentialSeeder.secret(apiPassword, file: apiPasswordFile, environment: "WEFT_API_PASSWORD"),
                                               admin: try CredentialSeeder.secret(adminPassword, file: adminPasswordFile, environment: "WEFT_ADMIN_PASSWORD"))
        // Read once: re-execute without the secret options so ps and restarts never show them.
        let arguments = SecretArguments.removing(from: CommandLine.arguments)
        if arguments != CommandLine.arguments { Reexec.now(arguments: arguments) }

        var options = ControllerOptions(dataDirectory: directory, host: host, port: port, privateIP: privateIP.flatMap { IPv4Address($0) },
                                        publicIP: publicIP.flatMap { IPv4Address($0) }, uplink: uplink, apply: !noApply)
        options.loginFailureLimit = max(1, loginFailureLimit)
        options.wireguardPort = wireguardPort
        options.imageSizeLimit = max(1, imageSizeLimitMb) << 20
        let runner = ProcessRunner()
        let netfilter = IptablesNetfilter(runner: runner)
        let servicesText = try? String(contentsOfFile: "/etc/services", encoding: .utf8)
        let firewall = FirewallReconciler(netfilter: netfilter, ipsets: IpsetTool(runner: runner), services: .init(apiPort: port, udpPorts: [wireguardPort, 1194, 500, 4500] + (1...16).map { PeeringPeers.portBase + $0 },
                                                                                                                  pluginBridge: ContainerSystem.bridge),
                                          names: ServiceNames(servicesText: servicesText))
        let overlaySocket = WireGuardSocket(device: OverlayReconciler.device)
        let overlay = OverlayReconciler(runner: runner, daemon: WireGuardGo(device: OverlayReconciler.device), control: overlaySocket, listenPort: wireguardPort)
        let openvpn = OpenVPNReconciler(directory: directory + "/openvpn")
        let ipsec = IpsecReconciler(runner: runner, directory: directory + "/ipsec")
        let bird = BirdReconciler(runner: runner, directory: directory + "/bgp")
        let peering = PeeringReconciler(runner: runner)
        let subsystems: [any SubsystemReconciler] = [HostReconciler(sysctl: ProcSysctl(), netfilter: netfilter), firewall, overlay, openvpn,
                                                     ipsec, RouteReconciler(runner: runner, ipsec: ipsec), peering, bird]
        let controller = try Controller(store: store, options: options, subsystems: subsystems,
                                        inventory: IPRouteInventory(runner: runner), logger: logger,
                                        firewall: noApply ? nil : firewall,
                                        conntrack: noApply ? nil : ConntrackTool(runner: runner),
                                        wireguard: noApply ? nil : overlaySocket, openvpn: noApply ? nil : openvpn,
                                        overlay: noApply ? nil : overlay, ipsec: noApply ? nil : ipsec, bird: noApply ? nil : bird,
                                        peering: noApply ? nil : peering)
        // A controller of a mesh admits no client until its key state has caught up (issue 26).
        controller.meshAdmission.begin(needed: !noApply && !controller.snapshot.peers.peers.isEmpty, bound: Double(meshCatchUp))
        let facts = await controller.facts.refresh()
        if let address = facts.privateIP?.description {
            ipsec.setLocalAddress(address)
            bird.setRouterID(address)
        }
        // A TLS certificate that came with an imported snapshot replaces the current one now.
        if let pending = try store.get(.tlsPending) {
            try ServerCertificate.install(certificatePEM: pending.certificatePEM, privateKeyPEM: pending.privateKeyPEM, directory: directory + "/tls")
            try store.writeBookkeeping { db in try db.execute(sql: "DELETE FROM settings WHERE key = 'tls_pending'") }
            logger.notice("installed the TLS certificate from the imported snapshot")
        }
        let certificate = try ServerCertificate.loadOrCreate(directory: directory + "/tls", addresses: [facts.privateIP].compactMap { $0 })
        // The web UI's state (sessions, traffic sampler) exists before the router that serves it.
        let ui = UIState(controller: controller)
        let app = try HTTPServer.application(controller: controller, ui: ui, certificate: certificate, logger: logger)

        let shownHost = host == "0.0.0.0" ? (facts.privateIP?.description ?? "127.0.0.1") : host
        let fingerprint = Fingerprint(pem: certificate.certificatePEM)?.description ?? "?"
        var banner = "Weft controller \(WeftVersion.weft): https://\(shownHost):\(port)/  (data: \(directory))\n"
        banner += "  TLS certificate SHA-256: \(fingerprint)\n  (clients: weft status --pin \(fingerprint) …)\n"
        if let api = seeded.api { banner += "  API user:  api       password: \(api)\n" }
        if let admin = seeded.admin { banner += "  UI user:   vnscubed  password: \(admin)\n" }
        if seeded.api != nil || seeded.admin != nil {
            banner += "  (shown once; only hashes are stored)\n"
        }
        if noApply { banner += "  --no-apply: the API and planning run, but the OS is NEVER touched.\n" }
        FileHandle.standardOutput.write(Data(banner.utf8))
        if noApply { logger.warning("running with --no-apply: nothing will be applied to the OS") }
        logger.notice("starting", metadata: ["listen": "\(host):\(port)", "data_dir": "\(directory)",
                                             "tls.created": "\(certificate.created)", "tls.sha256": "\(fingerprint)", "apply": "\(!noApply)"])

        let watcher = ClientWatcher(controller: controller, interval: .seconds(1))
        controller.attach(watcher)
        bird.setClientSource { watcher.active }
        let snmp = SNMPService(controller: controller, community: snmpCommunity, port: snmpPort)
        let alerts = AlertDispatcher(controller: controller)
        if !noApply { controller.attach(alerts) }
        let expiry = ClientpackExpiry(controller: controller, warning: clientpackExpiryWarning)
        let containers = ContainerSystem(store: store, runtime: CrunRuntime(runner: runner, root: directory + "/containers/crun"),
                                         network: IPPluginNetwork(runner: runner), dataDirectory: directory, logger: logger)
        containers.onAlert { name, message, fields in alerts.raise(name, message: message, fields: fields) }
        containers.onStarted { id in Task { await controller.startPluginPrograms(containerID: id) } }
        if try store.get(.containerSystem) == nil || containerLimit != ContainerSystemConfig.defaultLimit {
            try store.write(actor: "system", action: "container_system.limit", detail: "\(containerLimit)") { db in
                var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
                config.limit = max(0, containerLimit)
                try Store.set(.containerSystem, config, in: db)
            }
            // The snapshot was read before this write: without a re-read the status reports
            // the generation before it while every subsystem has applied this one.
            controller.refresh()
        }
        if !noApply { controller.attach(containers) }
        if !noApply {
            let ids = IDSService(controller: controller, directory: directory + "/ids") { name, message, fields in
                alerts.raise(name, message: message, fields: fields)
            }
            controller.attach(ids)
            ids.reload()
        }
        let waf = WAFRuntime(controller: controller, directory: directory + "/waf") { name, message, fields in
            alerts.raise(name, message: message, fields: fields)
        }
        if !noApply { controller.attach(waf) }
        let meshSync = MeshSync(controller: controller)
        if !noApply { controller.attach(meshSync) }
        EventLogs.persist(ipsec.monitor, in: store)
        ipsec.monitor.observe { tunnel, up in
            let found = controller.snapshot.ipsec.tunnel(tunnel)
            let description = found.map { "\($0.endpoint.name): \($0.tunnel.localSubnet) ↔ \($0.tunnel.remoteSubnet)" } ?? "tunnel \(tunnel)"
            alerts.raise(up ? "tunnel_up" : "tunnel_down", message: "IPsec tunnel \(up ? "up" : "down"): \(description)", fields: [
                "tunnel_id": String(tunnel), "tunnel_description": description,
                "endpoint_id": found.map { String($0.endpoint.id) } ?? "", "endpoint_name": found?.endpoint.name ?? "",
                "local_subnet": found?.tunnel.localSubnet ?? "", "remote_subnet": found?.tunnel.remoteSubnet ?? "",
            ])
        }
        controller.reconciler.observeFailures { subsystem, message in
            guard subsystem == "firewall" else { return }
            alerts.raise("firewall_apply_failed", message: "firewall not applied: \(message)", fields: ["subsystem": subsystem])
        }
        ManagedProcess.observeRestarts { tool, status in
            alerts.raise("process_restarted", message: "\(tool) exited with status \(status) and was started again", fields: ["process": tool])
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: controller.reconciler),
            .init(service: watcher),
            .init(service: alerts),
            .init(service: expiry),
            .init(service: snmp),
            .init(service: controller.keysets),
            .init(service: ui.sampler),
            .init(service: controller.restart, successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: app),
        ]
        if !noApply {
            services.insert(.init(service: containers), at: 6)
            services.insert(.init(service: waf), at: 7)
            services.insert(.init(service: meshSync), at: 8)
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()

        if let reason = controller.restart.reason {
            logger.notice("restarting", metadata: ["restart.reason": "\(reason)", "restart.downtime": "\(RestartSwitch.downtime)"])
            try await Task.sleep(for: RestartSwitch.downtime)
            Reexec.now()
        }
        logger.notice("stopped")
    }
}

/// First start: seed the two accounts. Flags and environment only fill an empty store,
/// so a restart never reverts a password changed through the API.
enum CredentialSeeder {
    struct Seeded {
        var api: String?
        var admin: String?
    }

    /// A password from its option, else the first line of its file, else the environment
    /// variable (removed from the environment once read, so children never inherit it).
    static func secret(_ option: String?, file: String?, environment name: String) throws -> String? {
        defer { unsetenv(name) }
        if let option { return option }
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                  let line = text.split(whereSeparator: \.isNewline).first, !line.isEmpty else {
                throw ValidationError("\(file): cannot read a password from its first line")
            }
            return String(line)
        }
        return ProcessInfo.processInfo.environment[name]
    }

    static func seed(store: Store, api: String?, admin: String?) throws -> Seeded {
        var shown = Seeded()
        if try store.account(role: .api) == nil {
            let password = api ?? PasswordHash.generatePassword()
            if api == nil { shown.api = password }
            let hash = try PasswordHash(password: password)
            try store.write(actor: "system", action: "credentials.seed.api") { db in
                try Store.setAccount(role: .api, username: "api", hash: hash, in: db)
            }
        }
        if try store.account(role: .ui) == nil {
            let password = admin ?? PasswordHash.generatePassword()
            if admin == nil { shown.admin = password }
            let hash = try PasswordHash(password: password)
            try store.write(actor: "system", action: "credentials.seed.ui") { db in
                try Store.setAccount(role: .ui, username: "vnscubed", hash: hash, in: db)
            }
        }
        return shown
    }
}

/// Replaces this process with a fresh copy of itself, same PID: with the same arguments
/// (a restart), or with the ones given (after the secret options were read).
enum Reexec {
    static func now(arguments: [String] = CommandLine.arguments) -> Never {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
        let message = "weft: re-exec failed: \(String(cString: strerror(errno)))\n"
        FileHandle.standardError.write(Data(message.utf8))
        exit(1)
    }
}
