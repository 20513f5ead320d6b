import Testing
@testable import WeftIDS

@Suite struct RuleParserTests {
    func error(_ text: String) -> IDSError? {
        do { _ = try RuleSet.parse(text); return nil } catch let e as IDSError { return e } catch { return nil }
    }

    @Test func parsesTheArticlesRule() throws {
        let set = try RuleSet.parse(#"alert tcp any any <> any any (pcre:"/5\d{3}(\s|-)?\d{4}(\s|-)?\d{4}(\s|-)?\d{4}/"; msg:"MasterCard number detected in clear text";sid:9000001;rev:1;)"#)
        let r = try #require(set.rules.first)
        #expect(r.sid == 9_000_001 && r.rev == 1 && r.gid == 1)
        #expect(r.bidirectional)
        #expect(r.msg == "MasterCard number detected in clear text")
        #expect(r.payloadItems.count == 1)
        #expect(r.effectivePriority == 3)
    }

    @Test func headerListsNegationRangesAndVariables() throws {
        let r = try #require(try RuleSet.parse("alert udp $EXTERNAL_NET :1024 -> [10.0.0.0/8,!10.1.0.0/16] [80,443,8000:8080,!8001] (sid:1;)").rules.first)
        #expect(r.src.contains(IPAddress("8.8.8.8")!))
        #expect(!r.src.contains(IPAddress("192.168.1.1")!))
        #expect(r.srcPorts.contains(1024) && !r.srcPorts.contains(1025))
        #expect(r.dst.contains(IPAddress("10.2.3.4")!) && !r.dst.contains(IPAddress("10.1.3.4")!))
        #expect(r.dstPorts.contains(8080) && r.dstPorts.contains(443) && !r.dstPorts.contains(8001) && !r.dstPorts.contains(22))
        let v6 = try #require(try RuleSet.parse("alert ip 2001:db8::/32 any -> any any (sid:2;)").rules.first)
        #expect(v6.src.contains(IPAddress("2001:db8::1")!) && !v6.src.contains(IPAddress("2001:db9::1")!))
    }

    @Test func metaOptions() throws {
        let r = try #require(try RuleSet.parse(#"drop tcp any any -> any any (msg:"a \"quoted\" msg"; classtype:trojan-activity; priority:2; reference:url,example.org; metadata:key one, other two; gid:3; sid:7; rev:4;)"#).rules.first)
        #expect(r.action == .drop && r.gid == 3 && r.sid == 7 && r.rev == 4)
        #expect(r.msg == #"a "quoted" msg"#)
        #expect(r.classtype?.description == "A Network Trojan was detected")
        #expect(r.effectivePriority == 2)
        #expect(r.metadata == ["key one", "other two"])
    }

    @Test func contentModifiersAndBuffers() throws {
        let r = try #require(try RuleSet.parse(#"alert http any any -> any any (content:"GET"; http_method; http.uri; content:"/a|2f|b"; nocase; offset:1; depth:10; content:!"x"; distance:0; within:5; pkt_data; content:"raw"; startswith; endswith; fast_pattern; pcre:"/one/U"; sid:1;)"#).rules.first)
        #expect(r.items(for: .httpMethod).count == 1)
        #expect(r.items(for: .httpURI).count == 3)
        #expect(r.payloadItems.count == 1)
        guard case .content(let c) = r.items(for: .httpURI)[0] else { Issue.record("not content"); return }
        #expect(c.pattern == "/a/b".bytes && c.nocase && c.offset == 1 && c.depth == 10)
        guard case .content(let n) = r.items(for: .httpURI)[1] else { Issue.record("not content"); return }
        #expect(n.negated && n.distance == 0 && n.within == 5)
    }

    @Test func refusesUnknownKeywordWithLineAndName() throws {
        let e = try #require(error("# comment\nalert tcp any any -> any any (sid:1;)\nalert tcp any any -> any any (tls.sni; content:\"x\"; sid:2;)\n"))
        #expect(e.code == .ruleUnknownKeyword)
        #expect(e.line == 3)
        #expect(e.reason.contains("tls.sni"))
    }

    @Test func skipsUnsupportedWhenAsked() throws {
        let set = try RuleSet.parse("alert tcp any any -> any any (sid:1;)\nalert dns any any -> any any (sid:2;)\n", skipUnsupported: true)
        #expect(set.rules.count == 1)
        #expect(set.warnings.count == 1 && set.warnings[0].contains("line 2") && set.warnings[0].contains("dns"))
    }

    @Test func refusesMalformedRules() throws {
        let cases: [(String, IDSError.Code, String)] = [
            (#"alert tcp any any -> any any (msg:"open; sid:1;)"#, .ruleSyntax, "quotes"),
            (#"alert tcp any any -> any any (msg:"x"; sid:1;"#, .ruleSyntax, ")"),
            ("alert tcp any any -> any any sid:1;)", .ruleSyntax, "("),
            (#"alert tcp any any -> any any (pcre:"/(unclosed/"; sid:1;)"#, .rulePcre, "compile"),
            (#"alert tcp any any -> any any (pcre:"/x/Z"; sid:1;)"#, .rulePcre, "modifier"),
            ("alert tcp any any -> any any (nocase; sid:1;)", .ruleValue, "without a preceding content"),
            ("alert tcp any any -> any any (http_uri; sid:1;)", .ruleValue, "without a preceding content"),
            (#"alert tcp any any -> any any (content:"a"; within:x; sid:1;)"#, .ruleValue, "not a number"),
            (#"alert tcp any any -> any any (content:"a|4|"; sid:1;)"#, .ruleValue, "hex"),
            ("alert tcp any any -> any any (msg:\"no sid\";)", .ruleValue, "sid"),
            ("alert tcp any any any any (sid:1;)", .ruleSyntax, "7 fields"),
            ("alert tcp 10.0.0.300 any -> any any (sid:1;)", .ruleValue, "address"),
            ("alert tcp any 70000 -> any any (sid:1;)", .ruleValue, "port"),
            ("alert tcp [1.2.3.4 any -> any any (sid:1;)", .ruleSyntax, "["),
            ("reject tcp any any -> any any (sid:1;)", .ruleUnknownKeyword, "reject"),
            ("alert tcp any any -> any any (classtype:nonsense; sid:1;)", .ruleValue, "classtype"),
            ("alert tcp any any -> any any (flow:sideways; sid:1;)", .ruleUnknownKeyword, "sideways"),
            ("alert tcp any any -> any any (flags:SQ; sid:1;)", .ruleValue, "flag"),
            ("alert tcp any any -> any any (threshold:type limit, count 1; sid:1;)", .ruleValue, "threshold"),
        ]
        for (text, code, word) in cases {
            let e = error(text)
            #expect(e?.code == code, "\(text)")
            #expect(e?.line == 1, "\(text)")
            #expect(e?.reason.contains(word) == true, "\(text): \(e?.reason ?? "no error")")
        }
    }

    @Test func refusesDuplicateSid() throws {
        let e = try #require(error("alert tcp any any -> any any (sid:5;)\n\nalert udp any any -> any any (sid:5;)"))
        #expect(e.code == .ruleDuplicateSid && e.line == 3)
    }

    @Test func continuationLines() throws {
        let set = try RuleSet.parse("alert tcp any any -> any any (msg:\"x\"; \\\n  content:\"abc\"; sid:9;)\nalert tcp any any -> any any (sid:10;)")
        #expect(set.rules.map(\.sid) == [9, 10])
        #expect(set.rules.map(\.line) == [1, 3])
    }
}
