/// The subset of X.690 Basic Encoding Rules that SNMP v1/v2c uses: one-octet identifiers,
/// definite lengths (short and long form, at most 4 length octets), minimal integers.
///
/// Decoding is schema-driven and never recursive: the SNMP message fixes the nesting at
/// four levels (message, PDU, variable-binding list, variable binding), so anything nested
/// deeper shows up as an unexpected identifier and is refused. Every length is checked
/// against the bytes that are actually there before anything is read or allocated.
public enum SNMPBER {
    public static let integer: UInt8 = 0x02
    public static let octetString: UInt8 = 0x04
    public static let null: UInt8 = 0x05
    public static let objectIdentifier: UInt8 = 0x06
    public static let sequence: UInt8 = 0x30
    public static let ipAddress: UInt8 = 0x40
    public static let counter32: UInt8 = 0x41
    public static let gauge32: UInt8 = 0x42
    public static let timeTicks: UInt8 = 0x43
    public static let opaque: UInt8 = 0x44
    public static let counter64: UInt8 = 0x46
    public static let noSuchObject: UInt8 = 0x80
    public static let noSuchInstance: UInt8 = 0x81
    public static let endOfMibView: UInt8 = 0x82

    /// Octets of a definite length field for `length` content octets.
    @inlinable
    public static func lengthSize(_ length: Int) -> Int {
        switch length {
        case ..<0x80: 1
        case ..<0x100: 2
        case ..<0x1_0000: 3
        case ..<0x100_0000: 4
        default: 5
        }
    }

    /// Octets of a whole element (identifier, length, content) with `length` content octets.
    @inlinable
    public static func elementSize(_ length: Int) -> Int { 1 + lengthSize(length) + length }
}

/// Reads BER elements from a byte array, within `position..<end`.
public struct BERReader {
    let bytes: [UInt8]
    public private(set) var position: Int
    public let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
    }

    init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    public var isAtEnd: Bool { position >= end }

    /// The identifier octet of the next element, without consuming it.
    public func peekTag() throws -> UInt8 {
        guard position < end else { throw SNMPError.truncated("expected an element at offset \(position)") }
        return bytes[position]
    }

    /// Reads one element header and returns its identifier and content range, having
    /// checked that the content lies inside this reader; the reader moves past the content.
    public mutating func readElement() throws -> (tag: UInt8, content: Range<Int>) {
        let start = position
        let tag = try peekTag()
        guard tag & 0x1F != 0x1F else { throw SNMPError.tag("multi-octet identifier at offset \(start)") }
        var p = position + 1
        guard p < end else { throw SNMPError.truncated("length missing at offset \(p)") }
        let first = bytes[p]
        p += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard count != 0 else { throw SNMPError.length("indefinite length at offset \(p - 1)") }
            guard count <= 4 else { throw SNMPError.length("\(count)-octet length field at offset \(p - 1)") }
            guard end - p >= count else { throw SNMPError.truncated("length field cut off at offset \(p)") }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[p])
                p += 1
            }
        }
        guard length <= end - p else {
            throw SNMPError.truncated("element at offset \(start) claims \(length) octets, \(end - p) remain")
        }
        position = p + length
        return (tag, p..<(p + length))
    }

    /// Reads an element that must carry identifier `tag` and returns its content range.
    public mutating func read(tag expected: UInt8) throws -> Range<Int> {
        let (tag, content) = try readElement()
        guard tag == expected else { throw SNMPError.tag("expected identifier \(hex(expected)), found \(hex(tag)) at offset \(content.lowerBound)") }
        return content
    }

    /// Enters a constructed element with identifier `tag`: a reader over its content.
    public mutating func enter(_ tag: UInt8) throws -> BERReader {
        BERReader(bytes: bytes, range: try read(tag: tag))
    }

    /// Fails when anything is left: SNMP elements carry no trailing data.
    public func finish() throws {
        guard isAtEnd else { throw SNMPError.structure("\(end - position) unexpected trailing octets at offset \(position)") }
    }

    public mutating func readInteger() throws -> Int32 {
        try BERReader.signed(bytes[try read(tag: SNMPBER.integer)])
    }

    public mutating func readOctetString() throws -> [UInt8] {
        Array(bytes[try read(tag: SNMPBER.octetString)])
    }

    public mutating func readNull() throws {
        guard try read(tag: SNMPBER.null).isEmpty else { throw SNMPError.structure("NULL with content") }
    }

    public mutating func readOID() throws -> OID {
        try BERReader.oid(bytes[try read(tag: SNMPBER.objectIdentifier)])
    }

    /// Reads any SNMP value: the universal and application types and the v2 exceptions.
    public mutating func readValue() throws -> SNMPValue {
        let (tag, range) = try readElement()
        let content = bytes[range]
        switch tag {
        case SNMPBER.integer: return .integer(try BERReader.signed(content))
        case SNMPBER.octetString: return .octetString(Array(content))
        case SNMPBER.null:
            guard content.isEmpty else { throw SNMPError.structure("NULL with content") }
            return .null
        case SNMPBER.objectIdentifier: return .objectIdentifier(try BERReader.oid(content))
        case SNMPBER.ipAddress:
            guard content.count == 4 else { throw SNMPError.structure("IpAddress of \(content.count) octets") }
            return .ipAddress(content.reduce(0) { $0 << 8 | UInt32($1) })
        case SNMPBER.counter32: return .counter32(UInt32(try BERReader.unsigned(content, bits: 32)))
        case SNMPBER.gauge32: return .gauge32(UInt32(try BERReader.unsigned(content, bits: 32)))
        case SNMPBER.timeTicks: return .timeTicks(UInt32(try BERReader.unsigned(content, bits: 32)))
        case SNMPBER.opaque: return .opaque(Array(content))
        case SNMPBER.counter64: return .counter64(try BERReader.unsigned(content, bits: 64))
        case SNMPBER.noSuchObject, SNMPBER.noSuchInstance, SNMPBER.endOfMibView:
            guard content.isEmpty else { throw SNMPError.structure("exception \(hex(tag)) with content") }
            return tag == SNMPBER.noSuchObject ? .noSuchObject : tag == SNMPBER.noSuchInstance ? .noSuchInstance : .endOfMibView
        default:
            throw SNMPError.tag("unknown value type \(hex(tag)) at offset \(range.lowerBound)")
        }
    }

    // MARK: - Content decoders

    /// A two's-complement INTEGER in minimal form that fits 32 bits.
    static func signed(_ content: ArraySlice<UInt8>) throws -> Int32 {
        try checkMinimal(content)
        guard content.count <= 4 else { throw SNMPError.integer("INTEGER of \(content.count) octets") }
        var value = Int32(Int8(bitPattern: content[content.startIndex]))
        for byte in content.dropFirst() { value = value << 8 | Int32(byte) }
        return value
    }

    /// A non-negative INTEGER-encoded application value of at most `bits` bits.
    static func unsigned(_ content: ArraySlice<UInt8>, bits: Int) throws -> UInt64 {
        try checkMinimal(content)
        guard content[content.startIndex] & 0x80 == 0 else { throw SNMPError.integer("negative unsigned value") }
        let significant = content.first == 0 ? content.dropFirst() : content
        guard significant.count <= bits / 8 else { throw SNMPError.integer("value wider than \(bits) bits") }
        return significant.reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func checkMinimal(_ content: ArraySlice<UInt8>) throws {
        guard let first = content.first else { throw SNMPError.integer("empty INTEGER") }
        if content.count > 1 {
            let second = content[content.startIndex + 1]
            if (first == 0x00 && second & 0x80 == 0) || (first == 0xFF && second & 0x80 != 0) {
                throw SNMPError.integer("non-minimal INTEGER")
            }
        }
    }

    static func oid(_ content: ArraySlice<UInt8>) throws -> OID {
        guard !content.isEmpty else { throw SNMPError.oid("empty OBJECT IDENTIFIER") }
        var arcs: [UInt32] = []
        arcs.reserveCapacity(min(content.count + 1, OID.maxArcs))
        var value: UInt64 = 0
        var started = false
        for byte in content {
            if !started && byte == 0x80 { throw SNMPError.oid("non-minimal sub-identifier") }
            started = true
            value = value << 7 | UInt64(byte & 0x7F)
            guard value <= UInt64(UInt32.max) + 80 else { throw SNMPError.oid("sub-identifier over 32 bits") }
            if byte & 0x80 == 0 {
                if arcs.isEmpty {
                    let first: UInt64 = value < 40 ? 0 : value < 80 ? 1 : 2
                    guard value - first * 40 <= UInt64(UInt32.max) else { throw SNMPError.oid("sub-identifier over 32 bits") }
                    arcs.append(UInt32(first))
                    arcs.append(UInt32(value - first * 40))
                } else {
                    guard value <= UInt64(UInt32.max) else { throw SNMPError.oid("sub-identifier over 32 bits") }
                    arcs.append(UInt32(value))
                }
                guard arcs.count <= OID.maxArcs else { throw SNMPError.oid("more than \(OID.maxArcs) sub-identifiers") }
                value = 0
                started = false
            }
        }
        guard !started else { throw SNMPError.oid("last sub-identifier cut off") }
        return OID(arcs)
    }
}

/// Appends BER elements to a byte array.
public struct BERWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    public mutating func writeHeader(tag: UInt8, length: Int) {
        bytes.append(tag)
        if length < 0x80 {
            bytes.append(UInt8(length))
        } else {
            let count = SNMPBER.lengthSize(length) - 1
            bytes.append(0x80 | UInt8(count))
            for shift in stride(from: (count - 1) * 8, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: length >> shift))
            }
        }
    }

    /// Octets that are already a complete encoding (a variable binding encoded earlier).
    public mutating func append(encoded: [UInt8]) {
        bytes.append(contentsOf: encoded)
    }

    /// An element whose content is already encoded.
    public mutating func write(tag: UInt8, content: [UInt8]) {
        writeHeader(tag: tag, length: content.count)
        bytes.append(contentsOf: content)
    }

    /// A constructed element whose content `body` writes.
    public mutating func writeConstructed(tag: UInt8, _ body: (inout BERWriter) -> Void) {
        var inner = BERWriter()
        body(&inner)
        write(tag: tag, content: inner.bytes)
    }

    public mutating func writeInteger(_ value: Int32, tag: UInt8 = SNMPBER.integer) {
        var count = 4
        while count > 1 {
            let top = Int32(truncatingIfNeeded: value >> ((count - 1) * 8 - 1))
            if top == 0 || top == -1 { count -= 1 } else { break }
        }
        writeHeader(tag: tag, length: count)
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }

    /// An unsigned value as a minimal non-negative INTEGER (a leading zero when the top bit is set).
    public mutating func writeUnsigned(_ value: UInt64, tag: UInt8) {
        let significant = max(1, (64 - value.leadingZeroBitCount + 7) / 8)
        let pad = value >> (significant * 8 - 1) & 1 == 1 ? 1 : 0
        writeHeader(tag: tag, length: significant + pad)
        if pad == 1 { bytes.append(0) }
        for shift in stride(from: (significant - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }

    public mutating func writeOctetString(_ value: [UInt8], tag: UInt8 = SNMPBER.octetString) {
        write(tag: tag, content: value)
    }

    public mutating func writeNull(tag: UInt8 = SNMPBER.null) {
        bytes.append(tag)
        bytes.append(0)
    }

    /// An OBJECT IDENTIFIER. The first two arcs share one sub-identifier (X.690 8.19.4); an
    /// OID of fewer than two arcs is padded with zeros, as net-snmp does.
    public mutating func writeOID(_ oid: OID) {
        var content: [UInt8] = []
        content.reserveCapacity(oid.count + 4)
        let arcs = oid.arcs
        let first = arcs.count > 0 ? UInt64(min(arcs[0], 2)) : 0
        let second = arcs.count > 1 ? UInt64(arcs[1]) : 0
        BERWriter.appendBase128(first * 40 + second, to: &content)
        for arc in arcs.dropFirst(2) { BERWriter.appendBase128(UInt64(arc), to: &content) }
        write(tag: SNMPBER.objectIdentifier, content: content)
    }

    private static func appendBase128(_ value: UInt64, to out: inout [UInt8]) {
        var groups = 1
        while groups < 10 && value >> (7 * groups) != 0 { groups += 1 }
        for g in stride(from: groups - 1, through: 0, by: -1) {
            let seven = UInt8(truncatingIfNeeded: value >> (7 * g)) & 0x7F
            out.append(g == 0 ? seven : seven | 0x80)
        }
    }

    public mutating func writeValue(_ value: SNMPValue) {
        switch value {
        case .integer(let v): writeInteger(v)
        case .octetString(let v): writeOctetString(v)
        case .null: writeNull()
        case .objectIdentifier(let oid): writeOID(oid)
        case .ipAddress(let v):
            writeHeader(tag: SNMPBER.ipAddress, length: 4)
            bytes.append(contentsOf: [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)])
        case .counter32(let v): writeUnsigned(UInt64(v), tag: SNMPBER.counter32)
        case .gauge32(let v): writeUnsigned(UInt64(v), tag: SNMPBER.gauge32)
        case .timeTicks(let v): writeUnsigned(UInt64(v), tag: SNMPBER.timeTicks)
        case .opaque(let v): writeOctetString(v, tag: SNMPBER.opaque)
        case .counter64(let v): writeUnsigned(v, tag: SNMPBER.counter64)
        case .noSuchObject: writeNull(tag: SNMPBER.noSuchObject)
        case .noSuchInstance: writeNull(tag: SNMPBER.noSuchInstance)
        case .endOfMibView: writeNull(tag: SNMPBER.endOfMibView)
        }
    }
}

func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
}
