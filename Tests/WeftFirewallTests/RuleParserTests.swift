import Testing
@testable import WeftFirewall

@Suite struct RuleParserTests {
    let parser = RuleParser(context: .init(sets: ["NETS_blocked"], subgroups: ["INP_C_admins"]))

    /// Seed-style rules (as in the VNS3 articles) → the iptables arguments they compile to.
    static let golden: [(String, String)] = [
        ("INPUT_CUST -p tcp --dport 22 -m state --state NEW -j DROP",
         "-p tcp --dport 22 -m state --state NEW -j DROP"),
        ("MACRO_CUST -o eth0 -s 100.127.255.192/26 -j MASQUERADE",
         "-o eth0 -s 100.127.255.192/26 -j MASQUERADE"),
        ("PREROUTING_CUST -i eth0 -p tcp -s 0.0.0.0/0 --dport 3389 -j DNAT --to 100.127.255.193:3389",
         "-i eth0 -p tcp -s 0.0.0.0/0 --dport 3389 -j DNAT --to-destination 100.127.255.193:3389"),
        ("PREROUTING_CUST -d 172.16.1.0/24 -j NETMAP --to 10.0.1.0/24",
         "-d 172.16.1.0/24 -j NETMAP --to 10.0.1.0/24"),
        ("POSTROUTING_CUST -s 10.0.1.0/24 -d 192.168.3.0/24 -j NETMAP --to 172.16.1.0/24",
         "-s 10.0.1.0/24 -d 192.168.3.0/24 -j NETMAP --to 172.16.1.0/24"),
        ("INPUT_CUST -p udp -s 10.0.0.0/8 --dport snmp -j ACCEPT",
         "-p udp -s 10.0.0.0/8 --dport 161 -j ACCEPT"),
        ("FORWARD_CUST -s 10.0.0.0/8,192.168.0.0/16 ! -d 10.1.0.0/16 -j REJECT --reject-with icmp-host-prohibited",
         "-s 10.0.0.0/8,192.168.0.0/16 ! -d 10.1.0.0/16 -j REJECT --reject-with icmp-host-prohibited"),
        ("FORWARD_CUST -p tcp -m multiport --dports http,https,8000:8010 -j ACCEPT",
         "-p tcp -m multiport --dports 80,443,8000:8010 -j ACCEPT"),
        ("INPUT_CUST -m set --match-set NETS_blocked src -j DROP",
         "-m set --match-set NETS_blocked src -j DROP"),
        ("INPUT_CUST -p icmp -m limit --limit 10/second --limit-burst 20 -j ACCEPT",
         "-p icmp -m limit --limit 10/second --limit-burst 20 -j ACCEPT"),
        ("INPUT_CUST -m comment --comment \"admin hosts\" -s 10.9.0.0/24 -j INP_C_admins",
         "-m comment --comment \"admin hosts\" -s 10.9.0.0/24 -j INP_C_admins"),
        ("POSTROUTING_CUST -o eth0 -s 10.0.0.0/8 -j SNAT --to 198.51.100.7",
         "-o eth0 -s 10.0.0.0/8 -j SNAT --to-source 198.51.100.7"),
        ("FORWARD_CUST -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
         "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
        ("INPUT_CUST -p tcp --dport 1000:2000 -j LOG --log-prefix \"weft in\" --log-level 4",
         "-p tcp --dport 1000:2000 -j LOG --log-prefix \"weft in\" --log-level 4"),
    ]

    @Test(arguments: golden)
    func compilesSeedRules(rule: String, arguments: String) throws {
        let parsed = try parser.parse(rule)
        #expect(parsed.arguments.map(RuleLexer.quoted).joined(separator: " ") == arguments)
        #expect(parsed.text == rule, "round trip of the rule text")
    }

    @Test func copyMacroBecomesTee() throws {
        let rule = try parser.parse("MACRO_CUST -j COPY --from tun0 --to 198.51.100.2 --bidirectional")
        #expect(rule.kind == .copy(from: "tun0", to: "198.51.100.2", bidirectional: true))
        let output = FirewallCompiler.compile([rule])
        #expect(output.chains["WEFT_COPY_IN"] == ["-i tun0 -j TEE --gateway 198.51.100.2"])
        #expect(output.chains["WEFT_COPY_OUT"] == ["-o tun0 -j TEE --gateway 198.51.100.2"])
    }

    @Test func acceptsTypographicDashesPastedFromWebPages() throws {
        let rule = try parser.parse("INPUT_CUST \u{2013}p tcp \u{2013}dport 22 \u{2014}j ACCEPT")
        #expect(rule.arguments == ["-p", "tcp", "--dport", "22", "-j", "ACCEPT"])
        #expect(rule.text == "INPUT_CUST -p tcp --dport 22 -j ACCEPT")
    }

    static let refused: [(String, String, String)] = [
        ("OUTPUT -j DROP", "OUTPUT", "unknown chain"),
        ("-A INPUT_CUST -j DROP", "-A", "without -A"),
        ("INPUT_CUST -p tcp --dprot 22 -j DROP", "--dprot", "unknown option"),
        ("INPUT_CUST -p tcp --dport 22", "", "missing target"),
        ("INPUT_CUST -j EXPLODE", "EXPLODE", "unknown target"),
        ("INPUT_CUST -s 10.0.0.0/33 -j DROP", "10.0.0.0/33", "CIDR"),
        ("INPUT_CUST --dport 22 -j DROP", "--dport", "-p tcp"),
        ("INPUT_CUST -p tcp --dport nosuchservice -j DROP", "nosuchservice", "service"),
        ("INPUT_CUST -m set --match-set NETS_missing src -j DROP", "NETS_missing", "does not exist"),
        ("INPUT_CUST -j MASQUERADE", "MASQUERADE", "not allowed"),
        ("PREROUTING_CUST -p tcp --dport 80 -j DNAT", "DNAT", "--to-destination"),
        ("INPUT_CUST -p tcp -s", "-s", "missing value"),
        ("INPUT_CUST -m state --state NEWISH -j ACCEPT", "NEWISH", "unknown state"),
        ("INPUT_CUST -j FWD_C_other", "FWD_C_other", "unknown target"),
        ("MACRO_CUST -j COPY --from tun0", "COPY", "--to"),
        ("INPUT_CUST -m comment --comment \"open -j ACCEPT", "", "unterminated quote"),
    ]

    @Test(arguments: refused)
    func refusesNamingTheWord(rule: String, token: String, reason: String) {
        do {
            _ = try parser.parse(rule, position: 3)
            Issue.record("accepted \(rule)")
        } catch {
            #expect(error.position == 3)
            if !token.isEmpty { #expect(error.token == token, "\(error)") }
            #expect(error.description.contains(reason), "\(error)")
        }
    }
}

@Suite struct LockoutTests {
    let parser = RuleParser()

    func check(_ rules: [String]) throws -> RuleError? {
        LockoutCheck.check(try rules.map { try parser.parse($0) })
    }

    @Test func dropAllInInputIsALockout() throws {
        let error = try #require(try check(["INPUT_CUST -j DROP"]))
        #expect(error.position == 0 && error.description.contains("8000"))
    }

    @Test func droppingTheAPIPortIsALockout() throws {
        #expect(try check(["INPUT_CUST -p tcp --dport 7000:9000 -j REJECT"]) != nil)
        #expect(try check(["INPUT_CUST -p tcp -m multiport --dports 22,8000 -j DROP"]) != nil)
    }

    @Test func acceptAllInInputIsRefused() throws {
        let error = try #require(try check(["INPUT_CUST -j ACCEPT"]))
        #expect(error.description.contains("accepts everything"))
    }

    @Test func keepingOneSourceIsNotALockout() throws {
        #expect(try check(["INPUT_CUST -s 10.9.0.0/24 -p tcp --dport 8000 -j ACCEPT", "INPUT_CUST -j DROP"]) == nil)
        #expect(try check(["INPUT_CUST -p tcp --dport 22 -j DROP", "FORWARD_CUST -j DROP"]) == nil)
        // Undecidable matches (an interface) do not count as cutting everything off.
        #expect(try check(["INPUT_CUST -i eth1 -j DROP"]) == nil)
    }
}

@Suite struct CompilerTests {
    @Test func payloadReplacesOnlyWeftChainsAndHooksOnce() throws {
        let parser = RuleParser()
        let rules = try ["INPUT_CUST -p tcp --dport 22 -j DROP", "MACRO_CUST -o eth0 -s 10.0.0.0/8 -j MASQUERADE"].map { try parser.parse($0) }
        let fresh = FirewallCompiler.compile(rules)
        #expect(fresh.payload.contains("*filter\n:INPUT_CUST - [0:0]"))
        #expect(fresh.payload.contains("-I INPUT 1 -j WEFT_INPUT"))
        #expect(fresh.payload.contains("-A MACRO_CUST -o eth0 -s 10.0.0.0/8 -j MASQUERADE"))
        #expect(fresh.ruleAtLine.values.sorted() == [0, 1])
        #expect(fresh.chains["WEFT_INPUT"]?.last == "-j DROP")
        let present = Set(FirewallCompiler.hooks.map { "\($0.0.rawValue) \($0.1) \($0.2)" })
        let again = FirewallCompiler.compile(rules, present: present)
        #expect(!again.payload.contains("-I INPUT"))
        #expect(!again.payload.contains("-A POSTROUTING"))
    }

    @Test func servicesDatabaseIsParsed() {
        let names = ServiceNames(servicesText: "myproto\t7777/tcp\tmp-alias  # comment\nssh 2222/tcp\n")
        #expect(names.port("myproto") == 7777)
        #expect(names.port("mp-alias") == 7777)
        #expect(names.port("ssh") == 2222)
        #expect(names.port("https") == 443)
    }

    @Test func servicesDatabaseWithCRLFOrCRLineEnds() {
        for newline in ["\r\n", "\r"] {
            let names = ServiceNames(servicesText: "# services\(newline)myproto 7777/tcp\(newline)ssh 2222/tcp\(newline)")
            #expect(names.port("myproto") == 7777)
            #expect(names.port("ssh") == 2222)
        }
    }
}
