import Testing
@testable import WeftMesh

/// A regenerated key travels sealed: only the same keyset opens it, and only for the pack
/// and serial it was sealed for.
@Suite struct KeyMaterialTests {
    static let material = KeyMaterial(wireguardPrivateKey: "cHJpdmF0ZQ==", wireguardPublicKey: "cHVibGlj",
                                      certificatePEM: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
                                      privateKeyPEM: "-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----\n")
    static let secret = [UInt8](repeating: 7, count: 32)

    @Test func opensForTheSameKeysetPackAndSerialOnly() throws {
        let sealed = try Self.material.sealed(address: "100.127.255.193", serial: "42", keysetSecret: Self.secret)
        #expect(!sealed.contains("cHJpdmF0ZQ"), "the private key is not readable in the state")
        #expect(try KeyMaterial.opened(sealed, address: "100.127.255.193", serial: "42", keysetSecret: Self.secret) == Self.material)
        #expect(throws: (any Error).self) { try KeyMaterial.opened(sealed, address: "100.127.255.194", serial: "42", keysetSecret: Self.secret) }
        #expect(throws: (any Error).self) { try KeyMaterial.opened(sealed, address: "100.127.255.193", serial: "43", keysetSecret: Self.secret) }
        #expect(throws: (any Error).self) {
            try KeyMaterial.opened(sealed, address: "100.127.255.193", serial: "42", keysetSecret: [UInt8](repeating: 8, count: 32))
        }
        #expect(throws: (any Error).self) { try KeyMaterial.opened("not base64!", address: "100.127.255.193", serial: "42", keysetSecret: Self.secret) }
    }

    @Test func theSealedKeyIsPartOfTheDigest() {
        var a = PackRecord(), b = PackRecord()
        let stamp = HybridTimestamp(wallMillis: 1, counter: 0, controller: 1)
        a.apply(.regenerated(serial: "42", sealed: "one"), at: stamp)
        b.apply(.regenerated(serial: "42", sealed: "two"), at: stamp)
        #expect(MeshState.digest(of: a, address: "x") != MeshState.digest(of: b, address: "x"))
        #expect(a.merged(b) == b.merged(a))
    }
}
