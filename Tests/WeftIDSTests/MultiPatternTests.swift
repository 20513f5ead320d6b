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

@Suite struct HTTPPrefilterTests {
    @Test func httpPrefilterKeepsResults() throws {
        var rules = ""
        for i in 0..<300 { rules += "alert http any any -> any any (http.uri; content:\"/page\(i)\"; endswith; sid:\(i + 1);)\n" }
        rules += #"alert http any any -> any any (http.header; content:"X-Test|3a| yes"; sid:1000;)"# + "\n"
        rules += #"alert http any any -> any any (content:"nginx"; http_header; flow:to_client; sid:1001;)"# + "\n"
        rules += #"alert http any any -> any any (http.method; content:"GET"; http.uri; content:!"/nothing"; sid:1002;)"# + "\n"
        rules += #"alert http any any -> any any (http.response_body; content:"marker"; fast_pattern; http.stat_code; content:"200"; sid:1003;)"# + "\n"
        let requests = ["GET /page7 HTTP/1.1\r\nHost: a\r\nX-Test: yes\r\n\r\n", "GET /page42 HTTP/1.1\r\nHost: a\r\n\r\n"]
        let responses = ["HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 6\r\n\r\nmarker", "HTTP/1.1 404 No\r\nContent-Length: 0\r\n\r\n"]
        let t = TestTraffic.conversation(clientSegments: requests.map(\.bytes), serverSegments: responses.map(\.bytes))
        var plain = EngineOptions()
        plain.useHyperscan = false
        let withHS = try t.sids(rules).sorted()
        #expect(withHS == [8, 43, 1000, 1001, 1002, 1002, 1003])
        #expect(try t.sids(rules, options: plain).sorted() == withHS)
    }
}
