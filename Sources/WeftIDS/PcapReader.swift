import Foundation

/// One captured frame: its link type, time stamp and bytes.
public struct PcapRecord: Sendable {
    public var seconds: UInt32
    public var microseconds: UInt32
    public var data: [UInt8]
}

/// Link types this engine decodes (the pcap LINKTYPE_ values).
public enum LinkType: UInt32, Sendable {
    case null = 0
    case ethernet = 1
    case raw = 101
    case linuxSLL = 113
    case ipv4 = 228
    case ipv6 = 229
}

/// Reads classic pcap files (either byte order, microsecond or nanosecond stamps) and
/// pcapng files (section header, interface description, enhanced and simple packet blocks;
/// all interfaces must share one link type).
public struct PcapReader: Sendable {
    public private(set) var linkType: LinkType
    public let bigEndian: Bool
    public let nanosecond: Bool
    public let isPcapng: Bool
    private let bytes: [UInt8]
    private var offset = 24
    /// pcapng: per interface, link type and time-stamp units per second.
    private var interfaces: [(link: UInt32, unitsPerSecond: UInt64)] = []
    private var ngBigEndian = false

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IDSError(.io, "cannot read pcap file \(path)")
        }
        try self.init(bytes: [UInt8](data))
    }

    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 24 else { throw IDSError(.pcapFormat, "pcap file is shorter than its 24-byte header") }
        let magicLE = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        self.bytes = bytes
        if magicLE == 0x0a0d_0d0a {
            isPcapng = true; bigEndian = false; nanosecond = false
            linkType = .ethernet
            offset = 0
            try readPcapngHeaders()
            return
        }
        isPcapng = false
        switch magicLE {
        case 0xa1b2c3d4: bigEndian = false; nanosecond = false
        case 0xd4c3b2a1: bigEndian = true; nanosecond = false
        case 0xa1b23c4d: bigEndian = false; nanosecond = true
        case 0x4d3cb2a1: bigEndian = true; nanosecond = true
        default: throw IDSError(.pcapFormat, "not a pcap or pcapng file (magic 0x\(String(magicLE, radix: 16)))")
        }
        let lt = PcapReader.u32(bytes, 20, bigEndian) & 0x0fff_ffff
        guard let t = LinkType(rawValue: lt) else { throw IDSError(.pcapUnsupported, "pcap link type \(lt) is not supported") }
        linkType = t
    }

    static func u32(_ b: [UInt8], _ o: Int, _ be: Bool) -> UInt32 {
        if be { return UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3]) }
        return UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    static func u16(_ b: [UInt8], _ o: Int, _ be: Bool) -> UInt16 {
        be ? UInt16(b[o]) << 8 | UInt16(b[o + 1]) : UInt16(b[o]) | UInt16(b[o + 1]) << 8
    }

    /// The next record, nil at the end. A truncated last record ends the file quietly.
    public mutating func next() -> PcapRecord? {
        if isPcapng { return nextPcapng() }
        guard offset + 16 <= bytes.count else { return nil }
        let sec = PcapReader.u32(bytes, offset, bigEndian)
        var sub = PcapReader.u32(bytes, offset + 4, bigEndian)
        let incl = Int(PcapReader.u32(bytes, offset + 8, bigEndian))
        let start = offset + 16
        guard incl <= 0x0400_0000, start + incl <= bytes.count else { offset = bytes.count; return nil }
        if nanosecond { sub /= 1000 }
        offset = start + incl
        return PcapRecord(seconds: sec, microseconds: sub, data: Array(bytes[start..<start + incl]))
    }

    // MARK: pcapng

    /// Reads blocks up to the first packet block, so the link type is known.
    private mutating func readPcapngHeaders() throws {
        var probe = self
        while let (type, body, next) = probe.block() {
            if type == 0x0000_0006 || type == 0x0000_0003 { break }
            probe.handleHeaderBlock(type, body)
            probe.offset = next
        }
        guard let first = probe.interfaces.first else {
            throw IDSError(.pcapFormat, "pcapng file has no interface description block")
        }
        guard probe.interfaces.allSatisfy({ $0.link == first.link }), let t = LinkType(rawValue: first.link) else {
            throw IDSError(.pcapUnsupported, "pcapng link type \(first.link) is not supported (or interfaces differ)")
        }
        linkType = t
    }

    /// (block type, body range start..end, offset of the next block), or nil at the end or on a bad block.
    private func block() -> (UInt32, Range<Int>, Int)? {
        guard offset + 12 <= bytes.count else { return nil }
        var be = ngBigEndian
        let rawType = PcapReader.u32(bytes, offset, false)
        if rawType == 0x0a0d_0d0a, offset + 12 <= bytes.count {
            let magic = PcapReader.u32(bytes, offset + 8, false)
            be = magic == 0x4d3c_2b1a
        }
        let type = PcapReader.u32(bytes, offset, be)
        let len = Int(PcapReader.u32(bytes, offset + 4, be))
        guard len >= 12, len % 4 == 0, offset + len <= bytes.count else { return nil }
        return (type, (offset + 8)..<(offset + len - 4), offset + len)
    }

    private mutating func handleHeaderBlock(_ type: UInt32, _ body: Range<Int>) {
        switch type {
        case 0x0a0d_0d0a:
            ngBigEndian = body.count >= 4 && PcapReader.u32(bytes, body.lowerBound, false) == 0x4d3c_2b1a
            interfaces = []
        case 0x0000_0001:
            guard body.count >= 8 else { return }
            let link = UInt32(PcapReader.u16(bytes, body.lowerBound, ngBigEndian))
            var units: UInt64 = 1_000_000
            // Options: look for if_tsresol (9).
            var o = body.lowerBound + 8
            while o + 4 <= body.upperBound {
                let code = PcapReader.u16(bytes, o, ngBigEndian)
                let len = Int(PcapReader.u16(bytes, o + 2, ngBigEndian))
                if code == 0 { break }
                if code == 9, len >= 1, o + 4 < body.upperBound {
                    let v = bytes[o + 4]
                    let exp = UInt64(v & 0x7f)
                    if v & 0x80 != 0 { units = exp < 63 ? 1 << exp : 1_000_000 } else {
                        units = exp <= 18 ? (0..<exp).reduce(UInt64(1)) { acc, _ in acc * 10 } : 1_000_000
                    }
                }
                o += 4 + (len + 3) / 4 * 4
            }
            interfaces.append((link, max(units, 1)))
        default:
            break
        }
    }

    private mutating func nextPcapng() -> PcapRecord? {
        while let (type, body, next) = block() {
            offset = next
            switch type {
            case 0x0000_0006:
                guard body.count >= 20 else { continue }
                let ifIndex = Int(PcapReader.u32(bytes, body.lowerBound, ngBigEndian))
                let hi = UInt64(PcapReader.u32(bytes, body.lowerBound + 4, ngBigEndian))
                let lo = UInt64(PcapReader.u32(bytes, body.lowerBound + 8, ngBigEndian))
                let cap = Int(PcapReader.u32(bytes, body.lowerBound + 12, ngBigEndian))
                let start = body.lowerBound + 20
                guard cap <= body.upperBound - start else { continue }
                let units = ifIndex < interfaces.count ? interfaces[ifIndex].unitsPerSecond : 1_000_000
                let ts = hi << 32 | lo
                let sec = ts / units
                let frac = ts % units
                let micros = units >= 1_000_000 ? frac / (units / 1_000_000) : frac * (1_000_000 / units)
                return PcapRecord(seconds: UInt32(truncatingIfNeeded: sec), microseconds: UInt32(micros), data: Array(bytes[start..<start + cap]))
            case 0x0000_0003:
                guard body.count >= 4 else { continue }
                let start = body.lowerBound + 4
                let orig = Int(PcapReader.u32(bytes, body.lowerBound, ngBigEndian))
                let cap = min(orig, body.upperBound - start)
                return PcapRecord(seconds: 0, microseconds: 0, data: Array(bytes[start..<start + cap]))
            default:
                handleHeaderBlock(type, body)
            }
        }
        offset = bytes.count
        return nil
    }
}
