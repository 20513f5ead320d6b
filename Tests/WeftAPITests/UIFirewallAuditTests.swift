import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI

/// The audit line of a firewall save from the web UI says what changed.
@Suite struct UIFirewallAuditTests {
    @Test func namesTheRulesAddedAndRemoved() {
        let plan = UIRoutes.RulePlan(added: ["INPUT_CUST -s 192.0.2.1/32 -j DROP"], removed: ["FORWARD_CUST -j ACCEPT"], reordered: false)
        #expect(UIRoutes.auditDetail(plan, count: 2) == "web UI: 2 rule(s), added 1 (INPUT_CUST -s 192.0.2.1/32 -j DROP), removed 1 (FORWARD_CUST -j ACCEPT)")
    }

    @Test func saysWhenOnlyTheOrderOrNothingChanged() {
        #expect(UIRoutes.auditDetail(.init(added: [], removed: [], reordered: true), count: 3) == "web UI: 3 rule(s), order changed")
        #expect(UIRoutes.auditDetail(.init(added: [], removed: [], reordered: false), count: 3) == "web UI: 3 rule(s), no change")
    }

    @Test func longListsAreCut() {
        let rules = (1...8).map { "INPUT_CUST -s 192.0.2.\($0)/32 -j DROP" }
        let detail = UIRoutes.auditDetail(.init(added: rules, removed: [], reordered: false), count: 8)
        #expect(detail.hasPrefix("web UI: 8 rule(s), added 8 (INPUT_CUST -s 192.0.2.1/32 -j DROP; "))
        #expect(detail.hasSuffix("192.0.2.5/32 -j DROP; and 3 more)"))
    }
}
