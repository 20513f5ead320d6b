import Testing
import WeftFirewall
import WeftModel
@testable import WeftReconciler
import WeftStore
import WeftSystem
import WeftSystemTesting

@Suite struct FirewallReconcilerTests {
    func desired(_ rules: [String], generation: Int = 1) -> DesiredState {
        var policy = FirewallPolicy()
        policy.replaceAll(rules.map { ($0, "", false, [], nil) })
        return DesiredState(generation: generation, firewall: policy)
    }

    @Test func appliesChainsAndHooksOnceThenStaysInSync() async throws {
        let netfilter = FakeNetfilter()
        let reconciler = FirewallReconciler(netfilter: netfilter, ipsets: FakeIPSets(), services: .init())
        let state = desired(["INPUT_CUST -p tcp --dport 22 -j DROP", "MACRO_CUST -o eth0 -s 10.0.0.0/8 -j MASQUERADE"])
        #expect(try await !reconciler.reconcile(state, apply: true).isEmpty)
        #expect(netfilter.chains(table: "filter")["INPUT_CUST"]?.rules == ["-p tcp --dport 22 -j DROP"])
        #expect(netfilter.chains(table: "filter")["INPUT"]?.rules == ["-j WEFT_INPUT"])
        #expect(netfilter.chains(table: "nat")["POSTROUTING"]?.rules == ["-j POSTROUTING_CUST", "-j MACRO_CUST"])
        #expect(try await reconciler.reconcile(state, apply: true).isEmpty)
        #expect(netfilter.restoreCount == 1)
    }

    @Test func applyNowRollsTheKernelBackWhenTheStoreRefuses() async throws {
        struct StoreDown: Error {}
        let netfilter = FakeNetfilter()
        let reconciler = FirewallReconciler(netfilter: netfilter, ipsets: FakeIPSets(), services: .init())
        _ = try await reconciler.reconcile(desired(["FORWARD_CUST -j DROP"]), apply: true)
        let next = try FirewallReconciler.parse(desired(["FORWARD_CUST -s 10.0.0.0/8 -j ACCEPT"]).firewall)
        await #expect(throws: StoreDown.self) { try await reconciler.applyNow(next) { throw StoreDown() } }
        #expect(netfilter.chains(table: "filter")["FORWARD_CUST"]?.rules == ["-j DROP"])
        let generation = try await reconciler.applyNow(next) { 7 }
        #expect(generation == 7)
        #expect(netfilter.chains(table: "filter")["FORWARD_CUST"]?.rules == ["-s 10.0.0.0/8 -j ACCEPT"])
        // A pass still holding an older snapshot does not undo the API's newer rule set.
        #expect(try await reconciler.reconcile(desired(["FORWARD_CUST -j DROP"], generation: 5), apply: true).isEmpty)
        #expect(netfilter.chains(table: "filter")["FORWARD_CUST"]?.rules == ["-s 10.0.0.0/8 -j ACCEPT"])
    }

    @Test func hitCountersOfUnchangedRulesSurviveAReplace() async throws {
        let netfilter = FakeNetfilter()
        let reconciler = FirewallReconciler(netfilter: netfilter, ipsets: FakeIPSets(), services: .init())
        let first = desired(["INPUT_CUST -s 192.0.2.1/32 -j DROP", "INPUT_CUST -s 192.0.2.2/32 -j DROP", "FORWARD_CUST -j ACCEPT"])
        _ = try await reconciler.reconcile(first, apply: true)
        netfilter.count(table: "filter", chain: "INPUT_CUST", index: 0, packets: 5, bytes: 300)
        netfilter.count(table: "filter", chain: "INPUT_CUST", index: 1, packets: 2, bytes: 120)
        netfilter.count(table: "filter", chain: "FORWARD_CUST", index: 0, packets: 9, bytes: 900)
        #expect(try await reconciler.counters(first.firewall)[0] == .init(packets: 5, bytes: 300))

        // Through the API's path: a rule added in front, the second one removed.
        let second = desired(["INPUT_CUST -s 192.0.2.9/32 -j DROP", "INPUT_CUST -s 192.0.2.1/32 -j DROP", "FORWARD_CUST -j ACCEPT"])
        _ = try await reconciler.applyNow(try FirewallReconciler.parse(second.firewall)) { 2 }
        var counters = try await reconciler.counters(second.firewall)
        #expect(counters[0] == .init(packets: 0, bytes: 0), "a new rule starts at zero")
        #expect(counters[1] == .init(packets: 5, bytes: 300), "an unchanged rule keeps its count, wherever it moved")
        #expect(counters[2] == .init(packets: 9, bytes: 900))

        // Through a reconcile pass (a rule changed): the same.
        netfilter.count(table: "filter", chain: "INPUT_CUST", index: 1, packets: 1, bytes: 60)
        let third = desired(["INPUT_CUST -s 192.0.2.1/32 -j DROP", "FORWARD_CUST -p udp -j ACCEPT", "FORWARD_CUST -j ACCEPT"], generation: 3)
        _ = try await reconciler.reconcile(third, apply: true)
        counters = try await reconciler.counters(third.firewall)
        #expect(counters[0] == .init(packets: 6, bytes: 360))
        #expect(counters[1] == .init(packets: 0, bytes: 0))
        #expect(counters[2] == .init(packets: 9, bytes: 900))
    }

    @Test func kernelRefusalNamesTheRule() async throws {
        let netfilter = FakeNetfilter(rejectRulesContaining: "10.66.0.0/16")
        let reconciler = FirewallReconciler(netfilter: netfilter, ipsets: FakeIPSets(), services: .init())
        let rules = try FirewallReconciler.parse(desired(["FORWARD_CUST -j ACCEPT", "FORWARD_CUST -s 10.66.0.0/16 -j DROP"]).firewall)
        do {
            _ = try await reconciler.applyNow(rules) { 1 }
            Issue.record("accepted")
        } catch let refusal as FirewallReconciler.KernelRefusal {
            #expect(refusal.message.contains("10.66.0.0/16"))
        }
        #expect(netfilter.restoreCount == 0)
    }

    @Test func ruleIndexReadsIptablesRestoreErrors() {
        let output = FirewallCompiler.compile([try? RuleParser().parse("FORWARD_CUST -j DROP")])
        let line = output.ruleAtLine.first { $0.value == 0 }!.key
        #expect(FirewallReconciler.ruleIndex(in: "Error occurred at line: \(line)", output: output) == 0)
        #expect(FirewallReconciler.ruleIndex(in: "iptables-restore: line \(line) failed", output: output) == 0)
    }
}

@Suite struct FirewallPartialApplyTests {
    @Test func onlyChangedTablesGoToTheKernel() async throws {
        let netfilter = FakeNetfilter()
        let reconciler = FirewallReconciler(netfilter: netfilter, ipsets: FakeIPSets(), services: .init())
        let parse = { (rules: [String]) throws -> [FirewallRule?] in
            var policy = FirewallPolicy()
            policy.replaceAll(rules.map { ($0, "", false, [], nil) })
            return try FirewallReconciler.parse(policy)
        }
        _ = try await reconciler.applyNow(try parse(["FORWARD_CUST -j DROP"])) { 1 }
        try await netfilter.restore("*nat\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n")  // someone else's rule
        _ = try await reconciler.applyNow(try parse(["FORWARD_CUST -j ACCEPT"])) { 2 }
        #expect(netfilter.chains(table: "filter")["FORWARD_CUST"]?.rules == ["-j ACCEPT"])
        // The nat table did not change: hooks not duplicated, the foreign rule untouched.
        #expect(netfilter.chains(table: "nat")["POSTROUTING"]?.rules == ["-j POSTROUTING_CUST", "-j MACRO_CUST", "-j MASQUERADE"])
        let restores = netfilter.restoreCount
        _ = try await reconciler.applyNow(try parse(["FORWARD_CUST -j ACCEPT"])) { 3 }
        #expect(netfilter.restoreCount == restores, "nothing changed, nothing restored")
    }

    /// The pass an API write wakes, at that write's generation, does not read the kernel back
    /// (the write checked it); a pass at a newer generation does, and repairs drift.
    @Test func thePassAfterAnAPIWriteAtItsGenerationTrustsIt() async throws {
        func desired(_ rules: [String], generation: Int) -> DesiredState {
            var policy = FirewallPolicy()
            policy.replaceAll(rules.map { ($0, "", false, [], nil) })
            return DesiredState(generation: generation, firewall: policy)
        }
        let netfilter = FakeNetfilter()
        let reconciler = FirewallReconciler(netfilter: netfilter, ipsets: FakeIPSets(), services: .init())
        _ = try await reconciler.reconcile(desired(["FORWARD_CUST -j DROP"], generation: 1), apply: true)
        let state = desired(["FORWARD_CUST -j ACCEPT"], generation: 2)
        _ = try await reconciler.applyNow(try FirewallReconciler.parse(state.firewall)) { 2 }
        try await netfilter.restore("*filter\n:FORWARD_CUST - [0:0]\nCOMMIT\n")  // drift right after the write
        #expect(try await reconciler.reconcile(state, apply: true).isEmpty)
        #expect(netfilter.chains(table: "filter")["FORWARD_CUST"]?.rules == [])
        let newer = desired(["FORWARD_CUST -j ACCEPT"], generation: 3)
        #expect(!(try await reconciler.reconcile(newer, apply: true)).isEmpty)
        #expect(netfilter.chains(table: "filter")["FORWARD_CUST"]?.rules == ["-j ACCEPT"])
    }
}

@Suite struct ClientGroupReconcilerTests {
    let a = "100.127.255.193", b = "100.127.255.194", c = "100.127.255.195"

    func desired(_ packs: [String: ClientpackState], generation: Int) -> DesiredState {
        var policy = FirewallPolicy()
        policy.sets = [FirewallSet(name: "team-a", kind: .clients, entries: [.init(entry: "tag:team=a")]),
                       FirewallSet(name: "team-b", kind: .clients, entries: [.init(entry: "tag:team=b")])]
        policy.replaceAll([("FORWARD_CUST -m set --match-set team-a src -j ACCEPT", "", false, [], nil)])
        let license = LicenseState(text: "", sha1: "", uploadedAt: 0, topology: .default)
        return DesiredState(generation: generation, license: license, firewall: policy, clientpacks: ClientpackStates(byAddress: packs))
    }

    @Test func setsFollowThePacksByAddingAndDeletingMembers() async throws {
        let ipsets = FakeIPSets(), netfilter = FakeNetfilter()
        let reconciler = FirewallReconciler(netfilter: netfilter, ipsets: ipsets, services: .init())
        _ = try await reconciler.reconcile(desired([a: .init(tags: ["team": "a"]), b: .init(tags: ["team": "a"]), c: .init(tags: ["team": "b"])],
                                                   generation: 1), apply: true)
        #expect(ipsets.entries("team-a") == [a, b])
        #expect(ipsets.entries("team-b") == [c])
        let restores = netfilter.restoreCount
        // Re-tagging b and disabling c: a pass changes members only, the rules stay.
        let changes = try await reconciler.reconcile(desired([a: .init(tags: ["team": "a"]), b: .init(tags: ["team": "b"]),
                                                              c: .init(enabled: false, tags: ["team": "b"])], generation: 2), apply: true)
        #expect(changes.map(\.description).allSatisfy { $0.contains("fwset") })
        #expect(ipsets.entries("team-a") == [a])
        #expect(ipsets.entries("team-b") == [b])
        #expect(netfilter.restoreCount == restores, "no rule rewrite for a membership change")
    }

    @Test func theFastPathMovesOnePackAndThePassAgrees() async throws {
        let ipsets = FakeIPSets()
        let reconciler = FirewallReconciler(netfilter: FakeNetfilter(), ipsets: ipsets, services: .init())
        let before = ClientpackState(tags: ["team": "a"])
        _ = try await reconciler.reconcile(desired([a: before, b: before], generation: 1), apply: true)
        var after = before
        after.tags["team"] = "b"
        let index = ClientGroups.Index(desired([:], generation: 1).firewall.sets)
        let lines = try await reconciler.applyMembership(b, ClientGroups.move(b, from: before, to: after, index: index))
        #expect(lines == 2)
        #expect(ipsets.entries("team-a") == [a])
        #expect(ipsets.entries("team-b") == [b])
        #expect(try await reconciler.reconcile(desired([a: before, b: after], generation: 2), apply: true).isEmpty,
                "the pass finds the kernel as the fast path left it")
    }
}
