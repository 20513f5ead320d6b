import Synchronization
import WeftModel
import WeftStore
import WeftSystem

/// The WireGuard side of the overlay: device `tun0` (wireguard-go), holding this
/// controller's overlay address with the overlay prefix, one peer per enabled clientpack.
/// Changes go through the UAPI socket per peer (never `replace_peers`), so toggling one
/// clientpack costs the same at 10 packs and at 10,000.
public struct OverlayReconciler: SubsystemReconciler {
    public let name = "overlay"
    public static let device = "tun0"
    let runner: any CommandRunner
    let daemon: any WireGuardDaemon
    let control: any WireGuardControl
    let listenPort: Int
    /// API peer changes and reconcile passes never interleave; a pass holding a snapshot
    /// older than what the API already applied does nothing.
    private let gate = SerialGate()
    private let watermark = Watermark()
    /// The plan last read back from tun0 (a toggle's pass within 10 s trusts it, `Verified`).
    private let verified = Verified<Plan>()

    final class Watermark: Sendable {
        let generation = Mutex<Int>(0)
    }

    public init(runner: any CommandRunner, daemon: any WireGuardDaemon, control: any WireGuardControl, listenPort: Int = 51820) {
        self.runner = runner
        self.daemon = daemon
        self.control = control
        self.listenPort = listenPort
    }

    /// What tun0 should be, or nil while the controller has no licence or keyset.
    public struct Plan: Sendable, Equatable {
        public var address: IPv4Address
        public var prefixLength: Int
        public var privateKeyHex: String
        /// Peer public key (hex) → its allowed IP.
        public var peers: [String: String]
    }

    public static func plan(_ desired: DesiredState) -> Plan? {
        guard let topology = desired.topology, desired.license?.finalized == true, let keys = desired.overlayKeys else { return nil }
        let peerID = desired.peering.id ?? 1
        guard let address = topology.managerAddress(peerID: peerID),
              let privateHex = WireGuardUAPI.hex(fromBase64: keys.controllerPrivateKey(peerID: peerID).rawRepresentation.base64EncodedString())
        else { return nil }
        var peers: [String: String] = [:]
        for client in topology.clients {
            let text = client.description
            guard desired.clientpacks.state(text).enabled, let hex = keys.clientHex[text] else { continue }
            peers[hex] = "\(text)/32"
        }
        return Plan(address: address, prefixLength: topology.subnet.prefixLength, privateKeyHex: privateHex, peers: peers)
    }

    /// UAPI lines that turn `current` into `plan`: only the peers that differ.
    public static func diff(_ plan: Plan, current: WireGuardDeviceStatus, listenPort: Int) -> [String] {
        var lines: [String] = []
        if current.privateKeyHex != plan.privateKeyHex || current.listenPort != listenPort {
            lines += WireGuardUAPI.device(privateKeyHex: plan.privateKeyHex, listenPort: listenPort)
        }
        var existing: [String: [String]] = [:]
        for peer in current.peers { existing[peer.publicKeyHex] = peer.allowedIPs }
        for key in existing.keys.sorted() where plan.peers[key] == nil {
            lines += WireGuardUAPI.removePeer(publicKeyHex: key)
        }
        for key in plan.peers.keys.sorted() where existing[key] != [plan.peers[key]!] {
            lines += WireGuardUAPI.peer(publicKeyHex: key, allowedIPs: [plan.peers[key]!])
        }
        return lines
    }

    public func reconcile(_ desired: DesiredState, apply: Bool) async throws -> [Change] {
        try await gate.run { try await reconcileLocked(desired, apply: apply) }
    }

    /// The API's fast path for enabling or disabling one clientpack: one UAPI request for
    /// that peer (add or remove), whatever the number of packs. `generation` is the store
    /// generation the change belongs to.
    public func applyPeer(publicKeyHex: String, allowedIP: String?, generation: Int) async throws {
        try await gate.run {
            let lines = allowedIP.map { WireGuardUAPI.peer(publicKeyHex: publicKeyHex, allowedIPs: [$0]) }
                ?? WireGuardUAPI.removePeer(publicKeyHex: publicKeyHex)
            do { try await control.set(lines) } catch {
                verified.forget()
                throw error
            }
            verified.update { $0.peers[publicKeyHex] = allowedIP }
            watermark.generation.withLock { $0 = max($0, generation) }
        }
    }

    private func reconcileLocked(_ desired: DesiredState, apply: Bool) async throws -> [Change] {
        if desired.generation < watermark.generation.withLock({ $0 }) { return [] }
        guard let plan = Self.plan(desired) else { return [] }
        guard apply else {
            return [Change(name, "\(Self.device) \(plan.address)/\(plan.prefixLength) on UDP \(listenPort), \(plan.peers.count) clientpack peer(s)")]
        }
        var changes: [Change] = []
        if try await daemon.ensureRunning(socket: control) { verified.forget() }
        // The pass a toggle wakes: the fast path already put its one peer in; nothing to read back.
        if verified.trusts(plan) {
            watermark.generation.withLock { $0 = max($0, desired.generation) }
            return []
        }
        verified.forget()

        // Address and link state.
        let shown = try await runner.check(["ip", "-o", "-4", "addr", "show", "dev", Self.device])
        let cidr = "\(plan.address)/\(plan.prefixLength)"
        if !shown.contains(" \(cidr) ") {
            try await runner.check(["ip", "addr", "flush", "dev", Self.device])
            try await runner.check(["ip", "addr", "add", cidr, "dev", Self.device])
            changes.append(Change(name, "\(Self.device) address \(cidr)"))
        }
        let link = try await runner.check(["ip", "-o", "link", "show", "dev", Self.device])
        if !link.contains(",UP") && !link.contains("<UP") {
            try await runner.check(["ip", "link", "set", Self.device, "up"])
            changes.append(Change(name, "\(Self.device) up"))
        }

        let lines = Self.diff(plan, current: try await control.get(), listenPort: listenPort)
        if !lines.isEmpty {
            try await control.set(lines)
            let removed = lines.filter { $0 == "remove=true" }.count
            let touched = lines.filter { $0.hasPrefix("public_key=") }.count - removed
            changes.append(Change(name, "peers: \(touched) set, \(removed) removed (of \(plan.peers.count))"))
        }
        // Read back.
        let after = Self.diff(plan, current: try await control.get(), listenPort: listenPort)
        guard after.isEmpty else { throw SystemError.io("\(Self.device) differs from the plan after apply: \(after.prefix(4))") }
        verified.record(plan)
        watermark.generation.withLock { $0 = max($0, desired.generation) }
        return changes
    }

    public func shutdown() async { daemon.stop() }

    /// Ends the trust in the last read-back, as 10 s passing does (tests).
    func expireTrust() { verified.forget() }
}
