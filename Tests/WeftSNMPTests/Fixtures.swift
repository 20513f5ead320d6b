import Testing
import WeftSNMP

/// A data source serving a fixed list.
struct FixedSource: SNMPDataSource {
    let entries: [(OID, SNMPValue)]
    func snapshot() -> [(OID, SNMPValue)] { entries }
}

/// Bytes from hex digits; whitespace is ignored and `//` starts a comment up to the end of the line.
func bytes(_ hex: String) -> [UInt8] {
    let code = hex.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        line.range(of: "//").map { line[..<$0.lowerBound] } ?? line
    }.joined()
    let digits = Array(code.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

func hexString(_ data: [UInt8]) -> String {
    data.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

func oid(_ text: String) -> OID { OID(text)! }

/// Two interfaces, lo (1) and eth0 (2), with the given eth0 statistics.
func twoInterfaces(eth0: DeviceStatistics = DeviceStatistics(rxBytes: 1000, rxPackets: 10, txBytes: 2000, txPackets: 20)) -> [InterfaceCounters] {
    [
        InterfaceCounters(index: 1, name: "lo", ifType: 24, mtu: 65536, statistics: DeviceStatistics(rxBytes: 5, rxPackets: 1, txBytes: 5, txPackets: 1)),
        InterfaceCounters(index: 2, name: "eth0", alias: "uplink", ifType: 6, mtu: 1500, speedMbps: 10_000,
                          physicalAddress: [0x02, 0x42, 0xac, 0x11, 0x00, 0x02], statistics: eth0),
    ]
}

/// The controller MIB over fixed inputs.
func standardMIB(interfaces: [InterfaceCounters] = twoInterfaces()) -> StandardMIB {
    StandardMIB(sysName: "weft-test", sysDescr: "Weft", sysContact: "ops@example.net", sysLocation: "rack 1",
                weft: { WeftCounters(clientpacksConnected: 3, clientpacksTotal: 58, tunnelsUp: 2, tunnelsConfigured: 4, peersUp: 1, version: "0.1.0") },
                interfaces: { interfaces })
}

/// A request message, encoded.
func request(_ type: PDUType, _ oids: [String], version: SNMPVersion = .v2c, community: String = "public",
             requestID: Int32 = 42, nonRepeaters: Int32 = 0, maxRepetitions: Int32 = 0, value: SNMPValue = .null) -> [UInt8] {
    SNMPMessage(version: version, community: Array(community.utf8),
                pdu: SNMPPDU(type: type, requestID: requestID, errorStatus: nonRepeaters, errorIndex: maxRepetitions,
                             varbinds: oids.map { VarBind(oid($0), value) })).encoded()
}

/// Decodes a response the agent sent.
func decode(_ response: [UInt8]?) throws -> SNMPPDU {
    guard let response else { throw SNMPError.unsupported("no response") }
    let message = try SNMPMessage(decoding: response)
    #expect(message.pdu.type == .response)
    return message.pdu
}
