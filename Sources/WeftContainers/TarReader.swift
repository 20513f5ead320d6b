/// A tar archive read from memory (ustar, GNU long names, pax `path`/`linkpath`/`size`).
/// Every header is checked (checksum, octal fields, lengths against the data); nothing is
/// written anywhere: safety of the paths is `LayerPlan`'s concern.
public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file, directory, symlink, hardlink, characterDevice, blockDevice, fifo
    }
    public var path: String
    public var kind: Kind
    public var mode: Int
    public var linkName: String
    /// Byte range of the content in the archive's bytes.
    public var content: Range<Int>
}

public enum TarReader {
    /// Reads every entry of `tar`. `limit` caps the sum of declared entry sizes.
    public static func entries(_ tar: [UInt8], limit: Int = Int.max) throws(ImageArchiveError) -> [TarEntry] {
        var entries: [TarEntry] = []
        var offset = 0
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
        var total = 0
        while true {
            guard offset + 512 <= tar.count else {
                // Some writers end without the two zero blocks; a partial header is truncation.
                if offset == tar.count && !entries.isEmpty { return entries }
                throw ImageArchiveError(.truncated, "tar archive truncated at byte \(offset)")
            }
            let header = offset
            if tar[header..<header + 512].allSatisfy({ $0 == 0 }) { return entries }
            try checksum(tar, header)
            let type = tar[header + 156]
            let size = try octal(tar, header + 124, 12, "size")
            let start = header + 512
            guard size >= 0, size <= tar.count - start else {
                throw ImageArchiveError(.truncated, "tar entry at byte \(header) declares \(size) bytes, archive ends first")
            }
            total += size
            guard total <= limit else { throw ImageArchiveError(.tooLarge, "tar content larger than \(limit) bytes") }
            offset = start + (size + 511) / 512 * 512
            let data = start..<start + size
            switch type {
            case UInt8(ascii: "L"): longName = text(tar[data]); continue
            case UInt8(ascii: "K"): longLink = text(tar[data]); continue
            case UInt8(ascii: "x"): pax = try paxRecords(tar[data]); continue
            case UInt8(ascii: "g"): continue
            default: break
            }
            var name = text(tar[header..<header + 100])
            let magic = tar[header + 257..<header + 262]
            if Array(magic) == Array("ustar".utf8) {
                let prefix = text(tar[header + 345..<header + 500])
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            var link = text(tar[header + 157..<header + 257])
            var contentSize = size
            if let value = longName { name = value }
            if let value = longLink { link = value }
            if let value = pax["path"] { name = value }
            if let value = pax["linkpath"] { link = value }
            if let value = pax["size"] {
                guard let number = Int(value), number >= 0, number <= tar.count - start else {
                    throw ImageArchiveError(.corrupt, "pax size \(value) of \(name) is not a length within the archive")
                }
                contentSize = number
                offset = start + (number + 511) / 512 * 512
            }
            longName = nil; longLink = nil; pax = [:]
            let kind: TarEntry.Kind
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = name.hasSuffix("/") ? .directory : .file
            case UInt8(ascii: "1"): kind = .hardlink
            case UInt8(ascii: "2"): kind = .symlink
            case UInt8(ascii: "3"): kind = .characterDevice
            case UInt8(ascii: "4"): kind = .blockDevice
            case UInt8(ascii: "5"): kind = .directory
            case UInt8(ascii: "6"): kind = .fifo
            default: throw ImageArchiveError(.corrupt, "tar entry \(name) has unknown type '\(Character(Unicode.Scalar(type)))'")
            }
            guard !name.isEmpty else { throw ImageArchiveError(.corrupt, "tar entry at byte \(header) has no name") }
            let mode = try octal(tar, header + 100, 8, "mode")
            entries.append(TarEntry(path: name, kind: kind, mode: mode & 0o7777, linkName: link,
                                    content: kind == .file ? start..<start + contentSize : start..<start))
        }
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func octal(_ tar: [UInt8], _ at: Int, _ width: Int, _ field: String) throws(ImageArchiveError) -> Int {
        let bytes = tar[at..<at + width]
        if let first = bytes.first, first & 0x80 != 0 {
            // GNU base-256 for large values.
            var value = 0
            for (index, byte) in bytes.enumerated() {
                let digit = Int(index == 0 ? byte & 0x7F : byte)
                guard value <= (Int.max >> 8) else { throw ImageArchiveError(.corrupt, "tar \(field) field overflows") }
                value = value << 8 | digit
            }
            return value
        }
        var value = 0
        var seen = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard value <= (Int.max >> 3) else { throw ImageArchiveError(.corrupt, "tar \(field) field overflows") }
                value = value << 3 | Int(byte - UInt8(ascii: "0"))
                seen = true
            case 0, UInt8(ascii: " "):
                if seen { return value }
            default:
                throw ImageArchiveError(.corrupt, "tar \(field) field is not octal")
            }
        }
        return value
    }

    static func checksum(_ tar: [UInt8], _ header: Int) throws(ImageArchiveError) {
        let stored = try octal(tar, header + 148, 8, "checksum")
        var sum = 0
        for index in 0..<512 { sum += (148..<156).contains(index) ? 32 : Int(tar[header + index]) }
        guard stored == sum else { throw ImageArchiveError(.corrupt, "tar header checksum does not match at byte \(header)") }
    }

    /// "LEN key=value\n" records.
    static func paxRecords(_ bytes: ArraySlice<UInt8>) throws(ImageArchiveError) -> [String: String] {
        var records: [String: String] = [:]
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard let space = bytes[index...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: bytes[index..<space], as: UTF8.self)), length > space - index + 1,
                  index + length <= bytes.endIndex, bytes[index + length - 1] == UInt8(ascii: "\n") else {
                throw ImageArchiveError(.corrupt, "malformed pax header record")
            }
            let record = bytes[(space + 1)..<(index + length - 1)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                records[String(decoding: record[record.startIndex..<equals], as: UTF8.self)] = String(decoding: record[(equals + 1)...], as: UTF8.self)
            }
            index += length
        }
        return records
    }
}
