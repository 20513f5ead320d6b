/// A deterministic byte encoding for digests and tie-breaks: fixed-width big-endian integers,
/// length-prefixed UTF-8 strings, maps in sorted key order. Two equal values always encode
/// to the same bytes on every controller.
public struct CanonicalWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func tag(_ value: UInt8) { bytes.append(value) }

    public mutating func int(_ value: Int64) {
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    public mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        int(Int64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func timestamp(_ stamp: HybridTimestamp) {
        int(stamp.wallMillis)
        int(Int64(stamp.counter))
        int(Int64(stamp.controller))
    }
}

/// A value one register holds: its canonical bytes, and its rank when two writes carry the
/// same logical instant (higher wins: a disable beats an enable, an earlier expiry a later one).
public protocol MeshValue: Sendable, Equatable, Codable {
    func encode(into writer: inout CanonicalWriter)
    var tieRank: Int { get }
}

extension MeshValue {
    public var tieRank: Int { 0 }
    public var canonicalBytes: [UInt8] {
        var writer = CanonicalWriter()
        encode(into: &writer)
        return writer.bytes
    }
}

/// `enabled`: false wins a tie.
public struct EnabledFlag: MeshValue {
    public var enabled: Bool
    public init(_ enabled: Bool) { self.enabled = enabled }
    public func encode(into writer: inout CanonicalWriter) { writer.bool(enabled) }
    public var tieRank: Int { enabled ? 0 : 1 }
}

public struct Flag: MeshValue {
    public var value: Bool
    public init(_ value: Bool) { self.value = value }
    public func encode(into writer: inout CanonicalWriter) { writer.bool(value) }
}

public struct Text: MeshValue {
    public var value: String
    public init(_ value: String) { self.value = value }
    public func encode(into writer: inout CanonicalWriter) { writer.string(value) }
}

public struct Tags: MeshValue {
    public var value: [String: String]
    public init(_ value: [String: String]) { self.value = value }
    public func encode(into writer: inout CanonicalWriter) {
        writer.int(Int64(value.count))
        for key in value.keys.sorted() {
            writer.string(key)
            writer.string(value[key]!)
        }
    }
}

/// Unix seconds or never; the earlier expiry wins a tie (never is the latest).
public struct Expiry: MeshValue {
    public var value: Int?
    public init(_ value: Int?) { self.value = value }
    public func encode(into writer: inout CanonicalWriter) {
        if let value { writer.tag(1); writer.int(Int64(value)) } else { writer.tag(0) }
    }
    public var tieRank: Int { value.map { Int.max / 2 - min($0, Int.max / 4) } ?? 0 }
}

/// The pack's key generation, the serial of its current certificate and the key material
/// itself, sealed (`KeyMaterial.sealed`; empty when the write carried none), so every
/// controller of the mesh serves and admits the same key.
public struct KeyGeneration: MeshValue {
    public var generation: Int
    public var serial: String
    public var sealed: String
    public init(generation: Int, serial: String, sealed: String = "") {
        self.generation = generation
        self.serial = serial
        self.sealed = sealed
    }
    enum CodingKeys: String, CodingKey { case generation, serial, sealed }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        generation = try container.decode(Int.self, forKey: .generation)
        serial = try container.decode(String.self, forKey: .serial)
        sealed = try container.decodeIfPresent(String.self, forKey: .sealed) ?? ""
    }
    public func encode(into writer: inout CanonicalWriter) {
        writer.int(Int64(generation))
        writer.string(serial)
        writer.string(sealed)
    }
}
