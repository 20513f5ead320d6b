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
}
