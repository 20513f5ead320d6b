import Testing
import WeftSNMP

@Suite struct StandardMIBTests {
    func table(_ rows: [(OID, SNMPValue)]) -> [String: SNMPValue] {
        Dictionary(rows.map { ($0.0.description, $0.1) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func systemGroup() {
        let rows = table(standardMIB().systemGroup(upTime: 4200))
        #expect(rows == [
            "1.3.6.1.2.1.1.1.0": .string("Weft"),
            "1.3.6.1.2.1.1.2.0": .objectIdentifier(oid("1.3.6.1.4.1.99999.2.1")),
            "1.3.6.1.2.1.1.3.0": .timeTicks(4200),
            "1.3.6.1.2.1.1.4.0": .string("ops@example.net"),
            "1.3.6.1.2.1.1.5.0": .string("weft-test"),
            "1.3.6.1.2.1.1.6.0": .string("rack 1"),
            "1.3.6.1.2.1.1.7.0": .integer(76),
        ])
    }

    @Test func upTimeInHundredthsWrapping() {
        let start = ContinuousClock.now
        #expect(StandardMIB.timeTicks(since: start, now: start + .milliseconds(12_345)) == 1234)
        #expect(StandardMIB.timeTicks(since: start, now: start - .seconds(1)) == 0)
        // 2³² hundredths is 497.1 days; one second later the ticks start again from 100-ish.
        let wrap = Duration.seconds(42_949_672) + .milliseconds(960)
        #expect(StandardMIB.timeTicks(since: start, now: start + wrap + .seconds(1)) == 100)
    }

    @Test func ifTableColumnsPerInterface() {
        let rows = table(StandardMIB.ifTable(twoInterfaces()))
        #expect(rows.count == 1 + 2 * 16)
        #expect(rows["1.3.6.1.2.1.2.1.0"] == .integer(2))
        #expect(rows["1.3.6.1.2.1.2.2.1.1.2"] == .integer(2))
        #expect(rows["1.3.6.1.2.1.2.2.1.2.2"] == .string("eth0"))
        #expect(rows["1.3.6.1.2.1.2.2.1.3.1"] == .integer(24))
        #expect(rows["1.3.6.1.2.1.2.2.1.4.2"] == .integer(1500))
        #expect(rows["1.3.6.1.2.1.2.2.1.5.2"] == .gauge32(UInt32.max))  // 10 Gbit/s saturates ifSpeed
        #expect(rows["1.3.6.1.2.1.2.2.1.6.2"] == .octetString([0x02, 0x42, 0xac, 0x11, 0x00, 0x02]))
        #expect(rows["1.3.6.1.2.1.2.2.1.7.2"] == .integer(1))
        #expect(rows["1.3.6.1.2.1.2.2.1.8.2"] == .integer(1))
        #expect(rows["1.3.6.1.2.1.2.2.1.10.2"] == .counter32(1000))
        #expect(rows["1.3.6.1.2.1.2.2.1.16.2"] == .counter32(2000))
        #expect(rows["1.3.6.1.2.1.2.2.1.9.2"] == nil)
        let columns = Set(rows.keys.compactMap { key -> UInt32? in
            let o = oid(key)
            return o.hasPrefix(StandardMIB.ifEntry) ? o.arcs[9] : nil
        })
        #expect(columns == [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20])
    }

    @Test func counter32WrapsModulo2To32AndCounter64DoesNot() {
        let big = DeviceStatistics(rxBytes: (1 << 32) + 5, rxPackets: (3 << 32) + 17, rxErrors: 1 << 32, rxDropped: 1 << 40,
                                   txBytes: UInt64.max, txPackets: 1 << 33)
        let interfaces = twoInterfaces(eth0: big)
        let rows = table(StandardMIB.ifTable(interfaces))
        #expect(rows["1.3.6.1.2.1.2.2.1.10.2"] == .counter32(5))
        #expect(rows["1.3.6.1.2.1.2.2.1.11.2"] == .counter32(17))
        #expect(rows["1.3.6.1.2.1.2.2.1.13.2"] == .counter32(0))
        #expect(rows["1.3.6.1.2.1.2.2.1.14.2"] == .counter32(0))
        #expect(rows["1.3.6.1.2.1.2.2.1.16.2"] == .counter32(UInt32.max))
        #expect(rows["1.3.6.1.2.1.2.2.1.17.2"] == .counter32(0))
        let x = table(StandardMIB.ifXTable(interfaces))
        #expect(x["1.3.6.1.2.1.31.1.1.1.6.2"] == .counter64((1 << 32) + 5))
        #expect(x["1.3.6.1.2.1.31.1.1.1.10.2"] == .counter64(UInt64.max))
    }

    @Test func ifXTableColumns() {
        let rows = table(StandardMIB.ifXTable(twoInterfaces()))
        #expect(rows.count == 2 * 7)
        #expect(rows["1.3.6.1.2.1.31.1.1.1.1.2"] == .string("eth0"))
        #expect(rows["1.3.6.1.2.1.31.1.1.1.7.2"] == .counter64(10))
        #expect(rows["1.3.6.1.2.1.31.1.1.1.11.2"] == .counter64(20))
        #expect(rows["1.3.6.1.2.1.31.1.1.1.15.2"] == .gauge32(10_000))
        #expect(rows["1.3.6.1.2.1.31.1.1.1.18.2"] == .string("uplink"))
    }

    @Test func weftEnterpriseGroup() {
        let rows = table(StandardMIB.weftGroup(WeftCounters(clientpacksConnected: 3, clientpacksTotal: 58, tunnelsUp: 2,
                                                            tunnelsConfigured: 4, peersUp: -1, version: "0.1.0")))
        #expect(rows == [
            "1.3.6.1.4.1.99999.1.1.0": .gauge32(3), "1.3.6.1.4.1.99999.1.2.0": .gauge32(58),
            "1.3.6.1.4.1.99999.1.3.0": .gauge32(2), "1.3.6.1.4.1.99999.1.4.0": .gauge32(4),
            "1.3.6.1.4.1.99999.1.5.0": .gauge32(0), "1.3.6.1.4.1.99999.1.6.0": .string("0.1.0"),
        ])
    }

    @Test func snapshotHasEveryPartInOneList() {
        let view = MIBView(standardMIB().snapshot())
        #expect(view.count == 7 + 1 + 2 * 16 + 2 * 7 + 6)
        #expect(view.oids.first == oid("1.3.6.1.2.1.1.1.0"))
        #expect(view.oids.last == oid("1.3.6.1.4.1.99999.1.6.0"))
    }
}
