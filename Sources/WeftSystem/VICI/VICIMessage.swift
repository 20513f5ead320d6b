/// A VICI message: an ordered tree of key/values, lists and named sections, as strongSwan's
/// charon exchanges them (`src/libcharon/plugins/vici/README.md`, "Message format").
/// Values are raw bytes; charon sends and expects non-terminated strings, numbers as
/// decimal text. Names and keys are at most 255 bytes and values at most 65,535 bytes:
/// `encode()` throws `malformed` for anything longer rather than truncating it.
public struct VICIMessage: Equatable, Sendable {
    public enum Item: Equatable, Sendable {
        case value(String, [UInt8])
        case list(String, [[UInt8]])
        case section(String, VICIMessage)

        public var name: String {
            switch self {
            case .value(let name, _), .list(let name, _), .section(let name, _): name
            }
        }
    }

    /// Deepest section nesting `decode` accepts; charon's own messages use four levels.
    public static let maximumDepth = 32

    /// The elements in wire order.
    public var items: [Item]

    public init(_ items: [Item] = []) { self.items = items }

    // MARK: Building

    /// Replaces the item named `item.name` in place, or appends it: keys are unique per section.
    public mutating func set(_ item: Item) {
        if let index = items.firstIndex(where: { $0.name == item.name }) { items[index] = item } else { items.append(item) }
    }

    public mutating func set(_ key: String, _ value: String) { set(.value(key, Array(value.utf8))) }
    public mutating func set(_ key: String, bytes: [UInt8]) { set(.value(key, bytes)) }
    public mutating func set(_ key: String, list: [String]) { set(.list(key, list.map { Array($0.utf8) })) }
    public mutating func set(_ key: String, section: VICIMessage) { set(.section(key, section)) }

    /// Chainable forms of `set`, for building nested requests in one expression.
    public func setting(_ key: String, _ value: String) -> VICIMessage { var copy = self; copy.set(key, value); return copy }
    public func setting(_ key: String, list: [String]) -> VICIMessage { var copy = self; copy.set(key, list: list); return copy }
    public func setting(_ key: String, section: VICIMessage) -> VICIMessage { var copy = self; copy.set(key, section: section); return copy }

    // MARK: Reading

    /// The value of `key` in this section, decoded as UTF-8 (invalid bytes become U+FFFD).
    public subscript(_ key: String) -> String? { bytes(key).map { String(decoding: $0, as: UTF8.self) } }

    /// The raw value of `key` in this section.
    public func bytes(_ key: String) -> [UInt8]? {
        for case .value(let name, let value) in items where name == key { return value }
        return nil
    }

    public func section(_ key: String) -> VICIMessage? {
        for case .section(let name, let section) in items where name == key { return section }
        return nil
    }

    /// The items of the list `key`, decoded as UTF-8.
    public func list(_ key: String) -> [String]? {
        for case .list(let name, let values) in items where name == key {
            return values.map { String(decoding: $0, as: UTF8.self) }
        }
        return nil
    }

    /// Every sub-section in order, e.g. the IKE SAs of a `list-sa` event or the one IKE SA
    /// of an `ike-updown` event (beside its `up` key).
    public var sections: [(String, VICIMessage)] {
        items.compactMap { if case .section(let name, let section) = $0 { (name, section) } else { nil } }
    }

    // MARK: Wire format

    enum Element {
        static let sectionStart: UInt8 = 1, sectionEnd: UInt8 = 2, keyValue: UInt8 = 3
        static let listStart: UInt8 = 4, listItem: UInt8 = 5, listEnd: UInt8 = 6
    }

    public func encode() throws(VICIError) -> [UInt8] {
        var out: [UInt8] = []
        try encode(into: &out)
        return out
    }

    func encode(into out: inout [UInt8]) throws(VICIError) {
        for item in items {
            switch item {
            case .value(let key, let value):
                out.append(Element.keyValue)
                try Self.appendName(key, to: &out)
                try Self.appendValue(value, of: key, to: &out)
            case .list(let key, let values):
                out.append(Element.listStart)
                try Self.appendName(key, to: &out)
                for value in values {
                    out.append(Element.listItem)
                    try Self.appendValue(value, of: key, to: &out)
                }
                out.append(Element.listEnd)
            case .section(let key, let section):
                out.append(Element.sectionStart)
                try Self.appendName(key, to: &out)
                try section.encode(into: &out)
                out.append(Element.sectionEnd)
            }
        }
    }

    static func appendName(_ name: String, to out: inout [UInt8]) throws(VICIError) {
        let bytes = Array(name.utf8)
        guard bytes.count <= 255 else { throw .malformed("name longer than 255 bytes: \(name.prefix(40))...") }
        out.append(UInt8(bytes.count))
        out += bytes
    }

    static func appendValue(_ value: [UInt8], of key: String, to out: inout [UInt8]) throws(VICIError) {
        guard value.count <= 65535 else { throw .malformed("value of \(key) longer than 65535 bytes (\(value.count))") }
        out += [UInt8(value.count >> 8), UInt8(value.count & 0xff)]
        out += value
    }

    /// Decodes a whole message. Throws `malformed` on truncated elements, unbalanced
    /// sections or lists, unknown element types, key/values or sections inside a list,
    /// and nesting deeper than `maximumDepth`.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(VICIError) -> VICIMessage {
        var reader = VICIReader(bytes)
        var open: [(name: String, items: [Item])] = [("", [])]
        var list: (name: String, values: [[UInt8]])?
        while let type = reader.byte() {
            if var current = list {
                switch type {
                case Element.listItem: current.values.append(try reader.value()); list = current
                case Element.listEnd: open[open.count - 1].items.append(.list(current.name, current.values)); list = nil
                default: throw .malformed("element type \(type) inside list \(current.name)")
                }
                continue
            }
            switch type {
            case Element.sectionStart:
                guard open.count <= maximumDepth else { throw .malformed("sections nested deeper than \(maximumDepth)") }
                open.append((try reader.name(), []))
            case Element.sectionEnd:
                guard open.count > 1, let closed = open.popLast() else { throw .malformed("section end without a section") }
                open[open.count - 1].items.append(.section(closed.name, VICIMessage(closed.items)))
            case Element.keyValue:
                let key = try reader.name()
                open[open.count - 1].items.append(.value(key, try reader.value()))
            case Element.listStart:
                list = (try reader.name(), [])
            case Element.listItem, Element.listEnd:
                throw .malformed("list element \(type) outside a list")
            default:
                throw .malformed("unknown element type \(type)")
            }
        }
        if let list { throw .malformed("list \(list.name) not closed") }
        guard open.count == 1 else { throw .malformed("section \(open[open.count - 1].name) not closed") }
        return VICIMessage(open[0].items)
    }
}

/// A bounds-checked cursor over received bytes.
struct VICIReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    var isAtEnd: Bool { position == bytes.endIndex }
    var rest: ArraySlice<UInt8> { bytes[position...] }

    mutating func byte() -> UInt8? {
        guard position < bytes.endIndex else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func take(_ count: Int, _ what: String) throws(VICIError) -> ArraySlice<UInt8> {
        guard bytes.endIndex - position >= count else {
            throw .malformed("\(what) truncated: \(count) bytes announced, \(bytes.endIndex - position) left")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }

    /// An 8-bit length and that many bytes, as a name.
    mutating func name() throws(VICIError) -> String {
        guard let length = byte() else { throw .malformed("name length missing") }
        return String(decoding: try take(Int(length), "name"), as: UTF8.self)
    }

    /// A 16-bit big-endian length and that many bytes.
    mutating func value() throws(VICIError) -> [UInt8] {
        let length = try take(2, "value length")
        return Array(try take(Int(length.first!) << 8 | Int(length.last!), "value"))
    }
}

/// One VICI packet: a type byte, a name for the named types, and a message for requests,
/// responses and events. On the wire each packet is one transport segment with a 32-bit
/// big-endian length in front.
public enum VICIPacket: Equatable, Sendable {
    case request(String, VICIMessage)
    case response(VICIMessage)
    case unknownCommand
    case register(String)
    case unregister(String)
    case confirm
    case unknownEvent
    case event(String, VICIMessage)

    /// charon's limit for one segment (the README: "currently limited to 512KB").
    public static let maximumLength = 512 * 1024

    var type: UInt8 {
        switch self {
        case .request: 0
        case .response: 1
        case .unknownCommand: 2
        case .register: 3
        case .unregister: 4
        case .confirm: 5
        case .unknownEvent: 6
        case .event: 7
        }
    }

    /// The whole segment, length prefix included.
    public func encode() throws(VICIError) -> [UInt8] {
        var body: [UInt8] = [type]
        switch self {
        case .request(let name, let message), .event(let name, let message):
            try VICIMessage.appendName(name, to: &body)
            try message.encode(into: &body)
        case .response(let message):
            try message.encode(into: &body)
        case .register(let name), .unregister(let name):
            try VICIMessage.appendName(name, to: &body)
        case .unknownCommand, .confirm, .unknownEvent:
            break
        }
        guard body.count <= Self.maximumLength else { throw .malformed("packet of \(body.count) bytes exceeds \(Self.maximumLength)") }
        let length = UInt32(body.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + body
    }

    /// Decodes one segment given with its length prefix; the prefix must match the data.
    public static func decode(frame: ArraySlice<UInt8>) throws(VICIError) -> VICIPacket {
        guard let length = bodyLength(frame.prefix(4)) else { throw .malformed("length prefix truncated") }
        guard length == frame.count - 4 else { throw .malformed("length prefix says \(length) bytes, \(frame.count - 4) present") }
        return try decode(body: frame.dropFirst(4))
    }

    /// The length announced by a 4-byte prefix, or nil if fewer than 4 bytes are given.
    static func bodyLength(_ prefix: ArraySlice<UInt8>) -> Int? {
        guard prefix.count == 4 else { return nil }
        return prefix.reduce(0) { $0 << 8 | Int($1) }
    }

    /// Decodes one segment's data (what follows the length prefix).
    public static func decode(body: ArraySlice<UInt8>) throws(VICIError) -> VICIPacket {
        var reader = VICIReader(body)
        guard let type = reader.byte() else { throw .malformed("empty packet") }
        let packet: VICIPacket
        switch type {
        case 0: packet = .request(try reader.name(), try VICIMessage.decode(reader.rest))
        case 1: packet = .response(try VICIMessage.decode(reader.rest))
        case 2: packet = .unknownCommand
        case 3: packet = .register(try reader.name())
        case 4: packet = .unregister(try reader.name())
        case 5: packet = .confirm
        case 6: packet = .unknownEvent
        case 7: packet = .event(try reader.name(), try VICIMessage.decode(reader.rest))
        default: throw .malformed("unknown packet type \(type)")
        }
        switch packet {
        case .request, .response, .event: break
        default: guard reader.isAtEnd else { throw .malformed("trailing bytes after packet type \(type)") }
        }
        return packet
    }
}

/// Why a VICI exchange failed.
public enum VICIError: Error, Equatable, CustomStringConvertible {
    /// Bytes that do not follow the protocol, received or about to be sent.
    case malformed(String)
    /// The command answered `success = no`; carries its `errmsg`.
    case failed(String)
    /// The socket could not be opened, written or read (charon absent, timeout, closed).
    case io(String)
    /// charon has no such command (CMD_UNKNOWN).
    case unknownCommand(String)
    /// charon has no such event (EVENT_UNKNOWN).
    case unknownEvent(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed VICI data: \(reason)"
        case .failed(let message): "charon: \(message)"
        case .io(let reason): "VICI socket: \(reason)"
        case .unknownCommand(let name): "charon does not know the command \(name)"
        case .unknownEvent(let name): "charon does not know the event \(name)"
        }
    }
}
