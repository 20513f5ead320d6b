import Crypto
import _CryptoExtras
import Foundation

/// Controller-to-controller keyset transfer, authenticated by the topology token alone.
///
/// The SDK skips certificate checks, so TLS protects nothing here. Instead:
/// 1. both sides hold `K = PBKDF2-SHA256(token, salt, 200k rounds)` (the source stored it
///    when its keyset was made; the target derives it from the token and the public salt);
/// 2. the target proves knowledge of K with `HMAC(K_auth, "client" | nonce | cnonce)`
///    over a single-use nonce from the source;
/// 3. the source answers with its own proof and the keyset sealed with ChaCha20-Poly1305
///    under `HKDF(K, salt: nonce | cnonce, info: "weft keyset seal v1")`.
/// A passive observer learns nothing; an active one without the token cannot pass step 2.
public enum KeysetTransfer {
    public static let rounds = 200_000

    public static func transferKey(token: String, salt: [UInt8]) throws -> SymmetricKey {
        try KDF.Insecure.PBKDF2.deriveKey(from: Array(token.utf8), salt: salt, using: .sha256,
                                          outputByteCount: 32, unsafeUncheckedRounds: rounds)
    }

    static func authKey(_ key: SymmetricKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array("weft keyset auth v1".utf8), outputByteCount: 32)
    }

    static func sealKey(_ key: SymmetricKey, nonce: [UInt8], clientNonce: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: nonce + clientNonce,
                               info: Array("weft keyset seal v1".utf8), outputByteCount: 32)
    }

    public static func proof(role: String, key: SymmetricKey, nonce: [UInt8], clientNonce: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(role.utf8) + [0] + nonce + clientNonce, using: authKey(key)))
    }

    public static func verify(proof: [UInt8], role: String, key: SymmetricKey, nonce: [UInt8], clientNonce: [UInt8]) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(proof, authenticating: Array(role.utf8) + [0] + nonce + clientNonce, using: authKey(key))
    }

    public static func seal(_ keyset: Keyset, key: SymmetricKey, nonce: [UInt8], clientNonce: [UInt8]) throws -> [UInt8] {
        let plaintext = try JSONEncoder().encode(keyset)
        let box = try ChaChaPoly.seal(plaintext, using: sealKey(key, nonce: nonce, clientNonce: clientNonce))
        return Array(box.combined)
    }

    public static func open(_ sealed: [UInt8], key: SymmetricKey, nonce: [UInt8], clientNonce: [UInt8]) throws -> Keyset {
        let box = try ChaChaPoly.SealedBox(combined: sealed)
        let plaintext = try ChaChaPoly.open(box, using: sealKey(key, nonce: nonce, clientNonce: clientNonce))
        return try JSONDecoder().decode(Keyset.self, from: plaintext)
    }

    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
