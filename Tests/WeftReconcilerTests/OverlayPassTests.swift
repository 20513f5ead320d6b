import Crypto
import Foundation
import Testing
@testable import WeftReconciler
import WeftModel
import WeftStore
import WeftSystem
import WeftSystemTesting

/// The overlay reconciler against a fake WireGuard device that models wireguard-go's state:
/// a pass builds tun0, a toggle's one-peer path and the pass it wakes cost one UAPI request
/// (no dump of every peer), and a pass past the trust window reads back and repairs drift.
@Suite struct OverlayPassTests {
    static let topology = try! Topology.fromParameters(subnet: "10.20.0.0/28", managers: "10.20.0.14", asns: nil, clients: nil, managerVIP: nil)

    static func desired() throws -> DesiredState {
        let store = try Store()
        let keyset = try KeysetFactory.generate(topology: topology, topologyName: "lab")
        try store.write(actor: "t", action: "t") { db in
            try Store.installKeyset(keyset, transferKey: SymmetricKey(size: .bits256), source: "test", in: db)
        }
        var desired = try store.desiredState()
        desired.license = LicenseState(text: "l", sha1: "s", uploadedAt: 0, topology: topology, finalizedAt: 0)
        return desired
    }

    @Test func aTogglesPassTrustsTheFastPathAndALaterPassReadsBack() async throws {
        var desired = try Self.desired()
        let wg = FakeWireGuard(), ip = FakeIPDevice(device: "tun0")
        let overlay = OverlayReconciler(runner: ip, daemon: wg, control: wg)
        let plan = try #require(OverlayReconciler.plan(desired))

        let first = try await overlay.reconcile(desired, apply: true)
        #expect(!first.isEmpty)
        #expect(wg.device.peers.count == plan.peers.count && wg.device.privateKeyHex == plan.privateKeyHex)
        #expect(ip.addresses == ["\(plan.address)/\(plan.prefixLength)"])

        // Disable one pack: the API's one-peer path, then the pass it wakes.
        let address = "10.20.0.1", hex = try #require(desired.overlayKeys?.clientHex[address])
        desired.clientpacks.byAddress[address] = ClientpackState(enabled: false)
        desired.generation += 1
        let before = wg.device
        try await overlay.applyPeer(publicKeyHex: hex, allowedIP: nil, generation: desired.generation)
        #expect(try await overlay.reconcile(desired, apply: true).isEmpty)
        #expect(wg.device.peers[hex] == nil)
        #expect(wg.device.gets == before.gets, "no UAPI dump of every peer for a toggle")
        #expect(wg.device.sets == before.sets + 1)

        // A change behind Weft's back is not seen within the window, and is repaired after it.
        wg.tamper { $0.peers[hex] = ["10.20.0.1/32"] }
        try await overlay.reconcile(desired, apply: true)
        #expect(wg.device.peers[hex] != nil)
        overlay.expireTrust()
        let repaired = try await overlay.reconcile(desired, apply: true)
        #expect(repaired.contains { $0.summary.contains("1 removed") })
        #expect(wg.device.peers[hex] == nil)
    }

    @Test func aRestartedDeviceIsRebuiltWhateverWasTrusted() async throws {
        let desired = try Self.desired()
        let wg = FakeWireGuard(), ip = FakeIPDevice(device: "tun0")
        let overlay = OverlayReconciler(runner: ip, daemon: wg, control: wg)
        try await overlay.reconcile(desired, apply: true)
        let peers = wg.device.peers
        wg.stop()
        try await overlay.reconcile(desired, apply: true)
        #expect(wg.device.starts == 2 && wg.device.peers == peers)
    }
}
