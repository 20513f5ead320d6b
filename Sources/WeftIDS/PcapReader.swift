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

/// Reads classic pcap files (either byte order, microsecond or nanosecond stamps).
/// pcapng is recognised and refused with a clear error.
public struct PcapReader: Sendable {
    public let linkType: LinkType
    public let bigEndian: Bool
    public let nanosecond: Bool
    private let bytes: [UInt8]
    private var offset = 24

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IDSError(.io, "cannot read pcap file \(path)")
        }
        try self.init(bytes: [UInt8](data))
    }

    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 24 else { throw IDSError(.pcapFormat, "pcap file is shorter than its 24-byte header") }
        let magicLE = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        switch magicLE {
        case 0xa1b2c3d4: bigEndian = false; nanosecond = false
        case 0xd4c3b2a1: bigEndian = true; nanosecond = false
        case 0xa1b23c4d: bigEndian = false; nanosecond = true
        case 0x4d3cb2a1: bigEndian = true; nanosecond = true
        case 0x0a0d0d0a: throw IDSError(.pcapUnsupported, "pcapng files are not read yet; convert with `editcap -F pcap in.pcapng out.pcap`")
        default: throw IDSError(.pcapFormat, "not a pcap file (magic 0x\(String(magicLE, radix: 16)))")
        }
        self.bytes = bytes
        let lt = PcapReader.u32(bytes, 20, bigEndian) & 0x0fff_ffff
        guard let t = LinkType(rawValue: lt) else { throw IDSError(.pcapUnsupported, "pcap link type \(lt) is not supported") }
        linkType = t
    }

    static func u32(_ b: [UInt8], _ o: Int, _ be: Bool) -> UInt32 {
        if be { return UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3]) }
        return UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    /// The next record, nil at the end. A truncated last record ends the file quietly.
    public mutating func next() -> PcapRecord? {
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
}
