import Testing
import WeftCapture

@Suite struct PacketFilterTests {
    @Test func goodExpressionsCompile() throws {
        for expression in ["", "icmp", "tcp port 8000", "udp and not port 53", "host 198.18.0.1 and (icmp or tcp[13] & 2 != 0)"] {
            let filter = try PacketFilter.compile(expression, linkType: .ethernet)
            #expect(filter.instructionCount > 0, "\(expression)")
        }
        #expect(try PacketFilter.compile("icmp", linkType: .raw).linkType == .raw)
    }

    @Test func aBadExpressionCarriesLibpcapsMessage() {
        #expect {
            try PacketFilter.compile("icmpp")
        } throws: { error in
            guard let error = error as? CaptureError else { return false }
            return error.kind == .invalid && error.reason == "Bad filter \"icmpp\": can't parse filter expression: syntax error"
        }
        #expect(throws: CaptureError.self) { try PacketFilter.compile("tcp port") }
        #expect(throws: CaptureError.self) { try PacketFilter.compile("port 99999") }
        #expect(throws: CaptureError.self) { try PacketFilter.compile("icmp\0") }
    }

    @Test func linkTypeMatters() {
        // tun devices are raw IP: there is no Ethernet header to match.
        #expect(throws: CaptureError.self) { try PacketFilter.compile("ether host 01:02:03:04:05:06", linkType: .raw) }
        #expect((try? PacketFilter.compile("ether host 01:02:03:04:05:06", linkType: .ethernet)) != nil)
    }

    @Test func compiledProgramsMatchFrames() throws {
        let echo = Fixture.ipv4("100.127.255.193", "100.127.255.253", proto: 1, payload: Fixture.icmpEcho(type: 8, id: 1, sequence: 1))
        let syn = Fixture.ipv4("198.18.0.1", "198.18.0.11", proto: 6, payload: Fixture.tcp(51234, 8000, flags: 0x02))
        let icmpRaw = try PacketFilter.compile("icmp", linkType: .raw)
        #expect(icmpRaw.matches(echo))
        #expect(!icmpRaw.matches(syn))
        let port = try PacketFilter.compile("tcp dst port 8000", linkType: .ethernet)
        #expect(port.matches(Fixture.ethernet(syn)))
        #expect(!port.matches(Fixture.ethernet(echo)))
        #expect(try PacketFilter.compile("", linkType: .raw).matches(syn))
    }

    @Test func linkTypesOfInterfaces() {
        #expect(LinkType.forARPHRD(1) == .ethernet)
        #expect(LinkType.forARPHRD(772) == .ethernet)      // lo
        #expect(LinkType.forARPHRD(65534) == .raw)        // tun
        #expect(LinkType.forARPHRD(512) == .linuxSLL)     // ppp
        #expect(LinkType.of(interface: "../etc") == nil)
        #expect(NetworkInterfaceName.isValid("tun0") && NetworkInterfaceName.isValid("eth0.100"))
        for bad in ["", ".", "..", "a/b", "eth0:1", "has space", "sixteen-chars-xx"] {
            #expect(!NetworkInterfaceName.isValid(bad), "\(bad)")
        }
    }
}
