import Crypto
import Foundation
import Testing
import X509
@testable import WeftModel
@testable import WeftStore

@Suite struct KeysetTests {
    static let topology = try! Topology.fromParameters(subnet: "10.20.0.0/28", managers: "10.20.0.14", asns: nil, clients: nil, managerVIP: nil)

    @Test func generatesOneKeyPairAndCertificatePerClient() throws {
        let keyset = try KeysetFactory.generate(topology: Self.topology, topologyName: "lab")
        #expect(keyset.clients.count == Self.topology.clients.count)
        #expect(Set(keyset.clients.map(\.wireguardPublicKey)).count == keyset.clients.count)
        let ca = try Certificate(pemEncoded: keyset.caCertificatePEM)
        let client = try Certificate(pemEncoded: keyset.clients[0].certificatePEM)
        #expect(client.issuer == ca.subject)
        #expect(client.subject.description.contains("10_20_0_1"))
        #expect(ca.publicKey.isValidSignature(client.signature, for: client))
        #expect(P256.Signing.PublicKey(ca.publicKey) != nil)
        // WireGuard keys are 32-byte Curve25519 keys whose public half matches.
        let privateKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Data(base64Encoded: keyset.clients[0].wireguardPrivateKey)!)
        #expect(privateKey.publicKey.rawRepresentation.base64EncodedString() == keyset.clients[0].wireguardPublicKey)
    }

    @Test func transferNeedsTheTokenAndPreservesTheChecksum() throws {
        let keyset = try KeysetFactory.generate(topology: Self.topology, topologyName: "lab")
        let sourceKey = try KeysetTransfer.transferKey(token: "shared-topology-token", salt: keyset.transferSalt)
        let nonce = KeysetTransfer.randomBytes(32), clientNonce = KeysetTransfer.randomBytes(32)

        let targetKey = try KeysetTransfer.transferKey(token: "shared-topology-token", salt: keyset.transferSalt)
        let proof = KeysetTransfer.proof(role: "client", key: targetKey, nonce: nonce, clientNonce: clientNonce)
        #expect(KeysetTransfer.verify(proof: proof, role: "client", key: sourceKey, nonce: nonce, clientNonce: clientNonce))
        #expect(!KeysetTransfer.verify(proof: proof, role: "server", key: sourceKey, nonce: nonce, clientNonce: clientNonce))

        let sealed = try KeysetTransfer.seal(keyset, key: sourceKey, nonce: nonce, clientNonce: clientNonce)
        let opened = try KeysetTransfer.open(sealed, key: targetKey, nonce: nonce, clientNonce: clientNonce)
        #expect(opened.checksum == keyset.checksum)

        let wrongKey = try KeysetTransfer.transferKey(token: "guess", salt: keyset.transferSalt)
        let wrongProof = KeysetTransfer.proof(role: "client", key: wrongKey, nonce: nonce, clientNonce: clientNonce)
        #expect(!KeysetTransfer.verify(proof: wrongProof, role: "client", key: sourceKey, nonce: nonce, clientNonce: clientNonce))
        #expect(throws: (any Error).self) { try KeysetTransfer.open(sealed, key: wrongKey, nonce: nonce, clientNonce: clientNonce) }
        var tampered = sealed
        tampered[tampered.count / 2] ^= 1
        #expect(throws: (any Error).self) { try KeysetTransfer.open(tampered, key: targetKey, nonce: nonce, clientNonce: clientNonce) }
    }

    @Test func storedKeysetRoundTripsAndIsInstalledOnce() throws {
        let store = try Store()
        let keyset = try KeysetFactory.generate(topology: Self.topology, topologyName: "lab")
        let key = try KeysetTransfer.transferKey(token: "t", salt: keyset.transferSalt)
        try store.write(actor: "api", action: "keyset.generate") { db in try Store.installKeyset(keyset, transferKey: key, source: "", in: db) }
        let (loaded, loadedKey) = try #require(try store.keysetForTransfer())
        #expect(loaded == keyset)
        #expect(loadedKey == key)
        #expect(try store.desiredState().keyset?.checksum == keyset.checksum)
        #expect(throws: StoreError.self) {
            try store.write(actor: "api", action: "keyset.generate") { db in try Store.installKeyset(keyset, transferKey: key, source: "", in: db) }
        }
        #expect(try store.generation() == 1)
    }
}
