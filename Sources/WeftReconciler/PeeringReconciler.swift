import Synchronization
import WeftModel
import WeftStore
import WeftSystem

/// The controller mesh's links: one WireGuard device per peer controller (`wgp<ID>`,
/// wireguard-go, UDP `51900 + ID`), keyed with the controllers' keyset-derived keys, with
/// point-to-point link addresses for BGP. Routing over the links is BIRD's (see
/// `BirdReconciler`); this reconciler only keeps the links as configured.
public final class PeeringReconciler: SubsystemReconciler {
    public let name = "peering"
    let runner: any CommandRunner
    private let links = Mutex<[Int: WireGuardGo]>([:])

    public init(runner: any CommandRunner) { self.runner = runner }

    public struct Link: Sendable, Equatable {
        public var peerID: Int
        public var device: String
        public var listenPort: Int
        public var privateKeyHex: String
        public var peerPublicKeyHex: String
        public var endpoint: String
        public var localAddress: String
        public var remoteAddress: String
        public var mtu: Int
    }

    /// The links `desired` asks for (none until this controller has a peer id, a licence
    /// and a keyset).
    public static func plan(_ desired: DesiredState) -> [Link] {
        guard let selfID = desired.peering.id, desired.topology != nil, desired.license?.finalized == true,
              let keys = desired.overlayKeys,
              let privateHex = WireGuardUAPI.hex(fromBase64: keys.controllerPrivateKey(peerID: selfID).rawRepresentation.base64EncodedString())
        else { return [] }
        return desired.peers.peers.filter { $0.finalized && $0.id != selfID }.compactMap { peer in
            guard let address = IPv4Address(peer.name),
                  let publicHex = WireGuardUAPI.hex(fromBase64: keys.controllerPrivateKey(peerID: peer.id).publicKey.rawRepresentation.base64EncodedString())
            else { return nil }
            return Link(peerID: peer.id, device: PeeringPeers.device(peer.id), listenPort: PeeringPeers.portBase + peer.id,
                        privateKeyHex: privateHex, peerPublicKeyHex: publicHex,
                        endpoint: "\(address):\(PeeringPeers.portBase + selfID)",
                        localAddress: PeeringPeers.linkAddress(selfID), remoteAddress: PeeringPeers.linkAddress(peer.id), mtu: peer.overlayMTU)
        }
    }

    /// UAPI lines for a link: the device key and port, one peer for all destinations
    /// (routing decides what goes in), a 1-s keepalive so the path stays open.
    static func uapi(_ link: Link, current: WireGuardDeviceStatus) -> [String] {
        let peer = current.peers.first { $0.publicKeyHex == link.peerPublicKeyHex }
        if current.privateKeyHex == link.privateKeyHex, current.listenPort == link.listenPort, current.peers.count == 1,
           peer?.allowedIPs == ["0.0.0.0/0"], peer?.endpoint == link.endpoint {
            return []
        }
        var lines = WireGuardUAPI.device(privateKeyHex: link.privateKeyHex, listenPort: link.listenPort)
        lines.append("replace_peers=true")
        lines += ["public_key=\(link.peerPublicKeyHex)", "endpoint=\(link.endpoint)", "persistent_keepalive_interval=1",
                  "replace_allowed_ips=true", "allowed_ip=0.0.0.0/0"]
        return lines
    }

    public func reconcile(_ desired: DesiredState, apply: Bool) async throws -> [Change] {
        let plan = Self.plan(desired)
        let wanted = Set(plan.map(\.peerID))
        let running = links.withLock { Set($0.keys) }
        var changes: [Change] = []
        for id in running.subtracting(wanted).sorted() { changes.append(Change(name, "remove link \(PeeringPeers.device(id))")) }
        guard apply else {
            return changes + plan.map { Change(name, "link \($0.device) to \($0.endpoint)") }
        }
        for id in running.subtracting(wanted) {
            links.withLock { $0.removeValue(forKey: id) }?.stop()
        }
        for link in plan {
            let daemon = links.withLock { table -> WireGuardGo in
                if let existing = table[link.peerID] { return existing }
                let created = WireGuardGo(device: link.device)
                table[link.peerID] = created
                return created
            }
            let control = WireGuardSocket(device: link.device)
            try await daemon.ensureRunning(socket: control)
            let lines = Self.uapi(link, current: try await control.get())
            if !lines.isEmpty {
                try await control.set(lines)
                changes.append(Change(name, "link \(link.device) to \(link.endpoint)"))
            }
            let shown = try await runner.check(["ip", "-o", "-4", "addr", "show", "dev", link.device])
            if !shown.contains("\(link.localAddress) peer \(link.remoteAddress)/32") {
                try await runner.check(["ip", "addr", "flush", "dev", link.device])
                try await runner.check(["ip", "addr", "add", link.localAddress, "peer", link.remoteAddress, "dev", link.device])
                changes.append(Change(name, "\(link.device) \(link.localAddress) ↔ \(link.remoteAddress)"))
            }
            try await runner.check(["ip", "link", "set", link.device, "mtu", String(link.mtu), "up"])
        }
        return changes
    }

    /// Last handshake per peer id (0 = never), for status.
    public func handshakes() async -> [Int: WireGuardPeerStatus] {
        var result: [Int: WireGuardPeerStatus] = [:]
        for id in links.withLock({ Array($0.keys) }) {
            if let status = try? await WireGuardSocket(device: PeeringPeers.device(id)).get(), let peer = status.peers.first {
                result[id] = peer
            }
        }
        return result
    }

    public func shutdown() async {
        let all = links.withLock { table -> [WireGuardGo] in defer { table = [:] }; return Array(table.values) }
        for daemon in all { daemon.stop() }
    }
}
