import Crypto
import WeftModel
import WeftStore
import WeftSystem

/// The files of a clientpack (WireGuard, OpenVPN, archives and their digests) and ending
/// a client's session: shared by `GET /api/clientpack…`, `PUT /api/clientpack/{name}`, the
/// UI's clientpack pages and their QR code.
extension Controller {
    /// One download of a clientpack: the file, its media type (as the SDK needs it) and name.
    public struct Download: Sendable {
        public let bytes: [UInt8]
        public let contentType: String
        public let filename: String
    }

    public func clientpackDownload(name: String, format: String) throws -> Download {
        let state = snapshot
        let topology = try Self.clientTopology(state)
        let (address, _) = try Self.clientpack(named: name, in: topology)
        let base = ClientpackName.name(address)
        switch format {
        case "wireguard", "wg":
            return Download(bytes: Array(try wireGuardConfig(address: address, topology: topology).utf8), contentType: "text/plain",
                            filename: "\(base)-wireguard.conf")
        case "conf", "ovpn":
            return Download(bytes: Array(try openVPNConfig(address: address, topology: topology).utf8), contentType: "text/plain",
                            filename: "\(base).\(format)")
        case "zip":
            return Download(bytes: Archive.zip(try archiveFiles(address: address, topology: topology)), contentType: "application/octet-stream",
                            filename: "\(base).zip")
        case "tarball", "tar.gz":
            return Download(bytes: Archive.tarGz(try archiveFiles(address: address, topology: topology)), contentType: "application/x-gzip",
                            filename: "\(base).tar.gz")
        default:
            throw ValidationError(.argument, "Unknown fileformat \"\(format)\"; use wireguard (wg), conf, ovpn, zip or tarball")
        }
    }

    /// Ends the client's current session on both servers; it reconnects by itself unless
    /// its pack is disabled. Returns whether anything was connected.
    @discardableResult
    public func disconnectClient(_ address: IPv4Address) async throws -> Bool {
        var found = false
        if let wireguard, let hex = snapshot.overlayKeys?.clientHex[address.description] {
            let status = try await wireguard.get()
            if let peer = status.peers.first(where: { $0.publicKeyHex == hex }) {
                found = found || peer.lastHandshake > 0
                // Removing the peer drops its session; re-adding it at once lets it handshake again.
                try await wireguard.set(WireGuardUAPI.removePeer(publicKeyHex: hex) + WireGuardUAPI.peer(publicKeyHex: hex, allowedIPs: peer.allowedIPs))
            }
        }
        if let openvpn, (try? openvpn.management.kill(commonName: ClientpackName.name(address))) == true { found = true }
        logger.info("clientpack disconnected", metadata: ["clientpack": "\(address)", "was_connected": "\(found)"])
        return found
    }

    public func wireGuardConfig(address: IPv4Address, topology: Topology) throws -> String {
        let state = snapshot
        guard let secrets = try store.clientpackSecrets(address: address.description), let keys = state.overlayKeys else {
            throw ValidationError(.state, name: "PrerequisiteError", "No keyset yet: PUT /api/keyset first")
        }
        let port = options.wireguardPort
        let controllers = meshControllers(state, topology: topology).map { entry in
            ClientpackFiles.Failover(endpoint: "\(entry.endpoint):\(port)",
                                     publicKey: keys.controllerPrivateKey(peerID: entry.peerID).publicKey.rawRepresentation.base64EncodedString(),
                                     overlayAddress: entry.overlay)
        }
        return ClientpackFiles.wireguard(
            name: ClientpackName.name(address), privateKey: secrets.wireguardPrivateKey, address: address, overlay: topology.subnet,
            controller: .init(publicKey: controllers[0].publicKey, endpoint: controllers[0].endpoint),
            allowedIPs: [topology.subnet.description], failover: controllers.count > 1 ? controllers : [])
    }

    /// This controller first, then the peers of the mesh by id: (peer id, address, overlay address).
    public func meshControllers(_ state: DesiredState, topology: Topology) -> [(peerID: Int, endpoint: String, overlay: String)] {
        let selfID = state.peering.id ?? 1
        var list = [(selfID, clientEndpoint, topology.managerAddress(peerID: selfID)?.description ?? "")]
        for peer in state.peers.peers where peer.finalized && peer.id != selfID {
            list.append((peer.id, peer.name, topology.managerAddress(peerID: peer.id)?.description ?? ""))
        }
        return list
    }

    /// Everything of one clientpack: `.ovpn`, `.conf` (OpenVPN, as VNS3 names it) and the WireGuard file.
    public func archiveFiles(address: IPv4Address, topology: Topology) throws -> [Archive.File] {
        let name = ClientpackName.name(address)
        let ovpn = Array(try openVPNConfig(address: address, topology: topology).utf8)
        return [.init(name: "\(name).ovpn", bytes: ovpn), .init(name: "\(name).conf", bytes: ovpn),
                .init(name: "\(name)-wireguard.conf", bytes: Array(try wireGuardConfig(address: address, topology: topology).utf8))]
    }

    /// The SHA-1s of every download of one clientpack (stable: the archives are deterministic).
    public func clientpackDigests(address: IPv4Address, topology: Topology) throws -> [(String, String)] {
        let files = try archiveFiles(address: address, topology: topology)
        func sha1(_ bytes: [UInt8]) -> String { Hex.encode(Insecure.SHA1.hash(data: bytes)) }
        return [("ovpn_sha1", sha1(files[0].bytes)), ("conf_sha1", sha1(files[1].bytes)), ("wireguard_sha1", sha1(files[2].bytes)),
                ("zip_sha1", sha1(Archive.zip(files))), ("tarball_sha1", sha1(Archive.tarGz(files)))]
    }

    /// The address clients are told to connect to: the public address `GET /api/config` reports.
    public var clientEndpoint: String {
        publicAddress?.description ?? "127.0.0.1"
    }

    /// The `.ovpn` of one clientpack: this controller as the first remote, then every peer.
    public func openVPNConfig(address: IPv4Address, topology: Topology) throws -> String {
        guard let secrets = try store.clientpackSecrets(address: address.description) else {
            throw ValidationError(.state, name: "PrerequisiteError", "No keyset yet: PUT /api/keyset first")
        }
        let remotes = meshControllers(snapshot, topology: topology).map(\.endpoint)
        return OpenVPNFiles.client(name: ClientpackName.name(address), remotes: remotes, ca: secrets.caCertificatePEM,
                                   certificate: secrets.certificatePEM, key: secrets.privateKeyPEM)
    }

    public static func clientTopology(_ state: DesiredState) throws -> Topology {
        guard let topology = state.topology, state.license?.finalized == true else {
            throw ValidationError(.forbidden, name: "PrerequisiteError", "Must be licensed first.")
        }
        return topology
    }

    /// A clientpack by name (`100_127_255_193` or `100.127.255.193`) → its address and index.
    public static func clientpack(named name: String, in topology: Topology) throws -> (IPv4Address, Int) {
        guard let address = ClientpackName.address(name), let index = topology.clients.firstIndex(of: address) else {
            throw ValidationError(.notFound, "No clientpack named \(name)")
        }
        return (address, index)
    }
}
