import Testing
@testable import WeftIDS

/// Each keyword on hand-made packets: one UDP datagram, or one TCP conversation.
@Suite struct KeywordTests {
    func udp(_ payload: String, ttl: UInt8 = 64) -> TestTraffic {
        var t = TestTraffic()
        let l4 = TestTraffic.be16(1234) + TestTraffic.be16(53) + TestTraffic.be16(UInt16(8 + payload.utf8.count)) + [0, 0] + payload.bytes
        t.add(TestTraffic.ethernet(TestTraffic.ipv4(src: "192.168.1.2", dst: "8.8.8.8", proto: 17, ttl: ttl, l4: l4)))
        return t
    }

    func hits(_ payload: String, _ options: String) throws -> Bool {
        try !udp(payload).sids("alert udp any any -> any any (\(options) sid:1;)").isEmpty
    }

    @Test func content() throws {
        #expect(try hits("hello world", #"content:"world";"#))
        #expect(try !hits("hello world", #"content:"World";"#))
        #expect(try hits("hello World", #"content:"world"; nocase;"#))
        #expect(try hits("ab\u{1}cd", #"content:"b|01 63|d";"#))
        #expect(try hits("hello world", #"content:!"planet";"#))
        #expect(try !hits("hello world", #"content:!"world";"#))
    }

    @Test func depthAndOffset() throws {
        #expect(try hits("abcdef", #"content:"abc"; depth:3;"#))
        #expect(try !hits("abcdef", #"content:"bcd"; depth:3;"#))
        #expect(try hits("abcdef", #"content:"cde"; offset:2; depth:3;"#))
        #expect(try !hits("abcdef", #"content:"abc"; offset:1;"#))
    }

    @Test func distanceAndWithin() throws {
        #expect(try hits("AAA..BBB", #"content:"AAA"; content:"BBB"; distance:2; within:3;"#))
        #expect(try !hits("AAA..BBB", #"content:"AAA"; content:"BBB"; distance:3;"#))
        #expect(try !hits("AAA....BBB", #"content:"AAA"; content:"BBB"; within:5;"#))
        // A later occurrence of the first content is tried when the relative one fails.
        #expect(try hits("AAA-xxxxx-AAA-BBB", #"content:"AAA"; content:"BBB"; distance:0; within:4;"#))
        #expect(try hits("AAA BBB", #"content:"AAA"; content:!"CCC"; distance:0; within:4;"#))
    }

    @Test func startswithAndEndswith() throws {
        #expect(try hits("GET /x", #"content:"GET"; startswith;"#))
        #expect(try !hits("xGET /x", #"content:"GET"; startswith;"#))
        #expect(try hits("file.exe", #"content:".exe"; endswith;"#))
        #expect(try !hits("file.exe.txt", #"content:".exe"; endswith;"#))
        #expect(try hits("example.com", #"content:!".google.com"; endswith;"#))
        #expect(try !hits("www.google.com", #"content:!".google.com"; endswith;"#))
    }

    @Test func pcre() throws {
        #expect(try hits("id=12345", #"pcre:"/id=\d+/";"#))
        #expect(try hits("ID=1", #"pcre:"/id=\d/i";"#))
        #expect(try !hits("id=x", #"pcre:"/id=\d/";"#))
        #expect(try hits("id=x", #"pcre:!"/id=\d/";"#))
        #expect(try hits("key:\u{0}", #"content:"key:"; pcre:"/^\x00/R";"#))
        #expect(try !hits("key:a\u{0}", #"content:"key:"; pcre:"/^\x00/R";"#))
        #expect(try hits("x", #"pcre:"/(?P<name>x)/";"#))
    }

    @Test func dsizeAndTTL() throws {
        #expect(try hits("12345", "dsize:5;"))
        #expect(try hits("12345", "dsize:>4;"))
        #expect(try !hits("12345", "dsize:<5;"))
        #expect(try hits("12345", "dsize:4<>6;"))
        #expect(try !udp("x", ttl: 64).sids("alert udp any any -> any any (ttl:<10; sid:1;)").contains(1))
        #expect(try udp("x", ttl: 3).sids("alert udp any any -> any any (ttl:<10; sid:1;)") == [1])
    }

    @Test func itypeAndIcode() throws {
        var t = TestTraffic()
        t.add(TestTraffic.ethernet(TestTraffic.ipv4(src: "10.0.0.1", dst: "10.0.0.2", proto: 1, l4: [8, 0, 0, 0, 0, 1, 0, 1] + "ping".bytes)))
        t.add(TestTraffic.ethernet(TestTraffic.ipv4(src: "10.0.0.2", dst: "10.0.0.1", proto: 1, l4: [3, 3, 0, 0, 0, 0, 0, 0])))
        let rules = """
            alert icmp any any -> any any (itype:8; sid:1;)
            alert icmp any any -> any any (itype:>2; icode:3; sid:2;)
            alert icmp any any -> any any (itype:7<>20; sid:3;)
            """
        let alerts = try t.run(rules)
        #expect(alerts.map(\.rule.sid) == [1, 3, 2])
        let line = AlertFormat.fastLine(alerts[0])
        #expect(line.hasSuffix("{ICMP} 10.0.0.1:8 -> 10.0.0.2:0"))
    }

    @Test func flags() throws {
        let t = TestTraffic.conversation(clientSegments: ["x".bytes])
        #expect(try t.sids("alert tcp any any -> any any (flags:S; sid:1;)") == [1])
        #expect(try t.sids("alert tcp any any -> any any (flags:SA; sid:1;)") == [1])
        #expect(try t.sids("alert tcp any any -> any any (flags:F+; sid:1;)").count == 2)
        #expect(try t.sids("alert tcp any any -> any any (flags:S,CE; sid:1;)") == [1])
    }

    @Test func flowDirectionAndState() throws {
        let t = TestTraffic.conversation(clientSegments: ["request".bytes], serverSegments: ["response".bytes])
        #expect(try t.sids(#"alert tcp any any -> any any (flow:established,to_server; content:"request"; sid:1;)"#) == [1])
        #expect(try t.sids(#"alert tcp any any -> any any (flow:to_client; content:"request"; sid:1;)"#).isEmpty)
        #expect(try t.sids(#"alert tcp any any -> any any (flow:from_server,established; content:"response"; sid:1;)"#) == [1])
        // Without the handshake (and without midstream pickup) nothing is established.
        let mid = TestTraffic.conversation(clientSegments: ["request".bytes], handshake: false)
        #expect(try mid.sids(#"alert tcp any any -> any any (flow:established; content:"request"; sid:1;)"#).isEmpty)
        #expect(try mid.sids(#"alert tcp any any -> any any (content:"request"; sid:1;)"#) == [1])
        var opts = EngineOptions()
        opts.midstream = true
        #expect(try mid.sids(#"alert tcp any any -> any any (flow:established; content:"request"; sid:1;)"#, options: opts) == [1])
    }

    @Test func streamOrPacketOnly() throws {
        // Split across two segments: only the reassembled stream holds the whole string.
        let t = TestTraffic.conversation(clientSegments: ["hel".bytes, "lo".bytes])
        #expect(try t.sids(#"alert tcp any any -> any any (flow:only_stream; content:"hello"; sid:1;)"#) == [1])
        #expect(try t.sids(#"alert tcp any any -> any any (flow:no_stream; content:"hello"; sid:1;)"#).isEmpty)
        #expect(try t.sids(#"alert tcp any any -> any any (flow:no_stream; content:"lo"; sid:1;)"#) == [1])
        // dsize is a packet test: it sees each segment, not the stream.
        #expect(try t.sids(#"alert tcp any any -> any any (dsize:2; content:"lo"; sid:1;)"#) == [1])
    }

    @Test func flowbits() throws {
        let t = TestTraffic.conversation(clientSegments: ["HELO a\r\n".bytes, "DATA\r\n".bytes], ackEach: true)
        let rules = """
            alert tcp any any -> any any (content:"HELO"; flowbits:set,helo; flowbits:noalert; sid:1;)
            alert tcp any any -> any any (content:"DATA"; flowbits:isset,helo; sid:2;)
            alert tcp any any -> any any (content:"DATA"; flowbits:isnotset,helo; sid:3;)
            alert tcp any any -> any any (content:"DATA"; flowbits:isset,other|helo; sid:4;)
            """
        #expect(try t.sids(rules).sorted() == [2, 4])
    }

    @Test func thresholdAndDetectionFilter() throws {
        var t = TestTraffic()
        for _ in 0..<6 {
            let l4 = TestTraffic.be16(1) + TestTraffic.be16(2) + TestTraffic.be16(9) + [0, 0] + "x".bytes
            t.add(TestTraffic.ethernet(TestTraffic.ipv4(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, l4: l4)))
        }
        let rules = """
            alert udp any any -> any any (content:"x"; threshold:type limit, track by_src, count 2, seconds 60; sid:1;)
            alert udp any any -> any any (content:"x"; threshold:type threshold, track by_dst, count 3, seconds 60; sid:2;)
            alert udp any any -> any any (content:"x"; threshold:type both, track by_flow, count 2, seconds 60; sid:3;)
            alert udp any any -> any any (content:"x"; detection_filter:track by_rule, count 4, seconds 60; sid:4;)
            """
        let counts = Dictionary(grouping: try t.sids(rules), by: { $0 }).mapValues(\.count)
        #expect(counts == [1: 2, 2: 2, 3: 1, 4: 2])
    }

    @Test func passAndDropActions() throws {
        let t = udp("payload")
        #expect(try t.sids("alert udp any any -> any any (sid:1;)\npass udp any any -> any any (sid:2;)").isEmpty)
        var ips = EngineOptions()
        ips.simulateIPS = true
        let blocked = try t.run("drop udp any any -> any any (sid:1;)", options: ips)
        #expect(blocked.map(\.action) == ["blocked"])
        #expect(AlertFormat.fastLine(blocked[0]).contains("  [Drop] [**] [1:1:0]"))
        let ids = try t.run("drop udp any any -> any any (sid:1;)")
        #expect(ids.map(\.action) == ["allowed"])
        #expect(AlertFormat.fastLine(ids[0]).contains("  [wDrop] [**] [1:1:0]"))
    }

    @Test func headerAddressesPortsAndBidirectional() throws {
        let t = udp("x")
        #expect(try t.sids("alert udp 192.168.1.2 1234 -> 8.8.8.8 53 (sid:1;)") == [1])
        #expect(try t.sids("alert udp 8.8.8.8 53 -> 192.168.1.2 1234 (sid:1;)").isEmpty)
        #expect(try t.sids("alert udp 8.8.8.8 53 <> 192.168.1.2 1234 (sid:1;)") == [1])
        #expect(try t.sids("alert udp $HOME_NET any -> $EXTERNAL_NET any (sid:1;)") == [1])
        #expect(try t.sids("alert udp !$HOME_NET any -> any any (sid:1;)").isEmpty)
        #expect(try t.sids("alert tcp any any -> any any (sid:1;)").isEmpty)
    }
}

@Suite struct MatcherCostTests {
    /// Contents that do not depend on each other are not backtracked over: a miss on the
    /// last of many is found in one pass, not by trying every combination of occurrences.
    @Test func independentContentsDoNotBacktrack() {
        let data = Array(String(repeating: "DATA", count: 1000).utf8)
        var items = (0..<6).map { _ in MatchItem.content(ContentMatch(pattern: "DATA".bytes)) }
        items.append(.content(ContentMatch(pattern: "NOPE".bytes)))
        #expect(!PayloadMatcher.matches(items, in: data))
        items[6] = .content(ContentMatch(pattern: "ADAT".bytes))
        #expect(PayloadMatcher.matches(items, in: data))
        // With minEnd, the furthest occurrence counts.
        #expect(PayloadMatcher.matches([.content(ContentMatch(pattern: "DATA".bytes))], in: data, minEnd: 3990))
    }
}
