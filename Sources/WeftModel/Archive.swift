/// Deterministic archives for clientpack downloads: the same files always give the same
/// bytes (fixed times, fixed order, stored without compression), so the `*_sha1` fields of
/// a clientpack stay stable.
public enum Archive {
    public struct File: Sendable, Equatable {
        public var name: String
        public var bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }

    /// A zip file, every entry stored (method 0), dated 1980-01-01 00:00.
    public static func zip(_ files: [File]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        let dosTime = 0, dosDate = (0 << 9) | (1 << 5) | 1
        for file in files {
            let name = Array(file.name.utf8)
            let crc = crc32(file.bytes)
            let offset = UInt32(out.count)
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(dosTime) + le16(dosDate)
            out += le32(crc) + le32(UInt32(file.bytes.count)) + le32(UInt32(file.bytes.count)) + le16(name.count) + le16(0)
            out += name + file.bytes
            central += le32(0x0201_4B50) + le16(0x0314) + le16(20) + le16(0) + le16(0) + le16(dosTime) + le16(dosDate)
            central += le32(crc) + le32(UInt32(file.bytes.count)) + le32(UInt32(file.bytes.count)) + le16(name.count)
            central += le16(0) + le16(0) + le16(0) + le16(0) + le32(0o100644 << 16) + le32(offset) + name
        }
        let centralOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(files.count) + le16(files.count)
        out += le32(UInt32(central.count)) + le32(centralOffset) + le16(0)
        return out
    }

    /// A ustar archive (mtime 0, uid/gid 0, mode 0644) in a gzip member whose deflate data
    /// is stored blocks.
    public static func tarGz(_ files: [File]) -> [UInt8] {
        var tar: [UInt8] = []
        for file in files {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int, width: Int) {
                let bytes = Array(text.utf8.prefix(width))
                header.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            }
            func octal(_ value: Int, width: Int) -> String {
                let digits = String(value, radix: 8)
                return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
            }
            put(file.name, at: 0, width: 100)
            put(octal(0o644, width: 8), at: 100, width: 8)
            put(octal(0, width: 8), at: 108, width: 8)
            put(octal(0, width: 8), at: 116, width: 8)
            put(octal(file.bytes.count, width: 12), at: 124, width: 12)
            put(octal(0, width: 12), at: 136, width: 12)
            put("        ", at: 148, width: 8)
            header[156] = UInt8(ascii: "0")
            put("ustar", at: 257, width: 6)
            put("00", at: 263, width: 2)
            let checksum = header.reduce(0) { $0 + Int($1) }
            put(octal(checksum, width: 7) + "\0", at: 148, width: 8)
            tar += header + file.bytes
            tar += [UInt8](repeating: 0, count: (512 - file.bytes.count % 512) % 512)
        }
        tar += [UInt8](repeating: 0, count: 1024)

        var gz: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]
        var offset = 0
        repeat {
            let count = min(65535, tar.count - offset)
            let final = offset + count == tar.count
            gz.append(final ? 1 : 0)
            gz += le16(count) + le16(~count & 0xFFFF)
            gz += tar[offset..<offset + count]
            offset += count
        } while offset < tar.count
        gz += le32(crc32(tar)) + le32(UInt32(tar.count & 0xFFFF_FFFF))
        return gz
    }
}
