import Testing
import WeftCapture

@Suite struct PacketSummaryTests {
    let time = CaptureTimeFixture.noon

    func decode(_ frame: [UInt8], _ linkType: LinkType, interface: String = "eth0", wire: Int? = nil) -> PacketSummary {
        PacketSummary.decode(frame, linkType: linkType, wireLength: wire, time: time, interface: interface)
    }

    @Test func tcpSynOverEthernet() {
        let packet = Fixture.ipv4("198.18.0.1", "198.18.0.11", proto: 6, payload: Fixture.tcp(51234, 8000, flags: 0x02))
        let summary = decode(Fixture.ethernet(packet), .ethernet)
        #expect(summary.network == .ipv4 && summary.ipProtocol == 6)
        #expect(summary.sourcePort == 51234 && summary.destinationPort == 8000 && summary.tcpFlags == "S")
        #expect(summary.length == 40)
        #expect(summary.line == "2024-02-29T12:34:56.000789Z eth0 TCP 198.18.0.1:51234 > 198.18.0.11:8000 [S] length 40")
    }

    @Test(arguments: [(UInt8(0x12), "S."), (0x10, "."), (0x18, "P."), (0x11, "F."), (0x04, "R"), (0x14, "R."),
                      (0x19, "FP."), (0x00, "none"), (0xC2, "SEW")])
    func tcpFlagsAsTcpdumpWritesThem(flags: UInt8, text: String) {
        let packet = Fixture.ipv4("10.0.0.1", "10.0.0.2", proto: 6, payload: Fixture.tcp(80, 40000, flags: flags))
        #expect(decode(packet, .raw).tcpFlags == text)
    }

    @Test func udpOverRawIP() {
        let packet = Fixture.ipv4("100.127.255.193", "100.127.255.253", proto: 17, payload: Fixture.udp(5353, 53, payload: [1, 2, 3, 4]))
        let summary = decode(packet, .raw, interface: "tun0")
        #expect(summary.line == "2024-02-29T12:34:56.000789Z tun0 UDP 100.127.255.193:5353 > 100.127.255.253:53 length 32")
    }

    @Test func icmpEchoIsTheSameOnTunAndEthernet() {
        let request = Fixture.ipv4("100.127.255.193", "100.127.255.253", proto: 1, payload: Fixture.icmpEcho(type: 8, id: 7, sequence: 1))
        let raw = decode(request, .raw, interface: "tun0")
        #expect(raw.line == "2024-02-29T12:34:56.000789Z tun0 ICMP 100.127.255.193 > 100.127.255.253 echo request id 7 seq 1 length 84")
        #expect(raw.icmpType == 8 && raw.icmpCode == 0)

        var ethernet = decode(Fixture.ethernet(request), .ethernet, interface: "tun0")
        #expect(ethernet.length == 84)          // the IP length, not the 98-byte frame
        ethernet.interface = raw.interface
        #expect(ethernet == raw)
        #expect(decode(Fixture.sll(request), .linuxSLL, interface: "tun0") == raw)
        #expect(decode(Fixture.null(request), .null, interface: "tun0") == raw)
        #expect(decode(Fixture.ethernet(request, vlan: 42), .ethernet, interface: "tun0") == raw)

        let reply = Fixture.ipv4("100.127.255.253", "100.127.255.193", proto: 1, payload: Fixture.icmpEcho(type: 0, id: 7, sequence: 1))
        #expect(decode(reply, .raw).info == "echo reply id 7 seq 1")
    }

    @Test func otherProtocolsShowTheirNumber() {
        let gre = Fixture.ipv4("10.0.0.1", "10.0.0.2", proto: 47, payload: [UInt8](repeating: 0, count: 24))
        #expect(decode(gre, .raw).line == "2024-02-29T12:34:56.000789Z eth0 proto 47 10.0.0.1 > 10.0.0.2 length 44")
    }

    @Test func ipv6Icmp6AndTcp() {
        let echo = Fixture.ipv6(Fixture.v6a, Fixture.v6b, next: 58, payload: [128, 0, 0, 0] + Fixture.be16(3) + Fixture.be16(9))
        let summary = decode(Fixture.ethernet(echo, type: 0x86DD), .ethernet)
        #expect(summary.network == .ipv6)
        #expect(summary.line == "2024-02-29T12:34:56.000789Z eth0 ICMP6 2001:db8::1 > 2001:db8::2 echo request id 3 seq 9 length 48")

        // A destination-options header before TCP is skipped.
        let options: [UInt8] = [6, 0, 1, 4, 0, 0, 0, 0]
        let tcp = Fixture.ipv6(Fixture.v6b, Fixture.v6a, next: 60, payload: options + Fixture.tcp(443, 50000, flags: 0x12))
        #expect(decode(tcp, .raw).line == "2024-02-29T12:34:56.000789Z eth0 TCP [2001:db8::2]:443 > [2001:db8::1]:50000 [S.] length 68")
    }

    @Test func arpAndOtherEtherTypes() {
        let arp = decode(Fixture.ethernet(Fixture.arpRequest(sender: "198.18.0.1", target: "198.18.0.11"), type: 0x0806), .ethernet)
        #expect(arp.line == "2024-02-29T12:34:56.000789Z eth0 ARP 198.18.0.1 > 198.18.0.11 who-has 198.18.0.11 tell 198.18.0.1 length 42")
        let lldp = decode(Fixture.ethernet([UInt8](repeating: 0, count: 46), type: 0x88CC), .ethernet)
        #expect(lldp.line == "2024-02-29T12:34:56.000789Z eth0 ethertype 0x88cc length 60")
    }

    @Test func fragmentsAndTruncatedFrames() {
        let fragment = Fixture.ipv4("10.0.0.1", "10.0.0.2", proto: 17, payload: [UInt8](repeating: 0, count: 100), fragmentOffset: 1480)
        let summary = decode(fragment, .raw)
        #expect(summary.info == "frag offset 1480" && summary.sourcePort == nil)

        let cut = Array(Fixture.ipv4("10.0.0.1", "10.0.0.2", proto: 6, payload: Fixture.tcp(1, 2, flags: 2)).prefix(22))
        let truncated = decode(cut, .raw, wire: 40)
        #expect(truncated.info == "truncated" && truncated.source == "10.0.0.1" && truncated.length == 40)
        #expect(decode([0x02, 0x00], .ethernet).info == "truncated")
        #expect(decode([], .raw).line == "2024-02-29T12:34:56.000789Z eth0 unknown truncated length 0")
    }

    @Test func isoTimestamps() {
        #expect(CaptureTime(seconds: 0, microseconds: 0).iso8601 == "1970-01-01T00:00:00.000000Z")
        #expect(CaptureTime(seconds: -1, microseconds: 5).iso8601 == "1969-12-31T23:59:59.000005Z")
        #expect(CaptureTime(seconds: 4_102_444_800 + 86_399, microseconds: 999_999).iso8601 == "2100-01-01T23:59:59.999999Z")
    }
}
