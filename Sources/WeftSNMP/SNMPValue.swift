/// A variable-binding value: the SMIv2 types, plus the three v2 exceptions that stand in
/// for a value in responses.
public enum SNMPValue: Sendable, Equatable {
    case integer(Int32)
    case octetString([UInt8])
    case null
    case objectIdentifier(OID)
    /// An IPv4 address, most significant octet first (`0xC6120001` is 198.18.0.1).
    case ipAddress(UInt32)
    case counter32(UInt32)
    case gauge32(UInt32)
    /// Hundredths of a second.
    case timeTicks(UInt32)
    case opaque([UInt8])
    case counter64(UInt64)
    case noSuchObject
    case noSuchInstance
    case endOfMibView

    /// An OCTET STRING holding UTF-8 text.
    public static func string(_ text: String) -> SNMPValue { .octetString(Array(text.utf8)) }

    /// A Gauge32 from a count, clamped to 0...2³²-1.
    public static func gauge(_ value: Int) -> SNMPValue { .gauge32(UInt32(clamping: value)) }

    /// A Counter32 from a 64-bit kernel counter: the low 32 bits, as RFC 2863 counters wrap.
    public static func counter32(wrapping value: UInt64) -> SNMPValue { .counter32(UInt32(truncatingIfNeeded: value)) }

    /// True for noSuchObject, noSuchInstance and endOfMibView.
    public var isException: Bool {
        switch self {
        case .noSuchObject, .noSuchInstance, .endOfMibView: true
        default: false
        }
    }

    /// SNMPv1 cannot carry Counter64 (RFC 3584 §4.2.2.1), nor the exceptions.
    public var isRepresentableInV1: Bool {
        switch self {
        case .counter64: false
        default: !isException
        }
    }
}
