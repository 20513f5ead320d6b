import Crypto
import Foundation
import GRDB
import Testing
@testable import WeftApp
import WeftMesh
import WeftModel
import WeftStore

/// Issue 26: a regenerate on one controller replicates its new keys; the receiving
/// controller serves and admits them, and refuses the old certificate.
@Suite struct MeshKeyReplicationTests {
    static let topology = try! Topology.fromParameters(subnet: "10.20.0.0/28", managers: "10.20.0.14", asns: nil, clients: nil, managerVIP: nil)
    static let address = IPv4Address("10.20.0.1")!

    static func stores(sharing keyset: Keyset) throws -> (Store, Store) {
        let a = try Store(), b = try Store()
        for store in [a, b] {
            try store.write(actor: "test", action: "keyset") { db in
                try Store.installKeyset(keyset, transferKey: SymmetricKey(size: .bits256), source: "test", in: db)
            }
        }
        return (a, b)
    }

    /// What `Controller.updateClientpack(regenerate: true)` records, on `store`.
    static func regenerate(on store: Store, controller: Int) throws -> Store.Regenerated {
        try store.write(actor: "test", action: "clientpack.update") { db in
            let regenerated = try Store.regenerateClient(address: address, in: db)
            var packs = try Store.get(.clientpacks, in: db) ?? ClientpackStates()
            packs.revoked.append(.init(serial: regenerated.revokedSerial, name: ClientpackName.name(address), revokedAt: 1))
            let secret = try #require(try MeshRecording.keysetSecret(in: db))
            let sealed = try KeyMaterial(regenerated.fresh).sealed(address: address.description, serial: regenerated.serial, keysetSecret: secret)
            try MeshRecording.recordRegenerate(address: address.description, serial: regenerated.serial, sealed: sealed, controller: controller, in: db)
            try MeshRecording.set(packs, controller: controller, in: db)
            return regenerated
        }.value
    }

    @Test func aRegeneratedKeyIsInstalledOnThePeerAndTheOldCertificateRefused() throws {
        let keyset = try KeysetFactory.generate(topology: Self.topology, topologyName: "lab")
        let (one, two) = try Self.stores(sharing: keyset)
        let old = try #require(try two.clientpackSecrets(address: Self.address.description))
        let regenerated = try Self.regenerate(on: one, controller: 1)
        let state = try #require(try one.read { db in try Store.get(.meshState, in: db) }).state

        let merged = try two.write(actor: "mesh:1", action: "mesh.merge") { db in try MeshRecording.merge(state, controller: 2, in: db) }.value
        #expect(merged?.keysInstalled == 1)
        let now = try #require(try two.clientpackSecrets(address: Self.address.description))
        #expect(now.wireguardPublicKey == regenerated.fresh.wireguardPublicKey && now.wireguardPublicKey != old.wireguardPublicKey)
        #expect(now.certificatePEM == regenerated.fresh.certificatePEM && now.privateKeyPEM == regenerated.fresh.privateKeyPEM)
        #expect(merged?.packs.revoked.map(\.serial).contains(regenerated.revokedSerial) == true)
        #expect(try two.read { db in try Store.overlayKeys(in: db) }?.clients[Self.address.description] == regenerated.fresh.wireguardPublicKey)

        // The same state again installs nothing; the sender does not re-install its own key.
        #expect(try two.write(actor: "mesh:1", action: "mesh.merge") { db in try MeshRecording.merge(state, controller: 2, in: db) }.value == nil)
        let back = try #require(try two.read { db in try Store.get(.meshState, in: db) }).state
        #expect(try one.write(actor: "mesh:2", action: "mesh.merge") { db in try MeshRecording.merge(back, controller: 1, in: db) }.value == nil)
    }

    @Test func aKeySealedByAnotherKeysetOrForgedIsNotInstalled() throws {
        let keyset = try KeysetFactory.generate(topology: Self.topology, topologyName: "lab")
        let (one, two) = try Self.stores(sharing: keyset)
        let before = try #require(try two.clientpackSecrets(address: Self.address.description))
        let regenerated = try Self.regenerate(on: one, controller: 1)
        var state = try #require(try one.read { db in try Store.get(.meshState, in: db) }).state

        // Sealed under another secret: not opened, not installed; the new serial still wins the register.
        let foreign = try KeyMaterial(regenerated.fresh)
            .sealed(address: Self.address.description, serial: regenerated.serial, keysetSecret: [UInt8](repeating: 1, count: 32))
        state.packs[Self.address.description]?.key?.value.sealed = foreign
        let merged = try two.write(actor: "mesh:1", action: "mesh.merge") { db in try MeshRecording.merge(state, controller: 2, in: db) }.value
        #expect(merged?.keysInstalled == 0)
        #expect(try two.clientpackSecrets(address: Self.address.description)?.wireguardPublicKey == before.wireguardPublicKey)

        // A WireGuard key that does not match its public half is refused by the store.
        #expect(throws: (any Error).self) {
            try two.write(actor: "t", action: "t") { db in
                try Store.installClientKeys(address: Self.address.description, serial: regenerated.serial,
                                            wireguardPrivateKey: before.wireguardPrivateKey, wireguardPublicKey: regenerated.fresh.wireguardPublicKey,
                                            certificatePEM: regenerated.fresh.certificatePEM, privateKeyPEM: regenerated.fresh.privateKeyPEM, in: db)
            }
        }
    }
}
