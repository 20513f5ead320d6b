import Testing
@testable import WeftIDS

@Suite struct DecoderTests {
    static let frame = TestTraffic.ethernet(TestTraffic.ipv4(src: "10.0.0.1", dst: "10.0.0.2", proto: 6,
        l4: TestTraffic.tcp(sport: 1, dport: 2, seq: 7, ack: 9, flags: TCPFlag.psh | TCPFlag.ack, payload: "data".bytes)))

    @Test func ethernetIPv4TCP() throws {
        let p = try #require(PacketDecoder.decode(DecoderTests.frame, linkType: .ethernet))
        #expect(p.src.description == "10.0.0.1" && p.dst.description == "10.0.0.2")
        #expect(p.srcPort == 1 && p.dstPort == 2 && p.seq == 7 && p.ack == 9 && p.payload == "data".bytes)
    }

    @Test func vlanSLLNullAndRaw() throws {
        let ip = Array(DecoderTests.frame.dropFirst(14))
        let vlan = try #require(PacketDecoder.decode(TestTraffic.ethernet(ip, vlan: 42), linkType: .ethernet))
        #expect(vlan.vlan == 42 && vlan.payload == "data".bytes)
        let sll = try #require(PacketDecoder.decode([0, 0, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8) + [0x08, 0x00] + ip, linkType: .linuxSLL))
        #expect(sll.payload == "data".bytes)
        let null = try #require(PacketDecoder.decode([2, 0, 0, 0] + ip, linkType: .null))
        #expect(null.dstPort == 2)
        let raw = try #require(PacketDecoder.decode(ip, linkType: .raw))
        #expect(raw.srcPort == 1)
    }

    @Test func ipv6UDP() throws {
        var ip6: [UInt8] = [0x60, 0, 0, 0, 0, 12, 17, 64]
        ip6 += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        ip6 += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
        ip6 += TestTraffic.be16(5353) + TestTraffic.be16(53) + TestTraffic.be16(12) + [0, 0] + "abcd".bytes
        var f: [UInt8] = [UInt8](repeating: 0, count: 12) + [0x86, 0xdd]
        f += ip6
        let p = try #require(PacketDecoder.decode(f, linkType: .ethernet))
        #expect(p.ipVersion == 6 && p.src.description == "2001:db8::1" && p.payload == "abcd".bytes)
    }

    @Test func truncatedAndCorruptFramesNeverCrash() {
        let f = DecoderTests.frame
        for n in 0...f.count { _ = PacketDecoder.decode(Array(f.prefix(n)), linkType: .ethernet) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var g = f
            for _ in 0..<4 { g[Int.random(in: 0..<g.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            for lt in [LinkType.ethernet, .null, .linuxSLL, .raw] { _ = PacketDecoder.decode(g, linkType: lt) }
        }
    }

    @Test func pcapByteOrdersAndRefusals() throws {
        var t = TestTraffic()
        t.add(DecoderTests.frame)
        for be in [false, true] {
            var r = try PcapReader(bytes: t.pcap(bigEndian: be))
            #expect(r.linkType == .ethernet)
            let first = r.next()
            let rec = try #require(first)
            #expect(rec.data == DecoderTests.frame && rec.microseconds == 753_227)
            let second = r.next()
            #expect(second == nil)
        }
        #expect(throws: IDSError(.pcapFormat, "")) { try PcapReader(bytes: [0x0a, 0x0d, 0x0d, 0x0a] + [UInt8](repeating: 0, count: 28)) }
        #expect(throws: IDSError(.pcapFormat, "")) { try PcapReader(bytes: [1, 2, 3]) }
        // A truncated last record ends the file quietly.
        var cut = try PcapReader(bytes: Array(t.pcap().dropLast(5)))
        let none = cut.next()
        #expect(none == nil)
    }

    @Test func pcapng() throws {
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
        func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
            var b = body
            while b.count % 4 != 0 { b.append(0) }
            let len = UInt32(b.count + 12)
            return le32(type) + le32(len) + b + le32(len)
        }
        let shb = block(0x0a0d_0d0a, le32(0x1a2b_3c4d) + le16(1) + le16(0) + [UInt8](repeating: 0xff, count: 8))
        // Interface with if_tsresol = 9 (nanoseconds).
        let idb = block(1, le16(1) + le16(0) + le32(65535) + le16(9) + le16(1) + [9, 0, 0, 0] + le16(0) + le16(0))
        let ts: UInt64 = 1_406_058_680 * 1_000_000_000 + 753_227_123
        let frame = DecoderTests.frame
        let epb = block(6, le32(0) + le32(UInt32(ts >> 32)) + le32(UInt32(ts & 0xffff_ffff)) + le32(UInt32(frame.count)) + le32(UInt32(frame.count)) + frame)
        var r = try PcapReader(bytes: shb + idb + epb + epb)
        #expect(r.isPcapng && r.linkType == .ethernet)
        let first = r.next()
        let rec = try #require(first)
        #expect(rec.data == frame && rec.seconds == 1_406_058_680 && rec.microseconds == 753_227)
        let second = r.next()
        #expect(second != nil)
        let third = r.next()
        #expect(third == nil)
    }
}

@Suite struct AddressTextTests {
    @Test func suricataPrintsIPv6WithAllZeroes() {
        #expect(IPAddress("2001:db8::1")!.suricataText == "2001:0db8:0000:0000:0000:0000:0000:0001")
        #expect(IPAddress("10.0.1.5")!.suricataText == "10.0.1.5")
        #expect(IPAddress("::ffff:1.2.3.4")!.description == "::ffff:102:304")
    }
}
