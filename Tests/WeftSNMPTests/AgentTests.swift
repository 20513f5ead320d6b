import Testing
import WeftSNMP

@Suite struct AgentTests {
    let agent = SNMPAgent(community: "public", source: standardMIB())

    @Test func goldenGetOfSysDescrFromNetSNMP() throws {
        // Captured from `snmpget -v2c -c public HOST 1.3.6.1.2.1.1.1.0` (net-snmp 5.9):
        let request = bytes("""
            30 29                               // SEQUENCE, 41 octets
               02 01 01                         // version 1 = v2c
               04 06 70 75 62 6c 69 63          // community "public"
               a0 1c                            // GetRequest-PDU, 28 octets
                  02 04 09 51 80 cd             // request-id 156336333
                  02 01 00                      // error-status 0
                  02 01 00                      // error-index 0
                  30 0e                         // variable bindings
                     30 0c                      // one binding
                        06 08 2b 06 01 02 01 01 01 00 // 1.3.6.1.2.1.1.1.0 (sysDescr.0)
                        05 00                   // NULL
            """)
        let expected = bytes("""
            30 2d                               // SEQUENCE, 45 octets
               02 01 01                         // v2c
               04 06 70 75 62 6c 69 63          // "public"
               a2 20                            // Response-PDU, 32 octets
                  02 04 09 51 80 cd             // the same request-id
                  02 01 00                      // noError
                  02 01 00                      // index 0
                  30 12                         // variable bindings
                     30 10                      // one binding
                        06 08 2b 06 01 02 01 01 01 00 // sysDescr.0
                        04 04 57 65 66 74       // OCTET STRING "Weft"
            """)
        #expect(hexString(try #require(agent.respond(to: request))) == hexString(expected))
        #expect(agent.statistics.answered == 1)
    }

    @Test func getNextWalksColumnByColumnAcrossTheTable() throws {
        var walked: [String] = []
        var current = oid("1.3.6.1.2.1.2.2")
        while true {
            let pdu = try decode(agent.respond(to: request(.getNextRequest, [current.description])))
            let next = try #require(pdu.varbinds.first)
            guard next.oid.hasPrefix(StandardMIB.ifEntry) else { break }
            walked.append(next.oid.description)
            current = next.oid
        }
        #expect(walked.count == 32)
        #expect(Array(walked.prefix(5)) == [
            "1.3.6.1.2.1.2.2.1.1.1", "1.3.6.1.2.1.2.2.1.1.2", "1.3.6.1.2.1.2.2.1.2.1", "1.3.6.1.2.1.2.2.1.2.2", "1.3.6.1.2.1.2.2.1.3.1",
        ])
        #expect(walked.last == "1.3.6.1.2.1.2.2.1.20.2")
        // Past the table comes ifXTable, then the enterprise subtree.
        let after = try decode(agent.respond(to: request(.getNextRequest, ["1.3.6.1.2.1.2.2.1.20.2", "1.3.6.1.2.1.31.1.1.1.18.2"])))
        #expect(after.varbinds.map(\.oid) == [oid("1.3.6.1.2.1.31.1.1.1.1.1"), oid("1.3.6.1.4.1.99999.1.1.0")])
    }

    @Test func getBulkWithNonRepeaters() throws {
        let pdu = try decode(agent.respond(to: request(.getBulkRequest, ["1.3.6.1.2.1.1.3", "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.10"],
                                                       requestID: 7, nonRepeaters: 1, maxRepetitions: 3)))
        #expect(pdu.requestID == 7 && pdu.errorStatus == 0)
        #expect(pdu.varbinds.map(\.oid.description) == [
            "1.3.6.1.2.1.1.3.0",
            "1.3.6.1.2.1.2.2.1.2.1", "1.3.6.1.2.1.2.2.1.10.1",
            "1.3.6.1.2.1.2.2.1.2.2", "1.3.6.1.2.1.2.2.1.10.2",
            "1.3.6.1.2.1.2.2.1.3.1", "1.3.6.1.2.1.2.2.1.11.1",
        ])
        #expect(pdu.varbinds[1].value == .string("lo") && pdu.varbinds[4].value == .counter32(1000))
    }

    @Test func getBulkStopsWhenEveryRepeaterHasEnded() throws {
        let pdu = try decode(agent.respond(to: request(.getBulkRequest, ["1.3.6.1.4.1.99999.1.5.0", "1.3.6.1.4.1.99999.1.4.0"],
                                                       nonRepeaters: 0, maxRepetitions: 50)))
        // Round 1: peersUp's successor (the version) and tunnelsConfigured's (peersUp); round 2: the
        // end, and the version; round 3: the end for both, and the walk stops.
        #expect(pdu.varbinds.map(\.value) == [.string("0.1.0"), .gauge32(1), .endOfMibView, .string("0.1.0"), .endOfMibView, .endOfMibView])
        // Negative non-repeaters and max-repetitions count as zero.
        let zero = try decode(agent.respond(to: request(.getBulkRequest, ["1.3.6.1.2.1.1.1.0"], nonRepeaters: -4, maxRepetitions: -1)))
        #expect(zero.varbinds.isEmpty && zero.errorStatus == 0)
    }

    @Test func getBulkIsTruncatedToFitOneDatagram() throws {
        let many = (1...300).map { InterfaceCounters(index: $0, name: "veth\($0)") }
        let big = SNMPAgent(community: "public", source: standardMIB(interfaces: many))
        let response = try #require(big.respond(to: request(.getBulkRequest, ["1.3.6.1.2.1.2.2"], maxRepetitions: 100_000)))
        #expect(response.count <= 1472)
        let pdu = try decode(response)
        #expect(pdu.errorStatus == 0 && pdu.varbinds.count > 40)
        #expect(pdu.varbinds.map(\.oid) == pdu.varbinds.map(\.oid).sorted())
        let small = SNMPAgent(community: "public", source: standardMIB(interfaces: many), maxResponseSize: 484)
        #expect(try #require(small.respond(to: request(.getBulkRequest, ["1.3.6.1.2.1.2.2"], maxRepetitions: 1000))).count <= 484)
    }

    @Test func tooBigForGet() throws {
        let long = FixedSource(entries: [(oid("1.3.6.1.2.1.1.1.0"), .octetString([UInt8](repeating: 0x61, count: 1000)))])
        let agent = SNMPAgent(community: "public", source: long)
        let v2 = try decode(agent.respond(to: request(.getRequest, ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.1.0"])))
        #expect(v2.errorStatus == SNMPErrorStatus.tooBig.rawValue && v2.errorIndex == 0 && v2.varbinds.isEmpty)
        let v1 = try decode(agent.respond(to: request(.getRequest, ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.1.0"], version: .v1)))
        #expect(v1.errorStatus == SNMPErrorStatus.tooBig.rawValue && v1.varbinds.map(\.value) == [.null, .null])
    }

    @Test func endOfMibViewInV2cIsNoSuchNameInV1() throws {
        let last = "1.3.6.1.4.1.99999.1.6.0"
        let v2 = try decode(agent.respond(to: request(.getNextRequest, ["1.3.6.1.2.1.1.1.0", last])))
        #expect(v2.errorStatus == 0)
        #expect(v2.varbinds[1] == VarBind(oid(last), .endOfMibView))
        let v1 = try decode(agent.respond(to: request(.getNextRequest, ["1.3.6.1.2.1.1.1.0", last], version: .v1)))
        #expect(v1.errorStatus == SNMPErrorStatus.noSuchName.rawValue && v1.errorIndex == 2)
        #expect(v1.varbinds == [VarBind(oid("1.3.6.1.2.1.1.1.0")), VarBind(oid(last))])
    }

    @Test func v1NeverSeesCounter64() throws {
        let walk = try decode(agent.respond(to: request(.getNextRequest, ["1.3.6.1.2.1.31.1.1.1.1.2"], version: .v1)))
        #expect(walk.varbinds.first?.oid == oid("1.3.6.1.2.1.31.1.1.1.15.1"))
        let get = try decode(agent.respond(to: request(.getRequest, ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.31.1.1.1.6.2"], version: .v1)))
        #expect(get.errorStatus == SNMPErrorStatus.noSuchName.rawValue && get.errorIndex == 2)
        let v2 = try decode(agent.respond(to: request(.getRequest, ["1.3.6.1.2.1.31.1.1.1.6.2"])))
        #expect(v2.varbinds.first?.value == .counter64(1000))
    }

    @Test func getAnswersExceptionsPerBindingInV2c() throws {
        let pdu = try decode(agent.respond(to: request(.getRequest, ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.5", "1.3.6.1.2.1.2.2.1.2.9"])))
        #expect(pdu.errorStatus == 0)
        #expect(pdu.varbinds.map(\.value) == [.string("weft-test"), .noSuchObject, .noSuchInstance])
    }

    @Test func setIsRefused() throws {
        let v2 = try decode(agent.respond(to: request(.setRequest, ["1.3.6.1.2.1.1.5.0"], value: .string("pwned"))))
        #expect(v2.errorStatus == SNMPErrorStatus.notWritable.rawValue && v2.errorIndex == 1)
        #expect(v2.varbinds == [VarBind(oid("1.3.6.1.2.1.1.5.0"), .string("pwned"))])
        let v1 = try decode(agent.respond(to: request(.setRequest, ["1.3.6.1.2.1.1.5.0"], version: .v1, value: .integer(1))))
        #expect(v1.errorStatus == SNMPErrorStatus.noSuchName.rawValue && v1.errorIndex == 1)
    }

    @Test func wrongCommunityIsNotAnsweredButCounted() {
        #expect(agent.respond(to: request(.getRequest, ["1.3.6.1.2.1.1.1.0"], community: "private")) == nil)
        #expect(agent.respond(to: request(.getRequest, ["1.3.6.1.2.1.1.1.0"], community: "publi")) == nil)
        #expect(agent.respond(to: request(.getRequest, ["1.3.6.1.2.1.1.1.0"], community: "")) == nil)
        #expect(agent.statistics == { var s = SNMPStatistics(); s.received = 3; s.badCommunity = 3; return s }())
    }

    @Test func unsupportedMessagesAreDroppedAndCounted() {
        // An SNMPv3 header, a GetBulk in v1, and a Response sent to the agent.
        // Captured from `snmpget -v3 -l noAuthNoPriv -u weft` (net-snmp 5.9): the engine-ID discovery probe.
        let v3 = bytes("303e020103301102043827c5f5020300ffe30401040201030410300e0400020100020100040004000400301404000400a00e02043ea6b4e50201000201003000")
        #expect(agent.respond(to: v3) == nil)
        #expect(agent.respond(to: request(.getBulkRequest, ["1.3.6.1"], version: .v1, maxRepetitions: 5)) == nil)
        #expect(agent.respond(to: request(.response, ["1.3.6.1"])) == nil)
        #expect(agent.respond(to: [0x30, 0x03, 0x02, 0x01]) == nil)
        let s = agent.statistics
        #expect(s.received == 4 && s.unsupported == 3 && s.malformed == 1 && s.answered == 0)
    }

    @Test func snapshotsAreCachedForTheirLifetime() throws {
        final class Counting: SNMPDataSource, @unchecked Sendable {
            var calls = 0
            func snapshot() -> [(OID, SNMPValue)] {
                calls += 1
                return [(oid("1.3.6.1.2.1.1.3.0"), .timeTicks(UInt32(calls)))]
            }
        }
        let source = Counting()
        let cached = SNMPAgent(community: "public", source: source, cacheLifetime: .seconds(60))
        for _ in 0..<5 { _ = cached.respond(to: request(.getRequest, ["1.3.6.1.2.1.1.3.0"])) }
        #expect(source.calls == 1)
        let uncached = SNMPAgent(community: "public", source: source, cacheLifetime: .zero)
        for _ in 0..<5 { _ = uncached.respond(to: request(.getRequest, ["1.3.6.1.2.1.1.3.0"])) }
        #expect(source.calls == 6)
    }
}
