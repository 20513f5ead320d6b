/// An SNMP object identifier: a sequence of unsigned 32-bit arcs, ordered lexicographically
/// (arc by arc; a prefix sorts before its extensions), which is the order GETNEXT walks.
public struct OID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// RFC 3416: an OID has at most 128 sub-identifiers.
    public static let maxArcs = 128

    public let arcs: [UInt32]

    public init(_ arcs: [UInt32]) { self.arcs = arcs }

    public init(arrayLiteral arcs: UInt32...) { self.arcs = arcs }

    /// Parses dotted text, with or without a leading dot: `1.3.6.1.2.1` or `.1.3.6.1.2.1`.
    public init?(_ text: String) {
        var body = Substring(text)
        if body.hasPrefix(".") { body = body.dropFirst() }
        guard !body.isEmpty else { return nil }
        var arcs: [UInt32] = []
        for part in body.split(separator: ".", omittingEmptySubsequences: false) {
            guard let arc = UInt32(part), arcs.count < OID.maxArcs else { return nil }
            arcs.append(arc)
        }
        self.arcs = arcs
    }

    public var count: Int { arcs.count }

    /// This OID followed by `more`.
    public func appending(_ more: UInt32...) -> OID { OID(arcs + more) }

    public func appending(_ more: [UInt32]) -> OID { OID(arcs + more) }

    public static func + (lhs: OID, rhs: [UInt32]) -> OID { OID(lhs.arcs + rhs) }

    /// True when `prefix` is this OID or one of its ancestors.
    public func hasPrefix(_ prefix: OID) -> Bool {
        prefix.arcs.count <= arcs.count && arcs.starts(with: prefix.arcs)
    }

    /// This OID without its last `k` arcs.
    public func dropLast(_ k: Int = 1) -> OID { OID(Array(arcs.dropLast(k))) }

    public static func < (lhs: OID, rhs: OID) -> Bool {
        let a = lhs.arcs, b = rhs.arcs
        let n = min(a.count, b.count)
        var i = 0
        while i < n {
            if a[i] != b[i] { return a[i] < b[i] }
            i += 1
        }
        return a.count < b.count
    }

    public var description: String { arcs.map(String.init).joined(separator: ".") }
}
