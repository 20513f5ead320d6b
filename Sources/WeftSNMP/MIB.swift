/// Supplies the objects the agent serves.
public protocol SNMPDataSource: Sendable {
    /// A consistent snapshot of every served object instance, in any order. Called once per
    /// request at most; the agent may reuse it for up to its cache lifetime (1 s by default).
    func snapshot() -> [(OID, SNMPValue)]
}

/// A snapshot sorted by OID, so that GET is a binary search and GETNEXT/GETBULK walk in
/// lexicographic order. Exceptions in the input are dropped; of duplicate OIDs the first wins.
public struct MIBView: Sendable {
    public let oids: [OID]
    public let values: [SNMPValue]
    /// The OIDs of object types (an instance OID without its last arc): a GET below one of
    /// these answers noSuchInstance rather than noSuchObject. Every object this module
    /// serves has a one-arc instance part (`.0` for scalars, ifIndex for the tables).
    let objects: Set<OID>

    public init(_ entries: [(OID, SNMPValue)]) {
        let sorted = entries.enumerated()
            .filter { !$0.element.1.isException }
            .sorted { $0.element.0 < $1.element.0 || ($0.element.0 == $1.element.0 && $0.offset < $1.offset) }
        var oids: [OID] = []
        var values: [SNMPValue] = []
        oids.reserveCapacity(sorted.count)
        values.reserveCapacity(sorted.count)
        for (_, (oid, value)) in sorted where oids.last != oid {
            oids.append(oid)
            values.append(value)
        }
        self.oids = oids
        self.values = values
        self.objects = Set(oids.compactMap { $0.count > 1 ? $0.dropLast() : nil })
    }

    public var count: Int { oids.count }

    /// The value at exactly `oid`.
    public func value(at oid: OID) -> SNMPValue? {
        let i = firstIndex(notBefore: oid)
        return i < oids.count && oids[i] == oid ? values[i] : nil
    }

    /// The first object after `oid` in lexicographic order; with `v1`, skipping the values
    /// SNMPv1 cannot carry (Counter64).
    public func next(after oid: OID, v1: Bool = false) -> VarBind? {
        var i = firstIndex(notBefore: oid)
        if i < oids.count && oids[i] == oid { i += 1 }
        while i < oids.count {
            if !v1 || values[i].isRepresentableInV1 { return VarBind(oids[i], values[i]) }
            i += 1
        }
        return nil
    }

    /// What a v2c GET answers for `oid`: its value, or noSuchInstance below a known object
    /// type, or noSuchObject.
    public func get(_ oid: OID) -> SNMPValue {
        if let value = value(at: oid) { return value }
        var prefix = oid.arcs
        while prefix.count > 1 {
            prefix.removeLast()
            if objects.contains(OID(prefix)) { return .noSuchInstance }
        }
        return .noSuchObject
    }

    /// The index of the first OID ≥ `oid`.
    func firstIndex(notBefore oid: OID) -> Int {
        var low = 0, high = oids.count
        while low < high {
            let mid = (low + high) / 2
            if oids[mid] < oid { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
