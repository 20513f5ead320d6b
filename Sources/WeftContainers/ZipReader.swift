/// A zip archive read from memory (a build context): the central directory, stored and
/// deflated entries, Unix modes and symlinks from the external attributes. Encrypted and
/// zip64 archives are refused. The result is tar-like entries over one buffer holding every
/// entry's content.
public enum ZipReader {
    public static func isZip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 22 && bytes[0] == 0x50 && bytes[1] == 0x4B && (bytes[2] == 3 || bytes[2] == 5)
    }

    public static func entries(_ zip: [UInt8], limit: Int) throws(ImageArchiveError) -> (data: [UInt8], entries: [TarEntry]) {
        func u16(_ at: Int) throws(ImageArchiveError) -> Int {
            guard at >= 0, at + 2 <= zip.count else { throw ImageArchiveError(.truncated, "zip archive truncated") }
            return Int(zip[at]) | Int(zip[at + 1]) << 8
        }
        func u32(_ at: Int) throws(ImageArchiveError) -> Int { try u16(at) | (try u16(at + 2)) << 16 }
        // The end of central directory record: the last signature within the final 64 KiB + 22 bytes.
        var end = -1
        var at = zip.count - 22
        while at >= max(0, zip.count - 65557) {
            if zip[at] == 0x50, zip[at + 1] == 0x4B, zip[at + 2] == 5, zip[at + 3] == 6 { end = at; break }
            at -= 1
        }
        guard end >= 0 else { throw ImageArchiveError(.corrupt, "zip archive has no central directory") }
        let count = try u16(end + 10)
        var offset = try u32(end + 16)
        guard count != 0xFFFF, offset != 0xFFFF_FFFF else { throw ImageArchiveError(.unknownFormat, "zip64 archives are not supported") }
        var data: [UInt8] = []
        var entries: [TarEntry] = []
        for _ in 0..<count {
            guard try u32(offset) == 0x0201_4B50 else { throw ImageArchiveError(.corrupt, "zip central directory entry corrupt at byte \(offset)") }
            let flags = try u16(offset + 8)
            let method = try u16(offset + 10)
            let compressed = try u32(offset + 20)
            let size = try u32(offset + 24)
            let nameLength = try u16(offset + 28)
            let extraLength = try u16(offset + 30)
            let commentLength = try u16(offset + 32)
            let external = try u32(offset + 38)
            let local = try u32(offset + 42)
            guard offset + 46 + nameLength <= zip.count else { throw ImageArchiveError(.truncated, "zip archive truncated") }
            let name = String(decoding: zip[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            offset += 46 + nameLength + extraLength + commentLength
            guard flags & 1 == 0 else { throw ImageArchiveError(.unknownFormat, "zip entry \(name.prefix(100)) is encrypted") }
            guard compressed != 0xFFFF_FFFF, size != 0xFFFF_FFFF else { throw ImageArchiveError(.unknownFormat, "zip64 archives are not supported") }
            guard try u32(local) == 0x0403_4B50 else { throw ImageArchiveError(.corrupt, "zip local header of \(name.prefix(100)) corrupt") }
            let start = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
            guard start + compressed <= zip.count else { throw ImageArchiveError(.truncated, "zip entry \(name.prefix(100)) truncated") }
            guard data.count + size <= limit else { throw ImageArchiveError(.tooLarge, "zip content larger than \(limit) bytes") }
            let raw = Array(zip[start..<(start + compressed)])
            let content: [UInt8]
            switch method {
            case 0: content = raw
            case 8: content = try Gunzip.inflate(raw, limit: size, raw: true)
            default: throw ImageArchiveError(.unknownFormat, "zip entry \(name.prefix(100)) uses compression method \(method) (stored and deflate only)")
            }
            let unixMode = external >> 16
            let kind: TarEntry.Kind
            switch unixMode & 0o170000 {
            case 0o120000: kind = .symlink
            case 0o040000: kind = .directory
            case 0, 0o100000: kind = name.hasSuffix("/") ? .directory : .file
            default: kind = .characterDevice
            }
            let mode = unixMode & 0o7777 != 0 ? unixMode & 0o7777 : (kind == .directory ? 0o755 : 0o644)
            let range = data.count..<(data.count + (kind == .file ? content.count : 0))
            if kind == .file { data += content }
            entries.append(TarEntry(path: name, kind: kind, mode: mode, linkName: kind == .symlink ? String(decoding: content, as: UTF8.self) : "",
                                    content: range))
        }
        return (data, entries)
    }
}
