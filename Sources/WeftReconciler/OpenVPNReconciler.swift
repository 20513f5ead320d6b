import Foundation
import WeftModel
import WeftStore
import WeftSystem

/// The OpenVPN side of the overlay: an `openvpn` server on UDP 1194 (device `tun1`) for
/// TLS clientpacks, with the keyset CA. Enabled clientpacks have a client-config-dir file
/// (fixed overlay address); disabling one removes its file (`ccd-exclusive` refuses it at
/// the next connect) and disconnects it at once through the management interface.
public struct OpenVPNReconciler: SubsystemReconciler {
    public let name = "openvpn"
    public let paths: OpenVPNFiles.ServerPaths
    let process: ManagedProcess
    let port: Int
    /// The files last written and read back (a toggle's pass within 10 s diffs against them
    /// instead of reading every client-config file, `Verified`).
    private let written = Verified<Written>()

    struct Written: Sendable, Equatable {
        var clients: [String: String]
        var revoked: String
        var config: String
        var ca: String
    }

    public init(directory: String, runtime: String = "/run/weft", port: Int = OpenVPNFiles.port) {
        paths = .init(directory: directory, runtime: runtime)
        self.port = port
        process = ManagedProcess(tool: "openvpn", arguments: ["--config", "\(directory)/server.conf"])
    }

    public var management: OpenVPNManagement { OpenVPNManagement(path: paths.management) }

    /// Connected clients, from the server's status file (empty when it is not running).
    public func connectedClients() -> [OpenVPNClientStatus] {
        guard let text = try? String(contentsOfFile: paths.status, encoding: .utf8) else { return [] }
        return OpenVPNClientStatus.parse(text)
    }

    public func reconcile(_ desired: DesiredState, apply: Bool) async throws -> [Change] {
        guard let plan = OverlayReconciler.plan(desired), let keys = desired.overlayKeys, let topology = desired.topology else { return [] }
        let serverConfig = OpenVPNFiles.server(address: plan.address, paths: paths, port: port)
        var wantedClients: [String: String] = [:]
        for address in topology.clients where desired.clientpacks.state(address.description).enabled {
            wantedClients[ClientpackName.name(address)] = OpenVPNFiles.clientConfigFile(address: address, controller: plan.address, overlay: topology.subnet)
        }
        let files = FileManager.default
        let revokedText = desired.clientpacks.revoked.map { $0.serial + "\n" }.joined()
        let wanted = Written(clients: wantedClients, revoked: revokedText, config: serverConfig, ca: keys.caCertificatePEM)
        // What is on disk: as last written when that was read back within 10 s, else read.
        let known = written.recentEntry
        let present = known?.plan ?? Written(
            clients: Dictionary(uniqueKeysWithValues: ((try? files.contentsOfDirectory(atPath: paths.clientConfigDirectory)) ?? []).map { name in
                (name, wantedClients[name] == nil ? "" : (try? String(contentsOfFile: "\(paths.clientConfigDirectory)/\(name)", encoding: .utf8)) ?? "")
            }),
            revoked: (try? String(contentsOfFile: paths.revokedSerials, encoding: .utf8)) ?? "",
            config: (try? String(contentsOfFile: paths.config, encoding: .utf8)) ?? "",
            ca: (try? String(contentsOfFile: paths.ca, encoding: .utf8)) ?? "")
        let caChanged = present.ca != wanted.ca
        let configChanged = present.config != wanted.config
        let removed = Set(present.clients.keys).subtracting(wantedClients.keys).sorted()
        let previousRevoked = Set(present.revoked.split(separator: "\n").map(String.init))
        let newlyRevoked = desired.clientpacks.revoked.filter { !previousRevoked.contains($0.serial) }
        let revokedChanged = present.revoked != revokedText
        let stale = wantedClients.filter { present.clients[$0.key] != $0.value }.map(\.key)

        var changes: [Change] = []
        if caChanged { changes.append(Change(name, "server certificate from the keyset CA")) }
        if configChanged { changes.append(Change(name, "server config: \(OpenVPNFiles.device) \(plan.address) on UDP \(port)")) }
        if !stale.isEmpty { changes.append(Change(name, "client config files: \(stale.count) written")) }
        if !removed.isEmpty { changes.append(Change(name, "client config files: \(removed.count) removed, those clients disconnected")) }
        if revokedChanged { changes.append(Change(name, "revoked certificates: \(desired.clientpacks.revoked.count) (\(newlyRevoked.count) new, disconnected)")) }
        if !process.isRunning { changes.append(Change(name, "start openvpn")) }
        guard apply else { return changes }
        if changes.isEmpty {
            if known == nil { written.record(wanted) }
            return []
        }
        // Until this pass has written everything, the disk is read again.
        written.forget()

        try files.createDirectory(atPath: paths.clientConfigDirectory, withIntermediateDirectories: true)
        try files.createDirectory(atPath: paths.runtime, withIntermediateDirectories: true)
        if caChanged {
            let server = try KeysetFactory.serverCertificate(caCertificatePEM: keys.caCertificatePEM, caPrivateKeyPEM: keys.caPrivateKeyPEM,
                                                             commonName: "weft-controller-\(plan.address)")
            try Self.write(server.privateKeyPEM, to: paths.key, mode: 0o600)
            try Self.write(server.certificatePEM, to: paths.certificate, mode: 0o644)
            try Self.write(keys.caCertificatePEM, to: paths.ca, mode: 0o644)
        }
        try Self.write(OpenVPNFiles.learnAddressScript(), to: paths.learnAddress, mode: 0o700)
        try Self.write(OpenVPNFiles.tlsVerifyScript(revoked: paths.revokedSerials), to: paths.tlsVerify, mode: 0o700)
        if revokedChanged { try Self.write(revokedText, to: paths.revokedSerials, mode: 0o644) }
        if process.isRunning {
            // The revoked list is consulted at the next handshake: end the current session now.
            for certificate in newlyRevoked { _ = try? management.kill(commonName: certificate.name) }
        }
        if configChanged { try Self.write(serverConfig, to: paths.config, mode: 0o644) }
        for name in stale { try Self.write(wantedClients[name]!, to: "\(paths.clientConfigDirectory)/\(name)", mode: 0o644) }
        for name in removed {
            try? files.removeItem(atPath: "\(paths.clientConfigDirectory)/\(name)")
            if process.isRunning { _ = try? management.kill(commonName: name) }
        }

        if process.isRunning && (configChanged || caChanged) { process.stop() }
        if !process.isRunning {
            try? files.removeItem(atPath: paths.management)
            try process.start(log: "\(paths.directory)/openvpn.log")
            // Read back: the management socket is there (the server opens it once configured).
            var answered = false
            for _ in 0..<100 {
                if files.fileExists(atPath: paths.management) { answered = true; break }
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            // The socket opens before the device: a server that then fails TUNSETIFF (a tun1
            // still held by someone else) must be an error, not ok.
            var device = false
            if answered {
                for _ in 0..<100 {
                    guard process.isRunning else { break }
                    // /proc/net is the reader's network namespace (sysfs may be the host's).
                    let devices = (try? String(contentsOfFile: "/proc/net/dev", encoding: .utf8)) ?? ""
                    if devices.contains(" \(OpenVPNFiles.device):") || devices.contains("\n\(OpenVPNFiles.device):") { device = true; break }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            guard answered, device, process.isRunning else {
                let log = (try? String(contentsOfFile: "\(paths.directory)/openvpn.log", encoding: .utf8)) ?? ""
                process.stop()
                throw SystemError.io("openvpn did not come up: \(log.split(separator: "\n").suffix(3).joined(separator: " | "))")
            }
        }
        // Files written from a trusted record keep that record's time: the disk is read
        // back at least every 10 s of passes, however often toggles come.
        written.record(wanted, at: known?.at ?? .now)
        return changes
    }

    public func shutdown() async { process.stop() }

    static func write(_ text: String, to path: String, mode: Int) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw SystemError.io("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else { throw SystemError.io("rename \(temporary): \(String(cString: strerror(errno)))") }
    }
}
