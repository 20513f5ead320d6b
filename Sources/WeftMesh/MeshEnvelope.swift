import Crypto
import Foundation
import WeftModel

/// One state message between controllers: who sent it, when (its hybrid timestamp), a
/// random nonce, the payload (the JSON of a `MeshState` or of a digest map) and an
/// HMAC-SHA256 over all of them with the sender's mesh key.
public struct MeshEnvelope: Sendable, Equatable, Codable {
    public var from: Int
    public var sentAt: HybridTimestamp
    public var nonce: String
    public var payload: String
    public var mac: String

    enum CodingKeys: String, CodingKey { case from, sentAt = "sent_at", nonce, payload, mac }

    public init(from: Int, sentAt: HybridTimestamp, nonce: String, payload: String, mac: String) {
        self.from = from
        self.sentAt = sentAt
        self.nonce = nonce
        self.payload = payload
        self.mac = mac
    }

    /// The bytes the MAC covers: a fixed label, then every field, length-prefixed.
    var authenticatedBytes: [UInt8] {
        var writer = CanonicalWriter()
        writer.string("weft-mesh-state-v1")
        writer.int(Int64(from))
        writer.timestamp(sentAt)
        writer.string(nonce)
        writer.string(payload)
        return writer.bytes
    }
}

/// Why a state message was refused; nothing of a refused message is applied.
public enum MeshRefusal: String, Error, Sendable, CaseIterable, Codable {
    case unknownController = "unknown_controller"
    case badSignature = "bad_signature"
    case replayed
    case stale
    case futureClock = "future_clock"
    case malformed
}

/// The keys of the mesh: each controller's key is derived (HKDF-SHA256) from the keyset
/// secret every controller of the mesh holds and the controller's peering id, so only a
/// holder of the keyset can speak for a controller, and a message names who sent it.
public struct MeshKeys: Sendable {
    let keys: [Int: SymmetricKey]

    public init(keysetSecret: [UInt8], controllers: [Int]) {
        var keys: [Int: SymmetricKey] = [:]
        for id in controllers { keys[id] = Self.derive(keysetSecret: keysetSecret, controller: id) }
        self.keys = keys
    }

    public static func derive(keysetSecret: [UInt8], controller: Int) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: keysetSecret),
                               salt: Array("weft-mesh-state".utf8),
                               info: Array("controller:\(controller)".utf8), outputByteCount: 32)
    }

    public func key(_ controller: Int) -> SymmetricKey? { keys[controller] }
}

/// Signs outgoing and verifies incoming messages for one controller; remembers the nonces
/// of the replay window and counts refusals by reason.
public struct MeshAuthenticator: Sendable {
    /// Replaced when the keyset or the topology changes; the replay window stays.
    public var keys: MeshKeys
    /// A message whose timestamp is older than this (relative to our physical clock) is refused.
    public let windowMillis: Int64
    /// A message more than this far ahead of our physical clock is refused.
    public let maximumDriftMillis: Int64
    /// nonce → wall millis of its message, kept while inside the window.
    private var seen: [String: Int64] = [:]
    public private(set) var refusals: [MeshRefusal: Int] = [:]

    public init(keys: MeshKeys, windowMillis: Int64 = 300_000, maximumDriftMillis: Int64 = 60_000) {
        self.keys = keys
        self.windowMillis = windowMillis
        self.maximumDriftMillis = maximumDriftMillis
    }

    public func seal(payload: String, from controller: Int, at stamp: HybridTimestamp, nonce: [UInt8]) -> MeshEnvelope? {
        guard let key = keys.key(controller) else { return nil }
        var envelope = MeshEnvelope(from: controller, sentAt: stamp, nonce: Hex.encode(nonce), payload: payload, mac: "")
        envelope.mac = Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: envelope.authenticatedBytes, using: key)))
        return envelope
    }

    public func seal(payload: String, from controller: Int, at stamp: HybridTimestamp) -> MeshEnvelope? {
        seal(payload: payload, from: controller, at: stamp, nonce: (0..<16).map { _ in UInt8.random(in: 0...255) })
    }

    /// Verifies `envelope` at our physical clock `physical`; returns its payload or throws
    /// (and counts) the refusal. The nonce is remembered only for a message that verified.
    public mutating func open(_ envelope: MeshEnvelope, physical: Int64) throws(MeshRefusal) -> String {
        do {
            let payload = try verify(envelope, physical: physical)
            seen = seen.filter { $0.value >= physical - windowMillis }
            seen[envelope.nonce] = envelope.sentAt.wallMillis
            return payload
        } catch {
            refusals[error, default: 0] += 1
            throw error
        }
    }

    private func verify(_ envelope: MeshEnvelope, physical: Int64) throws(MeshRefusal) -> String {
        guard let key = keys.key(envelope.from) else { throw .unknownController }
        guard let mac = Self.decodeHex(envelope.mac), mac.count == 32, envelope.nonce.count >= 16 else { throw .malformed }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: envelope.authenticatedBytes, using: key) else {
            throw .badSignature
        }
        if envelope.sentAt.wallMillis > physical + maximumDriftMillis { throw .futureClock }
        if envelope.sentAt.wallMillis < physical - windowMillis { throw .stale }
        if seen[envelope.nonce] != nil { throw .replayed }
        return envelope.payload
    }

    public var refusalTotal: Int { refusals.values.reduce(0, +) }

    static func decodeHex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

/// The JSON of a payload, with sorted keys so equal states send equal bytes.
public enum MeshPayload {
    public static func encode(_ state: MeshState) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(state), as: UTF8.self)
    }

    public static func decodeState(_ payload: String) throws(MeshRefusal) -> MeshState {
        do { return try JSONDecoder().decode(MeshState.self, from: Data(payload.utf8)) } catch { throw .malformed }
    }
}
