/// PDU types (context-specific constructed identifiers, RFC 1157 / RFC 3416).
public enum PDUType: UInt8, Sendable {
    case getRequest = 0xA0
    case getNextRequest = 0xA1
    case response = 0xA2
    case setRequest = 0xA3
    case trapV1 = 0xA4
    case getBulkRequest = 0xA5
    case informRequest = 0xA6
    case trapV2 = 0xA7
    case report = 0xA8
}

/// error-status values (RFC 3416 §3; v1 uses 0–5).
public enum SNMPErrorStatus: Int32, Sendable {
    case noError = 0
    case tooBig = 1
    case noSuchName = 2
    case badValue = 3
    case readOnly = 4
    case genErr = 5
    case noAccess = 6
    case notWritable = 17
}

public struct VarBind: Sendable, Equatable {
    public var oid: OID
    public var value: SNMPValue

    public init(_ oid: OID, _ value: SNMPValue = .null) {
        self.oid = oid
        self.value = value
    }

    /// The encoded SEQUENCE { name, value }.
    public var encoded: [UInt8] {
        var writer = BERWriter(capacity: 24 + oid.count)
        writer.writeConstructed(tag: SNMPBER.sequence) { inner in
            inner.writeOID(oid)
            inner.writeValue(value)
        }
        return writer.bytes
    }
}

/// Every PDU but the v1 trap: request-id, two integers and the variable bindings.
/// In a GetBulkRequest the two integers are non-repeaters and max-repetitions.
public struct SNMPPDU: Sendable, Equatable {
    public var type: PDUType
    public var requestID: Int32
    public var errorStatus: Int32
    public var errorIndex: Int32
    public var varbinds: [VarBind]

    public init(type: PDUType, requestID: Int32, errorStatus: Int32 = 0, errorIndex: Int32 = 0, varbinds: [VarBind]) {
        self.type = type
        self.requestID = requestID
        self.errorStatus = errorStatus
        self.errorIndex = errorIndex
        self.varbinds = varbinds
    }

    public var nonRepeaters: Int32 { errorStatus }
    public var maxRepetitions: Int32 { errorIndex }
}

/// A community-based SNMP message (v1 or v2c).
public struct SNMPMessage: Sendable, Equatable {
    public var version: SNMPVersion
    public var community: [UInt8]
    public var pdu: SNMPPDU

    public init(version: SNMPVersion, community: [UInt8], pdu: SNMPPDU) {
        self.version = version
        self.community = community
        self.pdu = pdu
    }

    /// The outer SEQUENCE, its version and community, and a reader at the PDU — enough to
    /// refuse a packet for its version or community before the PDU is decoded.
    struct Envelope {
        var version: SNMPVersion
        var community: ArraySlice<UInt8>
        var rest: BERReader
    }

    static func envelope(_ bytes: [UInt8]) throws -> Envelope {
        var outer = BERReader(bytes)
        var message = try outer.enter(SNMPBER.sequence)
        try outer.finish()
        let number = try message.readInteger()
        guard let version = SNMPVersion(rawValue: Int(number)) else { throw SNMPError.unsupported("SNMP version field \(number)") }
        let community = bytes[try message.read(tag: SNMPBER.octetString)]
        return Envelope(version: version, community: community, rest: message)
    }

    static func pdu(_ envelope: Envelope) throws -> SNMPPDU {
        var rest = envelope.rest
        let tag = try rest.peekTag()
        guard let type = PDUType(rawValue: tag) else { throw SNMPError.tag("unknown PDU type \(hex(tag))") }
        guard type != .trapV1 else { throw SNMPError.unsupported("SNMPv1 trap") }
        var pdu = try rest.enter(tag)
        try rest.finish()
        let requestID = try pdu.readInteger()
        let errorStatus = try pdu.readInteger()
        let errorIndex = try pdu.readInteger()
        var list = try pdu.enter(SNMPBER.sequence)
        try pdu.finish()
        var varbinds: [VarBind] = []
        while !list.isAtEnd {
            var varbind = try list.enter(SNMPBER.sequence)
            let oid = try varbind.readOID()
            let value = try varbind.readValue()
            try varbind.finish()
            varbinds.append(VarBind(oid, value))
        }
        return SNMPPDU(type: type, requestID: requestID, errorStatus: errorStatus, errorIndex: errorIndex, varbinds: varbinds)
    }

    /// Decodes a whole message; throws `SNMPError` on anything malformed or unsupported.
    public init(decoding bytes: [UInt8]) throws {
        let envelope = try SNMPMessage.envelope(bytes)
        self.init(version: envelope.version, community: Array(envelope.community), pdu: try SNMPMessage.pdu(envelope))
    }

    public func encoded() -> [UInt8] {
        SNMPMessage.encode(version: version, community: community, type: pdu.type, requestID: pdu.requestID,
                           errorStatus: pdu.errorStatus, errorIndex: pdu.errorIndex,
                           varbinds: pdu.varbinds.map(\.encoded))
    }

    /// Assembles a message from variable bindings that are already encoded.
    static func encode(version: SNMPVersion, community: [UInt8], type: PDUType, requestID: Int32,
                       errorStatus: Int32, errorIndex: Int32, varbinds: [[UInt8]]) -> [UInt8] {
        let listLength = varbinds.reduce(0) { $0 + $1.count }
        var writer = BERWriter(capacity: listLength + community.count + 32)
        writer.writeConstructed(tag: SNMPBER.sequence) { message in
            message.writeInteger(Int32(version.rawValue))
            message.writeOctetString(community)
            message.writeConstructed(tag: type.rawValue) { pdu in
                pdu.writeInteger(requestID)
                pdu.writeInteger(errorStatus)
                pdu.writeInteger(errorIndex)
                pdu.writeHeader(tag: SNMPBER.sequence, length: listLength)
                for varbind in varbinds { pdu.append(encoded: varbind) }
            }
        }
        return writer.bytes
    }

    /// The encoded size of a message whose variable bindings take `listLength` octets,
    /// computed without encoding it (GetBulk truncation checks this per binding).
    static func encodedSize(version: SNMPVersion, community: Int, requestID: Int32,
                            errorStatus: Int32, errorIndex: Int32, listLength: Int) -> Int {
        let pduLength = integerSize(requestID) + integerSize(errorStatus) + integerSize(errorIndex) + SNMPBER.elementSize(listLength)
        let messageLength = integerSize(Int32(version.rawValue)) + SNMPBER.elementSize(community) + SNMPBER.elementSize(pduLength)
        return SNMPBER.elementSize(messageLength)
    }

    static func integerSize(_ value: Int32) -> Int {
        var writer = BERWriter(capacity: 6)
        writer.writeInteger(value)
        return writer.bytes.count
    }
}
