import Foundation
import Testing
@testable import WeftIDS

@Suite struct StreamAndHTTPTests {
    static let articleRule = #"alert tcp any any <> any any (pcre:"/5\d{3}(\s|-)?\d{4}(\s|-)?\d{4}(\s|-)?\d{4}/"; msg:"MasterCard number detected in clear text";sid:9000001;rev:1;)"#

    @Test func cardNumberSplitAcrossSegmentsMatches() throws {
        let t = TestTraffic.conversation(clientSegments: ["card=5555 5555".bytes, " 5555 4444&x=1".bytes])
        #expect(try t.sids(StreamAndHTTPTests.articleRule) == [9_000_001])
        var inline = EngineOptions()
        inline.streamInline = true
        let each = TestTraffic.conversation(clientSegments: ["card=5555 5555".bytes, " 5555 4444&x=1".bytes], ackEach: true)
        #expect(try each.sids(StreamAndHTTPTests.articleRule, options: inline) == [9_000_001])
    }

    @Test func fifteenDigitNearMissDoesNotMatch() throws {
        let t = TestTraffic.conversation(clientSegments: ["card=5555 5555".bytes, " 5555 444&x=1".bytes])
        #expect(try t.sids(StreamAndHTTPTests.articleRule).isEmpty)
    }

    @Test func outOfOrderSegmentsAreReassembled() throws {
        var t = TestTraffic()
        let c = "10.0.0.1", s = "10.0.0.2"
        t.addTCP(src: c, sport: 4000, dst: s, dport: 80, seq: 100, ack: 0, flags: TCPFlag.syn)
        t.addTCP(src: s, sport: 80, dst: c, dport: 4000, seq: 900, ack: 101, flags: TCPFlag.syn | TCPFlag.ack)
        t.addTCP(src: c, sport: 4000, dst: s, dport: 80, seq: 101, ack: 901, flags: TCPFlag.ack)
        t.addTCP(src: c, sport: 4000, dst: s, dport: 80, seq: 106, ack: 901, flags: TCPFlag.ack, payload: "WORLD".bytes)
        t.addTCP(src: c, sport: 4000, dst: s, dport: 80, seq: 101, ack: 901, flags: TCPFlag.ack, payload: "HELLO".bytes)
        t.addTCP(src: c, sport: 4000, dst: s, dport: 80, seq: 103, ack: 901, flags: TCPFlag.ack, payload: "XXXXX".bytes)  // overlap: first data wins
        t.addTCP(src: s, sport: 80, dst: c, dport: 4000, seq: 901, ack: 111, flags: TCPFlag.ack)
        t.addTCP(src: c, sport: 4000, dst: s, dport: 80, seq: 111, ack: 901, flags: TCPFlag.fin | TCPFlag.ack)
        #expect(try t.sids(#"alert tcp any any -> any any (content:"HELLOWORLD"; sid:1;)"#) == [1])
        #expect(try t.sids(#"alert tcp any any -> any any (content:"XXX"; sid:1;)"#).isEmpty)
    }

    @Test func streamStaysWithinItsDepth() {
        var s = TCPStream()
        s.depth = 100
        s.setBase(0)
        for i in 0..<50 { s.add(seq: UInt32(i * 10), payload: Array(repeating: 65, count: 10)) }
        #expect(s.data.count == 100)
        // Far-ahead segments are bounded too.
        for i in 0..<10_000 { s.add(seq: UInt32(200_000 + i * 1000), payload: Array(repeating: 66, count: 1000)) }
        #expect(s.pendingBytes <= TCPStream.maxPendingBytes)
    }

    static let request = "GET /a/./b/../c%2Fd?q=1 HTTP/1.1\r\nHost: WWW.Example.COM:8080\r\nUser-Agent: Tester/1.0\r\nCookie: sess=abc\r\nContent-Length: 5\r\n\r\nhello"
    static let response = "HTTP/1.1 404 Not Found\r\nServer: ng1nx\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n3\r\n!!!\r\n0\r\n\r\n"

    @Test func httpStickyBuffersAndLegacyModifiers() throws {
        let t = TestTraffic.conversation(clientSegments: [StreamAndHTTPTests.request.bytes], serverSegments: [StreamAndHTTPTests.response.bytes])
        let cases: [(String, Bool)] = [
            (#"http.method; content:"GET";"#, true),
            (#"http.uri; content:"/a/c/d?q=1";"#, true),
            (#"http.uri.raw; content:"/a/./b/../c%2Fd";"#, true),
            (#"content:"/c%2Fd"; http_raw_uri;"#, true),
            (#"content:"/a/c/d"; http_uri;"#, true),
            (#"http.host; content:"www.example.com"; endswith;"#, true),
            (#"http.user_agent; content:"Tester";"#, true),
            (#"content:"Tester"; http_user_agent;"#, true),
            (#"http.cookie; content:"sess=abc";"#, true),
            (#"http.header; content:"Host|3a| WWW";"#, true),
            (#"http.header; content:"sess=abc";"#, false),
            (#"http.request_body; content:"hello";"#, true),
            (#"content:"hello"; http_client_body;"#, true),
            (#"http.stat_code; content:"404";"#, true),
            (#"content:"404"; http_stat_code;"#, true),
            (#"http.response_body; content:"body!!!";"#, true),
            (#"content:"ng1nx"; http_header; flow:from_server;"#, true),
            (#"pcre:"/\/c\/d/U";"#, true),
            (#"pcre:"/c%2F/I";"#, true),
            (#"http.method; content:"POST";"#, false),
            (#"http.stat_code; content:"200";"#, false),
        ]
        for (opts, expected) in cases {
            let got = try t.sids("alert http any any -> any any (\(opts) sid:1;)")
            #expect(got == (expected ? [1] : []), "\(opts)")
        }
    }

    @Test func normalisesURIs() {
        #expect(HTTPTransaction.normalizeURI("/a/./b/../c".bytes) == "/a/c".bytes)
        #expect(HTTPTransaction.normalizeURI("/%41/%2e%2e/x".bytes) == "/x".bytes)
        #expect(HTTPTransaction.normalizeURI("http://host/p?x=%41".bytes) == "/p?x=A".bytes)
        #expect(HTTPTransaction.normalizeURI("//a//b/".bytes) == "/a/b/".bytes)
    }

    /// The articles' rule, written by `weft-ids replay` from a pcap file, byte for byte apart from the time.
    @Test func articlesRuleFastLogLine() throws {
        let t = TestTraffic.conversation(clientSegments: ["POST /pay HTTP/1.1\r\nContent-Length: 24\r\n\r\ncard=5105 1051 0510 5100".bytes])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weft-ids-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pcap = dir + "/in.pcap", rules = dir + "/test.rules"
        #expect(FileManager.default.createFile(atPath: pcap, contents: Data(t.pcap())))
        #expect(FileManager.default.createFile(atPath: rules, contents: Data((StreamAndHTTPTests.articleRule + "\n").utf8)))
        let summary = try Replay(rulesPath: rules, pcapPath: pcap, logDir: dir + "/out", options: EngineOptions()).run()
        #expect(summary.alerts == 1)
        let fast = try String(contentsOfFile: dir + "/out/fast.log", encoding: .utf8)
        let lines = fast.split(separator: "\n")
        #expect(lines.count == 1)
        let line = String(lines[0])
        let stamp = line.prefix(26)
        #expect(stamp.range(of: #"^\d\d/\d\d/\d{4}-\d\d:\d\d:\d\d\.\d{6}$"#, options: .regularExpression) != nil)
        #expect(line.dropFirst(26) == "  [**] [1:9000001:1] MasterCard number detected in clear text [**] [Classification: (null)] [Priority: 3] {TCP} 10.0.1.5:50432 -> 10.0.2.7:80")
        let eve = try String(contentsOfFile: dir + "/out/eve.json", encoding: .utf8)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(eve.split(separator: "\n")[0].utf8)) as? [String: Any])
        #expect(obj["event_type"] as? String == "alert")
        #expect(obj["src_ip"] as? String == "10.0.1.5" && obj["dest_port"] as? Int == 80 && obj["proto"] as? String == "TCP")
        let alert = try #require(obj["alert"] as? [String: Any])
        #expect(alert["signature_id"] as? Int == 9_000_001 && alert["action"] as? String == "allowed" && alert["severity"] as? Int == 3)
        #expect(alert["category"] as? String == "")
    }

    @Test func fastLogTimestampFormat() {
        setenv("TZ", "UTC", 1)
        tzset()
        #expect(AlertFormat.fastTimestamp(1_406_058_680, 753_227) == "07/22/2014-19:51:20.753227")
        #expect(AlertFormat.eveTimestamp(1_406_058_680, 753_227) == "2014-07-22T19:51:20.753227+0000")
    }
}

@Suite struct EveHTTPTests {
    @Test func alertCarriesHTTPObject() throws {
        let t = TestTraffic.conversation(clientSegments: ["GET /x?y=1 HTTP/1.1\r\nHost: Example.org\r\nUser-Agent: UA/1\r\n\r\n".bytes],
                                         serverSegments: ["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok".bytes])
        let alerts = try t.run(#"alert http any any -> any any (http.stat_code; content:"200"; sid:1;)"#)
        #expect(alerts.count == 1)
        let line = AlertFormat.eveLine(try #require(alerts.first))
        #expect(line.contains(#""app_proto":"http""#))
        #expect(line.contains(#""http":{"hostname":"example.org","url":"/x?y=1","http_user_agent":"UA/1","http_content_type":"text/plain","http_method":"GET","protocol":"HTTP/1.1","status":200,"length":2}"#))
    }
}
