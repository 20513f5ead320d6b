import Testing
@testable import WeftIDS

@Suite struct MultiPatternTests {
    @Test func hyperscanFindsLiterals() throws {
        let m = try #require(MultiPatternMatcher([.init(bytes: "abc".bytes, nocase: false), .init(bytes: "XyZ".bytes, nocase: true), .init(bytes: [0, 1], nocase: false)]))
        var hits = [false, false, false]
        m.scan("--xyz--ab-".bytes, hits: &hits)
        #expect(hits == [false, true, false])
        m.scan([9, 0, 1, 9] + "abc".bytes, hits: &hits)
        #expect(hits == [true, true, true])
    }

    @Test func prefilterKeepsResults() throws {
        var rules = ""
        for i in 0..<1000 { rules += "alert udp any any -> any any (content:\"pattern\(i)\"; sid:\(i + 1);)\n" }
        rules += "alert udp any any -> any any (pcre:\"/pattern5\\d\\d/\"; sid:5000;)\n"
        rules += "alert udp any any -> any any (content:!\"nothing\"; sid:5001;)\n"
        var t = TestTraffic()
        let payload = "xx pattern500 yy".bytes
        t.add(TestTraffic.ethernet(TestTraffic.ipv4(src: "10.0.0.1", dst: "10.0.0.2", proto: 17,
                                                     l4: TestTraffic.be16(1) + TestTraffic.be16(2) + TestTraffic.be16(UInt16(8 + payload.count)) + [0, 0] + payload)))
        var plain = EngineOptions()
        plain.useHyperscan = false
        let withHS = try t.sids(rules).sorted()
        #expect(withHS == [6, 51, 501, 5000, 5001])
        #expect(try t.sids(rules, options: plain).sorted() == withHS)
    }

    @Test func tenThousandRulesLoad() throws {
        var rules = ""
        for i in 0..<10_000 { rules += "alert tcp any any -> any any (msg:\"r\(i)\"; content:\"needle-\(i)-x\"; nocase; sid:\(i + 1);)\n" }
        let set = try RuleSet.parse(rules)
        let engine = DetectionEngine(rules: set.rules) { _ in }
        #expect(engine.prefilter?.patternCount == 10_000)
    }
}
