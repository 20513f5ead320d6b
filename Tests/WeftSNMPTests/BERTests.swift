import Testing
import WeftSNMP

@Suite struct BERTests {
    func encode(_ value: SNMPValue) -> [UInt8] {
        var writer = BERWriter()
        writer.writeValue(value)
        return writer.bytes
    }

    func decode(_ data: [UInt8]) throws -> SNMPValue {
        var reader = BERReader(data)
        let value = try reader.readValue()
        try reader.finish()
        return value
    }

    @Test(arguments: [
        (Int32(0), "020100"), (127, "02017f"), (128, "02020080"), (255, "020200ff"), (256, "02020100"),
        (-1, "0201ff"), (-128, "020180"), (-129, "0202ff7f"), (Int32.max, "02047fffffff"), (Int32.min, "020480000000"),
    ])
    func integersAreMinimalTwosComplement(value: Int32, hex: String) throws {
        #expect(hexString(encode(.integer(value))) == hex)
        #expect(try decode(bytes(hex)) == .integer(value))
    }

    @Test(arguments: [
        (SNMPValue.counter32(0), "410100"), (.counter32(128), "41020080"), (.counter32(UInt32.max), "410500ffffffff"),
        (.gauge32(1_000_000_000), "42043b9aca00"), (.timeTicks(100), "430164"),
        (.counter64(UInt64.max), "460900ffffffffffffffff"),
        (.counter64(1), "460101"), (.ipAddress(0xC612_000B), "4004c612000b"),
        (.noSuchObject, "8000"), (.noSuchInstance, "8100"), (.endOfMibView, "8200"), (.null, "0500"),
        (.string("Weft"), "040457656674"),
    ])
    func applicationTypesRoundTrip(value: SNMPValue, hex: String) throws {
        #expect(hexString(encode(value)) == hex)
        #expect(try decode(bytes(hex)) == value)
    }

    @Test(arguments: [
        ("1.3.6.1.2.1.1.1.0", "06082b06010201010100"),
        ("1.3.6.1.4.1.99999.1.6.0", "060b2b06010401868d1f010600"),
        ("2.999.3", "0603883703"),
        ("1.3.6.1.4294967295", "06082b06018fffffff7f"),
    ])
    func objectIdentifiers(text: String, hex: String) throws {
        #expect(hexString(encode(.objectIdentifier(oid(text)))) == hex)
        #expect(try decode(bytes(hex)) == .objectIdentifier(oid(text)))
    }

    @Test func netSNMPEncodesTheRootAsOneOctet() throws {
        // snmpwalk .1 sends `06 01 01`, which X.690 reads as 0.1: still before every object.
        #expect(try decode(bytes("060101")) == .objectIdentifier([0, 1]))
    }

    @Test(arguments: [
        ("0202007f", SNMPError.integer("")),            // non-minimal positive
        ("0202ff80", SNMPError.integer("")),            // non-minimal negative
        ("0200", SNMPError.integer("")),                // empty
        ("02050100000000", SNMPError.integer("")),      // wider than 32 bits
        ("4106010000000000", SNMPError.integer("")),    // Counter32 wider than 32 bits
        ("410180", SNMPError.integer("")),              // negative Counter32
        ("460a01000000000000000000", SNMPError.integer("")),  // Counter64 wider than 64 bits
        ("0600", SNMPError.oid("")),                    // empty OID
        ("06032b8001", SNMPError.oid("")),              // non-minimal sub-identifier
        ("06022b86", SNMPError.oid("")),                // last sub-identifier cut off
        ("06072b069090909001", SNMPError.oid("")),      // sub-identifier over 32 bits
        ("0501ff", SNMPError.structure("")),            // NULL with content
        ("40040000", SNMPError.truncated("")),          // claims 4 octets, has 2
        ("4003000000", SNMPError.structure("")),        // IpAddress of 3 octets
        ("1f0100", SNMPError.tag("")),                  // high tag number
        ("4701ff", SNMPError.tag("")),                  // unknown application type
        ("04", SNMPError.truncated("")),
        ("0405616263", SNMPError.truncated("")),
        ("0480", SNMPError.length("")),                 // indefinite length
        ("0485ffffffffff", SNMPError.length("")),       // 5-octet length
        ("0484ffffffff", SNMPError.truncated("")),      // 4 GiB claimed, nothing there
        ("048200", SNMPError.truncated("")),            // length field cut off
    ])
    func malformedValuesThrow(hex: String, expected: SNMPError) {
        #expect(throws: expected) { try decode(bytes(hex)) }
    }

    @Test func longFormLengthsInBothDirections() throws {
        let text = SNMPValue.octetString([UInt8](repeating: 0x61, count: 300))
        let encoded = encode(text)
        #expect(Array(encoded.prefix(4)) == [0x04, 0x82, 0x01, 0x2c])
        #expect(try decode(encoded) == text)
        // A non-minimal (but definite) long form is valid BER and accepted.
        #expect(try decode(bytes("048103616263")) == .string("abc"))
        #expect(SNMPBER.elementSize(127) == 129 && SNMPBER.elementSize(128) == 131 && SNMPBER.elementSize(256) == 260)
    }

    @Test func deepNestingIsAnUnexpectedIdentifierNotARecursion() {
        var nested: [UInt8] = [0x05, 0x00]
        for _ in 0..<10_000 {
            var writer = BERWriter()
            writer.write(tag: SNMPBER.sequence, content: nested)
            nested = writer.bytes
        }
        #expect(throws: SNMPError.tag("")) { try SNMPMessage(decoding: nested) }
    }
}
