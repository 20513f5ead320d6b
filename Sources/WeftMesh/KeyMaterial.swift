import Crypto
import Foundation

/// A clientpack's key material after a regenerate: the WireGuard key pair and the TLS
/// client certificate with its key. It travels in the mesh state sealed
/// (ChaCha20-Poly1305 under a key derived from the keyset every controller of the mesh
/// holds), bound to the pack's address and certificate serial, so only a controller of
/// the same keyset can open it and a sealed key cannot be moved to another pack.
public struct KeyMaterial: Sendable, Equatable, Codable {
    public var wireguardPrivateKey: String
    public var wireguardPublicKey: String
    public var certificatePEM: String
    public var privateKeyPEM: String

    public init(wireguardPrivateKey: String, wireguardPublicKey: String, certificatePEM: String, privateKeyPEM: String) {
        self.wireguardPrivateKey = wireguardPrivateKey
        self.wireguardPublicKey = wireguardPublicKey
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// Base64 of nonce, ciphertext and tag.
    public func sealed(address: String, serial: String, keysetSecret: [UInt8]) throws -> String {
        let box = try ChaChaPoly.seal(try JSONEncoder().encode(self), using: Self.key(keysetSecret),
                                      authenticating: Self.binding(address: address, serial: serial))
        return box.combined.base64EncodedString()
    }

    /// Opens what `sealed` made for the same address, serial and keyset; throws otherwise.
    public static func opened(_ sealed: String, address: String, serial: String, keysetSecret: [UInt8]) throws -> KeyMaterial {
        guard let data = Data(base64Encoded: sealed) else { throw CryptoKitError.incorrectParameterSize }
        let plain = try ChaChaPoly.open(try ChaChaPoly.SealedBox(combined: data), using: key(keysetSecret),
                                        authenticating: binding(address: address, serial: serial))
        return try JSONDecoder().decode(KeyMaterial.self, from: plain)
    }

    static func key(_ keysetSecret: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: keysetSecret), salt: Data("weft mesh key material".utf8),
                               info: Data("v1".utf8), outputByteCount: 32)
    }

    static func binding(address: String, serial: String) -> Data { Data("\(address)\n\(serial)".utf8) }
}
