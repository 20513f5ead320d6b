import Crypto
import Foundation
import Synchronization
import WeftModel
import WeftStore

/// The source side of the keyset transfer: single-use nonces (60 s) and a limit on
/// failed proofs, since the token may be guessable and each try is an online guess.
public final class KeysetTransferGate: Sendable {
    public let store: Store
    private let nonces = Mutex<[Data: Int]>([:])
    private let failures = Mutex<(count: Int, since: Int)>((0, 0))
    public static let nonceLifetime = 60
    public static let failureLimit = 10

    public init(store: Store) { self.store = store }

    public func challenge(now: Int = Store.now()) throws -> (nonce: [UInt8], salt: [UInt8]) {
        guard let salt = try store.transferSalt() else {
            throw ValidationError(.unavailable, name: "KeysetMissing", "This controller has no keyset to share yet.")
        }
        let nonce = KeysetTransfer.randomBytes(32)
        nonces.withLock { table in
            table = table.filter { $0.value > now }
            if table.count >= 256 { table.removeAll() }
            table[Data(nonce)] = now + Self.nonceLifetime
        }
        return (nonce, salt)
    }

    public func transfer(nonce: [UInt8], clientNonce: [UInt8], proof: [UInt8], now: Int = Store.now()) throws -> (proof: [UInt8], sealed: [UInt8]) {
        let throttled = failures.withLock { state -> Bool in
            if now - state.since >= 60 { state = (0, now) }
            return state.count >= Self.failureLimit
        }
        if throttled { throw ValidationError(.throttled, name: "TooManyAttempts", "Too many failed keyset transfer attempts; retry in a minute.") }
        let fresh = nonces.withLock { table -> Bool in
            guard let expiry = table.removeValue(forKey: Data(nonce)) else { return false }
            return expiry > now
        }
        guard fresh, clientNonce.count == 32 else {
            throw ValidationError(.forbidden, name: "KeysetTransferRefused", "Unknown or expired challenge.")
        }
        guard let (keyset, key) = try store.keysetForTransfer() else {
            throw ValidationError(.unavailable, name: "KeysetMissing", "This controller has no keyset to share yet.")
        }
        guard KeysetTransfer.verify(proof: proof, role: "client", key: key, nonce: nonce, clientNonce: clientNonce) else {
            failures.withLock { $0.count += 1 }
            throw ValidationError(.forbidden, name: "KeysetTransferRefused", "Wrong topology token.")
        }
        let sealed = try KeysetTransfer.seal(keyset, key: key, nonce: nonce, clientNonce: clientNonce)
        return (KeysetTransfer.proof(role: "server", key: key, nonce: nonce, clientNonce: clientNonce), sealed)
    }
}
