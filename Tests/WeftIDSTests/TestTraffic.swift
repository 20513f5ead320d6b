import Foundation
@testable import WeftIDS

/// Builds frames and pcap files for tests: Ethernet + IPv4 + TCP/UDP/ICMP.
struct TestTraffic {
    var frames: [(sec: UInt32, usec: UInt32, bytes: [UInt8])] = []
    var clock: UInt32 = 1_406_058_680
    var usec: UInt32 = 753_227

    static func ip(_ s: String) -> [UInt8] { s.split(separator: ".").map { UInt8($0)! } }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    static func ipv4(src: String, dst: String, proto: UInt8, ttl: UInt8 = 64, l4: [UInt8]) -> [UInt8] {
        var h: [UInt8] = [0x45, 0] + be16(UInt16(20 + l4.count)) + [0, 1, 0x40, 0, ttl, proto, 0, 0]
        h += ip(src) + ip(dst)
        return h + l4
    }

    static func ethernet(_ payload: [UInt8], vlan: UInt16? = nil) -> [UInt8] {
        var f: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        if let vlan { f += [0x81, 0x00] + be16(vlan) }
        return f + [0x08, 0x00] + payload
    }

    static func tcp(sport: UInt16, dport: UInt16, seq: UInt32, ack: UInt32, flags: UInt8, payload: [UInt8] = []) -> [UInt8] {
        be16(sport) + be16(dport) + be32(seq) + be32(ack) + [0x50, flags] + be16(65535) + [0, 0, 0, 0] + payload
    }

    mutating func add(_ frame: [UInt8]) {
        frames.append((clock, usec, frame))
        usec += 1000
    }

    mutating func addTCP(src: String, sport: UInt16, dst: String, dport: UInt16, seq: UInt32, ack: UInt32, flags: UInt8, payload: [UInt8] = [], ttl: UInt8 = 64) {
        add(TestTraffic.ethernet(TestTraffic.ipv4(src: src, dst: dst, proto: 6, ttl: ttl,
                                                    l4: TestTraffic.tcp(sport: sport, dport: dport, seq: seq, ack: ack, flags: flags, payload: payload))))
    }

    /// A whole TCP conversation: handshake, client segments, server ACK, optional server segments, FINs.
    static func conversation(client: String = "10.0.1.5", cport: UInt16 = 50432, server: String = "10.0.2.7", sport: UInt16 = 80,
                             clientSegments: [[UInt8]], serverSegments: [[UInt8]] = [], ackEach: Bool = false, handshake: Bool = true) -> TestTraffic {
        var t = TestTraffic()
        var c: UInt32 = 1000, s: UInt32 = 5000
        let A = TCPFlag.ack, PA = TCPFlag.ack | TCPFlag.psh
        if handshake {
            t.addTCP(src: client, sport: cport, dst: server, dport: sport, seq: c, ack: 0, flags: TCPFlag.syn)
            t.addTCP(src: server, sport: sport, dst: client, dport: cport, seq: s, ack: c + 1, flags: TCPFlag.syn | A)
            c += 1; s += 1
            t.addTCP(src: client, sport: cport, dst: server, dport: sport, seq: c, ack: s, flags: A)
        }
        for seg in clientSegments {
            t.addTCP(src: client, sport: cport, dst: server, dport: sport, seq: c, ack: s, flags: PA, payload: seg)
            c += UInt32(seg.count)
            if ackEach { t.addTCP(src: server, sport: sport, dst: client, dport: cport, seq: s, ack: c, flags: A) }
        }
        if !ackEach { t.addTCP(src: server, sport: sport, dst: client, dport: cport, seq: s, ack: c, flags: A) }
        for seg in serverSegments {
            t.addTCP(src: server, sport: sport, dst: client, dport: cport, seq: s, ack: c, flags: PA, payload: seg)
            s += UInt32(seg.count)
        }
        if !serverSegments.isEmpty { t.addTCP(src: client, sport: cport, dst: server, dport: sport, seq: c, ack: s, flags: A) }
        t.addTCP(src: client, sport: cport, dst: server, dport: sport, seq: c, ack: s, flags: TCPFlag.fin | A)
        t.addTCP(src: server, sport: sport, dst: client, dport: cport, seq: s, ack: c + 1, flags: TCPFlag.fin | A)
        t.addTCP(src: client, sport: cport, dst: server, dport: sport, seq: c + 1, ack: s + 1, flags: A)
        return t
    }

    func pcap(bigEndian: Bool = false, linkType: UInt32 = 1) -> [UInt8] {
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? TestTraffic.be32(v) : [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? TestTraffic.be16(v) : [UInt8(v & 0xff), UInt8(v >> 8)] }
        var out = u32(0xa1b2_c3d4) + u16(2) + u16(4) + u32(0) + u32(0) + u32(65535) + u32(linkType)
        for f in frames {
            out += u32(f.sec) + u32(f.usec) + u32(UInt32(f.bytes.count)) + u32(UInt32(f.bytes.count)) + f.bytes
        }
        return out
    }

    /// Runs rules over the frames in memory and returns the alerts.
    func run(_ rules: String, options: EngineOptions = EngineOptions()) throws -> [Alert] {
        let set = try RuleSet.parse(rules)
        var alerts: [Alert] = []
        let engine = DetectionEngine(rules: set.rules, options: options) { alerts.append($0) }
        for (i, f) in frames.enumerated() {
            guard var p = PacketDecoder.decode(f.bytes, linkType: .ethernet) else { continue }
            p.number = i + 1
            p.seconds = f.sec
            p.microseconds = f.usec
            engine.process(p)
        }
        engine.finish()
        return alerts
    }

    func sids(_ rules: String, options: EngineOptions = EngineOptions()) throws -> [UInt32] {
        try run(rules, options: options).map(\.rule.sid)
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
