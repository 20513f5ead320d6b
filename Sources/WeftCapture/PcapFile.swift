import Foundation

/// Reads the framing of a classic pcap file (not pcapng): the 24-byte header and the
/// 16-byte record headers. Used to count the packets of a file left by an earlier run
/// and to cut a file to its complete records.
public enum PcapFile {
    public struct Summary: Sendable, Equatable {
        public var linkType: LinkType
        public var records: Int
        /// Bytes up to the end of the last complete record.
        public var completeBytes: Int

        public init(linkType: LinkType, records: Int, completeBytes: Int) {
            self.linkType = linkType
            self.records = records
            self.completeBytes = completeBytes
        }
    }

    /// nil when the data does not start with a pcap header.
    public static func summarize(_ data: some RandomAccessCollection<UInt8>) -> Summary? {
        let bytes = Array(data.prefix(24))
        guard bytes.count == 24 else { return nil }
        let magic = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        let bigEndian: Bool
        switch magic {
        case 0xA1B2_C3D4, 0xA1B2_3C4D: bigEndian = true
        case 0xD4C3_B2A1, 0x4D3C_B2A1: bigEndian = false
        default: return nil
        }
        func u32(_ start: Int, _ slice: [UInt8]) -> Int {
            let b = slice[start..<start + 4].map(Int.init)
            return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
        }
        var summary = Summary(linkType: LinkType(rawValue: Int32(truncatingIfNeeded: u32(20, bytes) & 0x0FFF_FFFF)),
                              records: 0, completeBytes: 24)
        var offset = data.index(data.startIndex, offsetBy: 24)
        while data.distance(from: offset, to: data.endIndex) >= 16 {
            let header = Array(data[offset..<data.index(offset, offsetBy: 16)])
            let captured = u32(8, header)
            guard data.distance(from: offset, to: data.endIndex) >= 16 + captured else { break }
            offset = data.index(offset, offsetBy: 16 + captured)
            summary.records += 1
            summary.completeBytes += 16 + captured
        }
        return summary
    }

    /// `summarize` of a file on disk; nil when it is missing or not a pcap file.
    public static func summarize(path: String) -> Summary? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return summarize([UInt8](data))
    }
}
