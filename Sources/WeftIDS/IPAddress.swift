/// An IPv4 or IPv6 address. IPv4 addresses are kept in the low 32 bits of `lo`.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var hi: UInt64
    public var lo: UInt64
    public var isV6: Bool

    public init(v4: UInt32) { hi = 0; lo = UInt64(v4); isV6 = false }
    public init(hi: UInt64, lo: UInt64) { self.hi = hi; self.lo = lo; isV6 = true }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.isV6 != b.isV6 { return !a.isV6 }
        return (a.hi, a.lo) < (b.hi, b.lo)
    }

    /// Parses dotted IPv4 or RFC 4291 IPv6 text.
    public init?(_ text: Substring) {
        if text.contains(":") {
            guard let v = IPAddress.parseV6(text) else { return nil }
            self = v
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var v: UInt32 = 0
            for p in parts {
                guard !p.isEmpty, p.count <= 3, let b = UInt32(p), b <= 255 else { return nil }
                v = v << 8 | b
            }
            self.init(v4: v)
        }
    }

    public init?(_ text: String) { self.init(Substring(text)) }

    private static func parseV6(_ text: Substring) -> IPAddress? {
        var groups: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func parseGroups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let items = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, item) in items.enumerated() {
                if item.contains("."), i == items.count - 1 {
                    guard let v4 = IPAddress(item), !v4.isV6 else { return nil }
                    out.append(UInt16(v4.lo >> 16 & 0xffff)); out.append(UInt16(v4.lo & 0xffff))
                } else {
                    guard item.count >= 1, item.count <= 4, let g = UInt16(item, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let first = parseGroups(halves[0]) else { return nil }
        groups = first
        if halves.count == 2 {
            sawGap = true
            guard let second = parseGroups(halves[1]) else { return nil }
            tail = second
        }
        let total = groups.count + tail.count
        if sawGap { guard total <= 7 else { return nil } } else { guard total == 8 else { return nil } }
        let all = groups + Array(repeating: 0, count: 8 - total) + tail
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(all[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(all[i]) }
        return IPAddress(hi: hi, lo: lo)
    }

    /// How Suricata prints addresses in fast.log and EVE: dotted quad for IPv4, and for IPv6
    /// all eight groups with their leading zeros ("Format IPv6 without deleting zeroes").
    public var suricataText: String {
        guard isV6 else { return description }
        var groups: [String] = []
        for v in [hi, lo] {
            for shift in stride(from: 48, through: 0, by: -16) {
                let h = String(UInt16(truncatingIfNeeded: v >> UInt64(shift)), radix: 16)
                groups.append(String(repeating: "0", count: 4 - h.count) + h)
            }
        }
        return groups.joined(separator: ":")
    }

    /// Dotted quad for IPv4; the compressed RFC 5952 form for IPv6.
    public var description: String {
        if !isV6 {
            let v = UInt32(truncatingIfNeeded: lo)
            return "\(v >> 24).\(v >> 16 & 255).\(v >> 8 & 255).\(v & 255)"
        }
        var g: [UInt16] = []
        for i in stride(from: 48, through: 0, by: -16) { g.append(UInt16(truncatingIfNeeded: hi >> UInt64(i))) }
        for i in stride(from: 48, through: 0, by: -16) { g.append(UInt16(truncatingIfNeeded: lo >> UInt64(i))) }
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        func hex(_ r: Range<Int>) -> String { r.map { String(g[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLen)..<8)
    }
}

/// An address block: an address and a prefix length.
public struct CIDR: Hashable, Sendable {
    public var address: IPAddress
    public var prefix: Int

    public init(address: IPAddress, prefix: Int) { self.address = address; self.prefix = prefix }

    public init?(_ text: Substring) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let a = IPAddress(first) else { return nil }
        let maxPrefix = a.isV6 ? 128 : 32
        var p = maxPrefix
        if parts.count == 2 {
            if let n = Int(parts[1]), n >= 0, n <= maxPrefix { p = n }
            else if !a.isV6, let mask = IPAddress(parts[1]), !mask.isV6 {
                p = UInt32(truncatingIfNeeded: mask.lo).nonzeroBitCount
            } else { return nil }
        }
        address = a; prefix = p
    }

    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.isV6 == address.isV6 else { return false }
        if !ip.isV6 {
            if prefix == 0 { return true }
            let mask: UInt64 = (0xffff_ffff << UInt64(32 - prefix)) & 0xffff_ffff
            return ip.lo & mask == address.lo & mask
        }
        func masked(_ v: IPAddress) -> (UInt64, UInt64) {
            if prefix == 0 { return (0, 0) }
            if prefix <= 64 { return (v.hi & (UInt64.max << UInt64(64 - prefix)), 0) }
            if prefix == 128 { return (v.hi, v.lo) }
            return (v.hi, v.lo & (UInt64.max << UInt64(128 - prefix)))
        }
        return masked(ip) == masked(address)
    }
}
