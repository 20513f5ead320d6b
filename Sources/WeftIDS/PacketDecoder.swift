/// Decodes link layer, IPv4/IPv6 and TCP/UDP/ICMP. Every read is bounds-checked:
/// a truncated or malformed frame yields nil (or a packet without L4), never a crash.
public enum PacketDecoder {
    public static func decode(_ frame: [UInt8], linkType: LinkType) -> Packet? {
        var p = Packet()
        var o = 0
        var etherType: UInt16
        let b = frame
        func u16(_ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
        switch linkType {
        case .ethernet:
            guard b.count >= 14 else { return nil }
            etherType = u16(12); o = 14
            if etherType == 0x8100 {
                guard b.count >= 18 else { return nil }
                p.vlan = u16(14) & 0x0fff
                etherType = u16(16); o = 18
            }
        case .linuxSLL:
            guard b.count >= 16 else { return nil }
            etherType = u16(14); o = 16
            if etherType == 0x8100 {
                guard b.count >= 20 else { return nil }
                p.vlan = u16(16) & 0x0fff
                etherType = u16(18); o = 20
            }
        case .null:
            guard b.count >= 4 else { return nil }
            let le = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
            let be = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
            let family = le < 256 ? le : be
            o = 4
            switch family {
            case 2: etherType = 0x0800
            case 24, 28, 30: etherType = 0x86dd
            default: return nil
            }
        case .raw, .ipv4, .ipv6:
            guard b.count >= 1 else { return nil }
            etherType = b[0] >> 4 == 6 ? 0x86dd : 0x0800
        }
        switch etherType {
        case 0x0800: return decodeIPv4(b, o, &p) ? p : nil
        case 0x86dd: return decodeIPv6(b, o, &p) ? p : nil
        default: return nil
        }
    }

    static func decodeIPv4(_ b: [UInt8], _ o: Int, _ p: inout Packet) -> Bool {
        guard b.count >= o + 20, b[o] >> 4 == 4 else { return false }
        let ihl = Int(b[o] & 0x0f) * 4
        guard ihl >= 20, b.count >= o + ihl else { return false }
        var total = Int(UInt16(b[o + 2]) << 8 | UInt16(b[o + 3]))
        // Trailing Ethernet padding is not payload; a bad total length falls back to the frame.
        if total < ihl || o + total > b.count { total = b.count - o }
        p.ipVersion = 4
        p.ttl = b[o + 8]
        p.proto = b[o + 9]
        p.src = IPAddress(v4: UInt32(b[o + 12]) << 24 | UInt32(b[o + 13]) << 16 | UInt32(b[o + 14]) << 8 | UInt32(b[o + 15]))
        p.dst = IPAddress(v4: UInt32(b[o + 16]) << 24 | UInt32(b[o + 17]) << 16 | UInt32(b[o + 18]) << 8 | UInt32(b[o + 19]))
        let fragOff = (UInt16(b[o + 6]) << 8 | UInt16(b[o + 7])) & 0x1fff
        if fragOff != 0 { return true }  // non-first fragment: no L4 header
        decodeL4(b, o + ihl, o + total, &p)
        return true
    }

    static func decodeIPv6(_ b: [UInt8], _ o: Int, _ p: inout Packet) -> Bool {
        guard b.count >= o + 40, b[o] >> 4 == 6 else { return false }
        p.ipVersion = 6
        var plen = Int(UInt16(b[o + 4]) << 8 | UInt16(b[o + 5]))
        if o + 40 + plen > b.count { plen = b.count - o - 40 }
        var next = b[o + 6]
        p.ttl = b[o + 7]
        func u64(_ i: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(b[i + $1]) } }
        p.src = IPAddress(hi: u64(o + 8), lo: u64(o + 16))
        p.dst = IPAddress(hi: u64(o + 24), lo: u64(o + 32))
        var h = o + 40
        let end = o + 40 + plen
        // Skip extension headers: hop-by-hop, routing, destination options.
        var guardCount = 0
        while [0, 43, 60].contains(next), guardCount < 8 {
            guard h + 8 <= end else { p.proto = next; return true }
            let len = (Int(b[h + 1]) + 1) * 8
            next = b[h]; h += len; guardCount += 1
        }
        if next == 44 { p.proto = next; return true }  // fragment: out of scope
        p.proto = next
        guard h <= end else { return true }
        decodeL4(b, h, end, &p)
        return true
    }

    static func decodeL4(_ b: [UInt8], _ o: Int, _ end: Int, _ p: inout Packet) {
        func u16(_ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
        func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) << 16 | UInt32(u16(i + 2)) }
        switch p.proto {
        case IPProto.tcp:
            guard end - o >= 20 else { return }
            let off = Int(b[o + 12] >> 4) * 4
            guard off >= 20, o + off <= end else { return }
            p.srcPort = u16(o); p.dstPort = u16(o + 2)
            p.seq = u32(o + 4); p.ack = u32(o + 8)
            p.tcpFlags = b[o + 13]
            p.payload = Array(b[(o + off)..<end])
            p.l4Valid = true
        case IPProto.udp:
            guard end - o >= 8 else { return }
            p.srcPort = u16(o); p.dstPort = u16(o + 2)
            var len = Int(u16(o + 4))
            if len < 8 || o + len > end { len = end - o }
            p.payload = Array(b[(o + 8)..<(o + len)])
            p.l4Valid = true
        case IPProto.icmp, IPProto.icmpv6:
            guard end - o >= 4 else { return }
            p.icmpType = b[o]; p.icmpCode = b[o + 1]
            p.payload = end - o > 8 ? Array(b[(o + 8)..<end]) : []
            p.l4Valid = true
        default:
            p.payload = o < end ? Array(b[o..<end]) : []
        }
    }
}
