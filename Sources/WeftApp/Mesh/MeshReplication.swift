import Crypto
import Foundation
import GRDB
import WeftMesh
import WeftModel
import WeftStore

/// The mesh-wide key state of this controller, kept in the store beside the clientpack
/// states it replicates: the merged `MeshState` and the hybrid clock's last timestamp (so a
/// restarted controller never stamps a write before one it made or received).
public struct StoredMeshState: Codable, Sendable, Equatable {
    public var last: HybridTimestamp
    public var state: MeshState

    public init(last: HybridTimestamp = .zero, state: MeshState = MeshState()) {
        self.last = last
        self.state = state
    }
}

extension SettingKey {
    public static var meshState: SettingKey<StoredMeshState> { .init("mesh_state") }
}

extension Controller {
    /// `payload` signed by this controller for the mesh, stamped after `last`; nil when the
    /// keyset has no key for this controller.
    public func meshSeal(payload: String, secret: [UInt8], last: HybridTimestamp) -> MeshEnvelope? {
        var clock = HybridClock(controller: meshControllerID, last: last)
        let stamp = clock.now(physical: MeshRecording.physicalMillis())
        return MeshAuthenticator(keys: MeshKeys(keysetSecret: secret, controllers: meshControllers))
            .seal(payload: payload, from: meshControllerID, at: stamp)
    }
}

public enum MeshRecording {
    public static func physicalMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Writes the clientpack states in the caller's transaction and records every changed
    /// field in the mesh state, stamped with this controller's clock. Every local clientpack
    /// write goes through here.
    public static func set(_ packs: ClientpackStates, before known: ClientpackStates? = nil, controller: Int, in db: Database,
                           physical: Int64 = physicalMillis()) throws {
        let before = try known ?? Store.get(.clientpacks, in: db) ?? ClientpackStates()
        var stored = try Store.get(.meshState, in: db) ?? StoredMeshState()
        var clock = HybridClock(controller: controller, last: stored.last)
        if stored.state.record(from: before, to: packs, clock: &clock, physical: physical) {
            stored.last = clock.last
            try Store.set(.meshState, stored, in: db)
        }
        try Store.set(.clientpacks, packs, in: db)
    }

    /// Records a regenerate in the caller's transaction: the pack's new certificate serial and
    /// its new keys sealed for the mesh (`KeyMaterial.sealed`).
    public static func recordRegenerate(address: String, serial: String, sealed: String, controller: Int, in db: Database,
                                        physical: Int64 = physicalMillis()) throws {
        var stored = try Store.get(.meshState, in: db) ?? StoredMeshState()
        var clock = HybridClock(controller: controller, last: stored.last)
        stored.state.apply(.regenerated(serial: serial, sealed: sealed), to: address, clock: &clock, physical: physical)
        stored.last = clock.last
        try Store.set(.meshState, stored, in: db)
    }

    /// What a merge changed here: the clientpack states to enforce, and how many packs took
    /// a key another controller generated (the snapshot's keys must then be re-read).
    public struct Merged: Sendable {
        public let packs: ClientpackStates
        public let keysInstalled: Int
    }

    /// Merges a peer's state into the stored one, in the caller's transaction, and installs
    /// every key that won the merge and is not this controller's own; returns nil when the
    /// merge changed nothing.
    public static func merge(_ remote: MeshState, controller: Int, in db: Database,
                             physical: Int64 = physicalMillis()) throws -> Merged? {
        var stored = try Store.get(.meshState, in: db) ?? StoredMeshState()
        let merged = stored.state.merged(remote)
        guard merged != stored.state else { return nil }
        let installed = try installKeys(from: stored.state, to: merged, in: db)
        var clock = HybridClock(controller: controller, last: stored.last)
        if let newest = remote.packs.values.map(\.version).max() { try? clock.receive(newest, physical: physical) }
        stored.state = merged
        stored.last = clock.last
        try Store.set(.meshState, stored, in: db)
        let local = try Store.get(.clientpacks, in: db) ?? ClientpackStates()
        let applied = merged.applied(to: local, now: Int(physical / 1000))
        try Store.set(.clientpacks, applied, in: db)
        return Merged(packs: applied, keysInstalled: installed)
    }

    /// The keys of the packs whose key register the merge changed, opened and installed in
    /// the keyset. A key that cannot be opened (another keyset) or fails its checks is left
    /// out; its serial is refused all the same once it is superseded.
    static func installKeys(from before: MeshState, to after: MeshState, in db: Database) throws -> Int {
        guard let secret = try keysetSecret(in: db) else { return 0 }
        var installed = 0
        for (address, record) in after.packs {
            guard let key = record.key?.value, !key.sealed.isEmpty, before.packs[address]?.key?.value != key,
                  let material = try? KeyMaterial.opened(key.sealed, address: address, serial: key.serial, keysetSecret: secret)
            else { continue }
            if (try? Store.installClientKeys(address: address, serial: key.serial, wireguardPrivateKey: material.wireguardPrivateKey,
                                             wireguardPublicKey: material.wireguardPublicKey, certificatePEM: material.certificatePEM,
                                             privateKeyPEM: material.privateKeyPEM, in: db)) == true {
                installed += 1
            }
        }
        return installed
    }

    /// SHA-256 of the keyset's CA key: the secret every controller of the mesh shares.
    public static func keysetSecret(in db: Database) throws -> [UInt8]? {
        try String.fetchOne(db, sql: "SELECT ca_key_pem FROM keyset WHERE id = 1").map { Array(SHA256.hash(data: Array($0.utf8))) }
    }
}

extension KeyMaterial {
    /// A keyset client's keys.
    init(_ client: Keyset.Client) {
        self.init(wireguardPrivateKey: client.wireguardPrivateKey, wireguardPublicKey: client.wireguardPublicKey,
                  certificatePEM: client.certificatePEM, privateKeyPEM: client.privateKeyPEM)
    }
}

extension Controller {
    /// This controller's id in the mesh (its peering id; 0 before one is set).
    public var meshControllerID: Int { snapshot.peering.id ?? 0 }

    public func meshState() throws -> StoredMeshState {
        try store.read { db in try Store.get(.meshState, in: db) } ?? StoredMeshState()
    }

    /// Takes in a verified peer's state: merges it, and when anything changed writes the
    /// merged clientpack states (the reconciler then removes a disabled pack from WireGuard
    /// and OpenVPN here). Returns whether anything changed.
    @discardableResult
    public func mergeMeshState(_ remote: MeshState, from peer: Int) throws -> Bool {
        let controllerID = meshControllerID
        let current = try meshState().state
        guard current.merged(remote) != current else { return false }
        let result = try store.write(actor: "mesh:\(peer)", action: "mesh.merge", detail: "from controller \(peer)") { db in
            try MeshRecording.merge(remote, controller: controllerID, in: db)
        }
        guard let merged = result.value else { return false }
        if merged.keysInstalled > 0 {
            refresh()
        } else {
            takeInPlace(generation: result.generation) { $0.clientpacks = merged.packs }
        }
        reconciler.wake()
        return true
    }
}

extension Controller {
    /// The secret the mesh keys derive from: SHA-256 of the keyset CA's private key, which
    /// every controller of the mesh holds after the keyset transfer (nil before a keyset).
    public func meshKeysetSecret() throws -> [UInt8]? {
        try store.read { db in try MeshRecording.keysetSecret(in: db) }
    }

    /// The controllers of the topology by peering id (1…the number of managers).
    public var meshControllers: [Int] { Array(1...max(1, snapshot.topology?.managers.count ?? 0)) }
}
