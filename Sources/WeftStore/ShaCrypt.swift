import Crypto
import Foundation

/// SHA-512 crypt (`$6$salt$hash`, glibc's default password hash), for the accounts Weft
/// writes into a plugin container's `/etc/shadow`: what `passwd` or `openssl passwd -6`
/// would store, so the container's own login and sshd check it.
public enum ShaCrypt {
    static let alphabet = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A random 16-character salt from crypt's alphabet.
    public static func randomSalt() -> String {
        String(decoding: (0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] }, as: UTF8.self)
    }

    /// `$6$<salt>$<hash>` with the default 5000 rounds. The salt is cut to 16 characters
    /// and must use crypt's alphabet.
    public static func hash(_ password: String, salt: String = randomSalt()) -> String {
        let key = Array(password.utf8)
        let saltBytes = Array(salt.utf8.prefix(16))
        precondition(saltBytes.allSatisfy(alphabet.contains), "salt outside crypt's alphabet")
        let digest = compute(key, saltBytes, rounds: 5000)
        return "$6$" + String(decoding: saltBytes, as: UTF8.self) + "$" + encode(digest)
    }

    /// Whether `password` matches a `$6$salt$hash` string (default rounds only).
    public static func verify(_ password: String, _ stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[1] == "6" else { return false }
        guard parts[2].utf8.allSatisfy(alphabet.contains) else { return false }
        return hash(password, salt: String(parts[2])) == stored
    }

    static func sha(_ chunks: [[UInt8]]) -> [UInt8] {
        var h = SHA512()
        for chunk in chunks { h.update(data: chunk) }
        return Array(h.finalize())
    }

    /// `count` bytes of `block` repeated.
    static func stretch(_ block: [UInt8], _ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count { out += block.prefix(count - out.count) }
        return out
    }

    static func compute(_ key: [UInt8], _ salt: [UInt8], rounds: Int) -> [UInt8] {
        let b = sha([key, salt, key])
        var a = SHA512()
        a.update(data: key)
        a.update(data: salt)
        a.update(data: stretch(b, key.count))
        var length = key.count
        while length > 0 {
            a.update(data: length & 1 == 1 ? b : key)
            length >>= 1
        }
        var c = Array(a.finalize())
        var dp = SHA512()
        for _ in 0..<key.count { dp.update(data: key) }
        let p = stretch(Array(dp.finalize()), key.count)
        var ds = SHA512()
        for _ in 0..<(16 + Int(c[0])) { ds.update(data: salt) }
        let s = stretch(Array(ds.finalize()), salt.count)
        for round in 0..<rounds {
            var h = SHA512()
            h.update(data: round & 1 == 1 ? p : c)
            if round % 3 != 0 { h.update(data: s) }
            if round % 7 != 0 { h.update(data: p) }
            h.update(data: round & 1 == 1 ? c : p)
            c = Array(h.finalize())
        }
        return c
    }

    /// crypt's base64: the digest's bytes in SHA-512 crypt's permuted order, 6 bits at a time.
    static func encode(_ d: [UInt8]) -> String {
        var out: [UInt8] = []
        func put(_ b2: UInt8, _ b1: UInt8, _ b0: UInt8, _ n: Int) {
            var w = (UInt32(b2) << 16) | (UInt32(b1) << 8) | UInt32(b0)
            for _ in 0..<n {
                out.append(alphabet[Int(w & 0x3f)])
                w >>= 6
            }
        }
        var (i, j, k) = (0, 21, 42)
        for _ in 0..<21 {
            put(d[i], d[j], d[k], 4)
            (i, j, k) = ((j + 1) % 63, (k + 1) % 63, (i + 1) % 63)
        }
        put(0, 0, d[63], 2)
        return String(decoding: out, as: UTF8.self)
    }
}
