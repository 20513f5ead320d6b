/// An IPv4 address held as a host-order 32-bit integer.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad text ("100.127.255.193"); also accepts VNS3's underscore
    /// form ("100_127_255_193") when `underscores` is true. No leading zeros, no spaces.
    public init?(_ text: some StringProtocol, underscores: Bool = false) {
        var value: UInt32 = 0
        var dots = 0
        var current: UInt32 = 0
        var digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits == 1 && current == 0 { return nil }  // leading zero
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if digits > 3 || current > 255 { return nil }
            case UInt8(ascii: "."), UInt8(ascii: "_"):
                if byte == UInt8(ascii: "_") && !underscores { return nil }
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | current
                dots += 1
                current = 0
                digits = 0
            default:
                return nil
            }
        }
        guard digits > 0, dots == 3 else { return nil }
        self.value = value << 8 | current
    }

    public var octets: [Int] {
        [Int(value >> 24 & 0xff), Int(value >> 16 & 0xff), Int(value >> 8 & 0xff), Int(value & 0xff)]
    }

    public var description: String { octets.map(String.init).joined(separator: ".") }

    /// VNS3's clientpack naming: dots replaced by underscores.
    public var underscored: String { octets.map(String.init).joined(separator: "_") }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }
}

/// An IPv4 network in CIDR notation. The address is normalised to the network address.
public struct IPv4Network: Hashable, Sendable, CustomStringConvertible {
    public let network: IPv4Address
    public let prefixLength: Int

    public init(network: IPv4Address, prefixLength: Int) {
        precondition((0...32).contains(prefixLength))
        self.prefixLength = prefixLength
        self.network = IPv4Address(network.value & IPv4Network.mask(prefixLength))
    }

    /// Parses "a.b.c.d/n". With `strict`, host bits must be zero ("10.0.0.1/24" is refused).
    public init?(_ text: some StringProtocol, strict: Bool = false) {
        let bytes = text.utf8
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        guard let address = IPv4Address(text[..<slash]) else { return nil }
        var length = 0
        var digits = 0
        for byte in bytes[bytes.index(after: slash)...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 2 else { return nil }
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        guard digits > 0, length <= 32 else { return nil }
        if strict && address.value & ~IPv4Network.mask(length) != 0 { return nil }
        self.init(network: address, prefixLength: length)
    }

    public static func mask(_ length: Int) -> UInt32 {
        length == 0 ? 0 : UInt32.max << UInt32(32 - length)
    }

    public var netmask: IPv4Address { IPv4Address(IPv4Network.mask(prefixLength)) }
    public var broadcast: IPv4Address { IPv4Address(network.value | ~IPv4Network.mask(prefixLength)) }
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    public func contains(_ address: IPv4Address) -> Bool {
        address.value & IPv4Network.mask(prefixLength) == network.value
    }

    /// Usable host addresses (excludes network and broadcast for prefixes shorter than /31).
    public var hosts: ClosedRange<UInt32>? {
        if prefixLength >= 31 { return network.value...broadcast.value }
        return (network.value + 1)...(broadcast.value - 1)
    }

    public var description: String { "\(network)/\(prefixLength)" }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
