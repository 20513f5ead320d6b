import Testing
@testable import WeftModel

/// The audit line of a firewall write says which rules came and went, not just a count.
@Suite struct FirewallChangeTests {
    func policy(_ rules: [String], sets: [FirewallSet] = []) -> FirewallPolicy {
        var policy = FirewallPolicy(sets: sets)
        for rule in rules { policy.insert(rule, at: nil) }
        return policy
    }

    @Test func namesTheRulesAddedAndRemoved() {
        let before = policy(["FORWARD_CUST -j ACCEPT", "INPUT_CUST -j ACCEPT"])
        let after = policy(["INPUT_CUST -s 192.0.2.1/32 -j DROP", "INPUT_CUST -j ACCEPT"])
        #expect(FirewallChange(from: before, to: after).description(ruleCount: 2)
            == "2 rule(s), added 1 (INPUT_CUST -s 192.0.2.1/32 -j DROP), removed 1 (FORWARD_CUST -j ACCEPT)")
    }

    @Test func saysWhenOnlyTheOrderOrNothingChanged() {
        let before = policy(["A_CUST -j ACCEPT", "B_CUST -j DROP", "C_CUST -j DROP"])
        var reversed = before
        reversed.entries.reverse()
        #expect(FirewallChange(from: before, to: reversed).description(ruleCount: 3) == "3 rule(s), order changed")
        #expect(FirewallChange(from: before, to: before).description(ruleCount: 3) == "3 rule(s), no change")
    }

    @Test func duplicatesCountAsMultisets() {
        let before = policy(["X -j DROP", "X -j DROP", "Y -j ACCEPT"])
        let after = policy(["X -j DROP", "Y -j ACCEPT"])
        let change = FirewallChange(from: before, to: after)
        #expect(change.added.isEmpty)
        #expect(change.removed == ["X -j DROP"])
    }

    @Test func flagsCommentsAndGroupsAreEdits() {
        let before = policy(["INPUT_CUST -j ACCEPT"])
        var after = before
        after.entries[0].comment = "office"
        after.entries[0].groups = ["web"]
        let change = FirewallChange(from: before, to: after)
        #expect(change.edited == ["\"INPUT_CUST -j ACCEPT\" comment \"\" → \"office\", groups [] → [web]"])
        var disabled = before
        disabled.entries[0].disabled = true
        // Disabling is shown as the rule leaving the active set and coming back commented.
        #expect(FirewallChange(from: before, to: disabled).description(ruleCount: 1)
            == "1 rule(s), added 1 (# INPUT_CUST -j ACCEPT), removed 1 (INPUT_CUST -j ACCEPT)")
    }

    @Test func setsAreNamed() {
        let set = FirewallSet(name: "office", kind: .net)
        var changed = set
        changed.description = "HQ"
        #expect(FirewallChange(from: policy([]), to: policy([], sets: [set])).description(ruleCount: 0) == "0 rule(s), fwsets +office")
        #expect(FirewallChange(from: policy([], sets: [set]), to: policy([], sets: [changed])).description(ruleCount: 0) == "0 rule(s), fwsets ~office")
    }

    @Test func longListsAreCut() {
        let rules = (1...8).map { "INPUT_CUST -s 192.0.2.\($0)/32 -j DROP" }
        let line = FirewallChange(from: policy([]), to: policy(rules)).description(ruleCount: 8)
        #expect(line.hasPrefix("8 rule(s), added 8 (INPUT_CUST -s 192.0.2.1/32 -j DROP; "))
        #expect(line.hasSuffix("192.0.2.5/32 -j DROP; and 3 more)"))
        #expect(FirewallChange(from: policy([]), to: policy((1...200).map { "INPUT_CUST -s 198.51.100.\($0 % 250)/32 -p tcp --dport \($0) -j DROP" })).description(ruleCount: 200, limit: 120).count == 120)
    }
}
