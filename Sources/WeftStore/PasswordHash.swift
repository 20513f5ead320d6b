import Crypto
import _CryptoExtras
import Foundation

/// A salted PBKDF2-HMAC-SHA256 password hash, stored as
/// `pbkdf2-sha256$<rounds>$<salt b64>$<hash b64>`. Only the hash is ever stored.
public struct PasswordHash: Sendable, Equatable {
    public static let defaultRounds = 210_000
    public let rounds: Int
    public let salt: [UInt8]
    public let hash: [UInt8]

    public init(password: String, rounds: Int = PasswordHash.defaultRounds) throws {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        self.rounds = rounds
        self.salt = salt
        self.hash = try PasswordHash.derive(password, salt: salt, rounds: rounds)
    }

    public init?(encoded: String) {
        let parts = encoded.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds >= 1,
              let salt = Data(base64Encoded: String(parts[2])), let hash = Data(base64Encoded: String(parts[3])) else {
            return nil
        }
        self.rounds = rounds
        self.salt = Array(salt)
        self.hash = Array(hash)
    }

    public var encoded: String {
        "pbkdf2-sha256$\(rounds)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// Constant-time comparison of the derived key.
    public func verify(_ password: String) -> Bool {
        guard let candidate = try? PasswordHash.derive(password, salt: salt, rounds: rounds),
              candidate.count == hash.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(candidate, hash) { difference |= a ^ b }
        return difference == 0
    }

    static func derive(_ password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256,
                                                    outputByteCount: 32, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }

    /// A random password of `length` characters from an unambiguous alphabet (~5.8 bits each).
    public static func generatePassword(length: Int = 24) -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}
