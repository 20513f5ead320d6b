import Testing
@testable import WeftIDS

@Suite struct BadInputTests {
    @Test func synFloodStaysUnderTheFlowCap() throws {
        var o = EngineOptions()
        o.maxFlows = 1000
        let rules = try RuleSet.parse(#"alert tcp any any -> any any (content:"x"; sid:1;)"#).rules
        let engine = DetectionEngine(rules: rules, options: o) { _ in }
        for i in 0..<20_000 {
            let frame = TestTraffic.ethernet(TestTraffic.ipv4(src: "10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)", dst: "10.0.0.1", proto: 6,
                l4: TestTraffic.tcp(sport: UInt16(1024 + i % 60000), dport: 80, seq: UInt32(i), ack: 0, flags: TCPFlag.syn)))
            var p = try #require(PacketDecoder.decode(frame, linkType: .ethernet))
            p.number = i + 1
            p.seconds = 1000
            engine.process(p)
            #expect(engine.flowCount <= 1000)
        }
    }

    @Test func overlappingAndFarSegmentsStayUnderTheStreamCap() throws {
        var o = EngineOptions()
        o.streamDepth = 64 << 10
        let engine = DetectionEngine(rules: try RuleSet.parse(#"alert tcp any any -> any any (content:"zz"; sid:1;)"#).rules, options: o) { _ in }
        var t = TestTraffic()
        t.addTCP(src: "10.0.0.1", sport: 1, dst: "10.0.0.2", dport: 2, seq: 0, ack: 0, flags: TCPFlag.syn)
        t.addTCP(src: "10.0.0.2", sport: 2, dst: "10.0.0.1", dport: 1, seq: 0, ack: 1, flags: TCPFlag.syn | TCPFlag.ack)
        let chunk = [UInt8](repeating: 65, count: 1000)
        for i in 0..<3000 {
            // Overlapping retransmissions, and segments far beyond what has arrived.
            t.addTCP(src: "10.0.0.1", sport: 1, dst: "10.0.0.2", dport: 2, seq: UInt32(1 + (i % 50) * 500), ack: 1, flags: TCPFlag.ack, payload: chunk)
            t.addTCP(src: "10.0.0.1", sport: 1, dst: "10.0.0.2", dport: 2, seq: UInt32(100_000 + i * 2000), ack: 1, flags: TCPFlag.ack, payload: chunk)
        }
        for (i, f) in t.frames.enumerated() {
            var p = try #require(PacketDecoder.decode(f.bytes, linkType: .ethernet))
            p.number = i + 1
            engine.process(p)
        }
        #expect(engine.reassemblyBytes <= (64 << 10) + TCPStream.maxPendingBytes)
        engine.finish()
    }

    @Test func corruptPcapsNeverCrash() {
        var t = TestTraffic.conversation(clientSegments: ["GET / HTTP/1.1\r\nHost: a\r\n\r\n".bytes])
        t.add([1, 2, 3])
        let good = t.pcap()
        var rng = SystemRandomNumberGenerator()
        for n in stride(from: 0, to: good.count, by: 7) {
            var cut = good.prefix(n).map { $0 }
            if cut.count > 30 { cut[Int.random(in: 24..<cut.count, using: &rng)] ^= 0xff }
            guard var r = try? PcapReader(bytes: cut) else { continue }
            let engine = DetectionEngine(rules: []) { _ in }
            while let rec = r.next() {
                if let p = PacketDecoder.decode(rec.data, linkType: r.linkType) { engine.process(p) }
            }
            engine.finish()
        }
    }
}
