import Crypto
import WeftModel

/// The key state of the whole mesh: every clientpack's record by overlay address, and the
/// keyset checksum. A state-based CRDT: `merged` is commutative, associative and idempotent,
/// so controllers that have received the same writes, in any order and any number of
/// times, hold the same state and the same digest.
public struct MeshState: Sendable, Equatable, Codable {
    public var packs: [String: PackRecord]
    public var keysetChecksum: Register<Text>?

    public init(packs: [String: PackRecord] = [:], keysetChecksum: Register<Text>? = nil) {
        self.packs = packs
        self.keysetChecksum = keysetChecksum
    }

    public func merged(_ other: Self) -> Self {
        var out = self
        out.merge(other)
        return out
    }

    public mutating func merge(_ other: Self) {
        for (address, record) in other.packs {
            packs[address] = packs[address].map { $0.merged(record) } ?? record
        }
        keysetChecksum = WeftMesh.merge(keysetChecksum, other.keysetChecksum)
    }

    /// A local write, stamped with `clock`.
    public mutating func apply(_ change: PackChange, to address: String, clock: inout HybridClock, physical: Int64) {
        let stamp = clock.now(physical: physical)
        packs[address, default: PackRecord()].apply(change, at: stamp)
    }

    /// The addresses whose record differs between `self` and `other` (after merging both
    /// ways they would be equal).
    public func changedPacks(comparedTo other: Self) -> [String] {
        Set(packs.keys).union(other.packs.keys).filter { packs[$0] != other.packs[$0] }.sorted()
    }

    // MARK: - Digests for anti-entropy

    public static func digest(of record: PackRecord, address: String) -> String {
        var writer = CanonicalWriter()
        writer.string(address)
        record.encode(into: &writer)
        return Hex.encode(Array(SHA256.hash(data: writer.bytes)))
    }

    /// SHA-256 per pack, hex.
    public var packDigests: [String: String] {
        Dictionary(uniqueKeysWithValues: packs.map { ($0.key, Self.digest(of: $0.value, address: $0.key)) })
    }

    /// SHA-256 over the sorted (address, pack digest) pairs and the keyset checksum register.
    public var digest: String {
        var writer = CanonicalWriter()
        let digests = packDigests
        writer.int(Int64(digests.count))
        for address in digests.keys.sorted() {
            writer.string(address)
            writer.string(digests[address]!)
        }
        if let keysetChecksum { writer.tag(1); keysetChecksum.encode(into: &writer) } else { writer.tag(0) }
        return Hex.encode(Array(SHA256.hash(data: writer.bytes)))
    }

    /// What a peer that sent `remoteDigests` lacks or holds differently: the packs whose
    /// digest differs from (or is absent in) the peer's. The reply of a digest exchange.
    public func packs(differingFrom remoteDigests: [String: String]) -> MeshState {
        let local = packDigests
        return MeshState(packs: packs.filter { remoteDigests[$0.key] != local[$0.key] }, keysetChecksum: keysetChecksum)
    }

    /// Every pack as the data plane enforces it.
    public var clientpackStates: ClientpackStates {
        ClientpackStates(byAddress: packs.mapValues(\.state))
    }

    /// Every serial the data plane refuses, of every pack.
    public var refusedSerials: Set<String> { packs.values.reduce(into: []) { $0.formUnion($1.refusedSerials) } }
}
