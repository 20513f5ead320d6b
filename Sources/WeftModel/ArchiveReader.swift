/// Reads what `Archive.tarGz` writes: a gzip member with stored deflate blocks around a
/// ustar archive. Every length is checked against the data; the gzip CRC and size
/// trailer must match; anything else (another compression method, a truncated file)
/// throws `ArchiveError`, never traps.
public struct ArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Archive {
    public static func readTarGz(_ bytes: [UInt8], limit: Int = 256 << 20) throws -> [File] {
        try readTar(gunzipStored(bytes, limit: limit))
    }

    static func gunzipStored(_ bytes: [UInt8], limit: Int) throws -> [UInt8] {
        guard bytes.count >= 18, bytes[0] == 0x1F, bytes[1] == 0x8B else { throw ArchiveError("not a gzip file") }
        guard bytes[2] == 8 else { throw ArchiveError("unknown gzip compression method \(bytes[2])") }
        let flags = bytes[3]
        var offset = 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard offset + 2 <= bytes.count else { throw ArchiveError("truncated gzip header") }
            offset += 2 + Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
        }
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while offset < bytes.count && bytes[offset] != 0 { offset += 1 }
            offset += 1
        }
        if flags & 0x02 != 0 { offset += 2 }  // FHCRC
        var output: [UInt8] = []
        while true {
            guard offset + 5 <= bytes.count else { throw ArchiveError("truncated archive") }
            let header = bytes[offset]
            guard header & 0x06 == 0 else {
                throw ArchiveError("compressed deflate blocks are not read; this is not a Weft snapshot as written")
            }
            let length = Int(bytes[offset + 1]) | Int(bytes[offset + 2]) << 8
            let check = Int(bytes[offset + 3]) | Int(bytes[offset + 4]) << 8
            guard length == ~check & 0xFFFF else { throw ArchiveError("corrupt block length") }
            offset += 5
            guard offset + length <= bytes.count else { throw ArchiveError("truncated archive") }
            guard output.count + length <= limit else { throw ArchiveError("archive larger than \(limit) bytes") }
            output += bytes[offset..<offset + length]
            offset += length
            if header & 1 == 1 { break }
        }
        guard offset + 8 <= bytes.count else { throw ArchiveError("truncated archive (no trailer)") }
        let crc = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        let size = UInt32(bytes[offset + 4]) | UInt32(bytes[offset + 5]) << 8 | UInt32(bytes[offset + 6]) << 16 | UInt32(bytes[offset + 7]) << 24
        guard crc == crc32(output), size == UInt32(output.count & 0xFFFF_FFFF) else { throw ArchiveError("archive checksum (CRC-32) does not match: corrupted") }
        return output
    }

    static func readTar(_ tar: [UInt8]) throws -> [File] {
        var files: [File] = []
        var offset = 0
        while offset + 512 <= tar.count {
            let header = tar[offset..<offset + 512]
            if header.allSatisfy({ $0 == 0 }) { return files }
            func field(_ start: Int, _ width: Int) -> String {
                let slice = header[offset + start..<offset + start + width]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            }
            let name = field(0, 100)
            let sizeText = field(124, 12).trimmingSpaces
            guard !name.isEmpty, let size = Int(sizeText, radix: 8), size >= 0 else { throw ArchiveError("corrupt tar header") }
            let stored = Int(field(148, 8).trimmingSpaces, radix: 8)
            var sum = 0
            for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 32 : Int(byte) }
            guard stored == sum else { throw ArchiveError("tar header checksum does not match: corrupted") }
            let start = offset + 512
            guard start + size <= tar.count else { throw ArchiveError("truncated tar entry \(name)") }
            files.append(File(name: name, bytes: Array(tar[start..<start + size])))
            offset = start + (size + 511) / 512 * 512
        }
        throw ArchiveError("truncated tar archive")
    }
}

extension String {
    var trimmingSpaces: String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " || $0 == "\0" }.reversed())
    }
}
