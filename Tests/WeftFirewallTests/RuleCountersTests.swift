import Foundation
import Testing
@testable import WeftFirewall

@Suite struct RuleCountersTests {
    let previous = """
    *filter
    :INPUT_CUST - [0:0]
    :FORWARD_CUST - [0:0]
    -A INPUT_CUST -s 192.0.2.1/32 -j DROP
    -A INPUT_CUST -j ACCEPT
    -A INPUT_CUST -j ACCEPT
    -A FORWARD_CUST -p tcp --dport 22 -j DROP
    COMMIT
    """
    // iptables-save -c: its own spelling of the rules, the same order per chain.
    let saved = """
    *filter
    :INPUT ACCEPT [10:1000]
    :INPUT_CUST - [0:0]
    :FORWARD_CUST - [0:0]
    [1:10] -A INPUT -j WEFT_INPUT
    [5:300] -A INPUT_CUST -s 192.0.2.1/32 -j DROP
    [2:20] -A INPUT_CUST -j ACCEPT
    [3:30] -A INPUT_CUST -j ACCEPT
    [7:700] -A FORWARD_CUST -p tcp -m tcp --dport 22 -j DROP
    COMMIT
    """

    @Test func unchangedRulesGetTheirCountersInOrder() {
        let carried = RuleCounters.carried(previous: previous, saved: [saved])
        let next = """
        *filter
        :INPUT_CUST - [0:0]
        -A INPUT_CUST -j ACCEPT
        -A INPUT_CUST -s 192.0.2.7/32 -j DROP
        -A INPUT_CUST -s 192.0.2.1/32 -j DROP
        -A INPUT_CUST -j ACCEPT
        -A INPUT_CUST -j ACCEPT
        COMMIT

        """
        #expect(RuleCounters.apply(carried, to: next) == """
        *filter
        :INPUT_CUST - [0:0]
        [2:20] -A INPUT_CUST -j ACCEPT
        -A INPUT_CUST -s 192.0.2.7/32 -j DROP
        [5:300] -A INPUT_CUST -s 192.0.2.1/32 -j DROP
        [3:30] -A INPUT_CUST -j ACCEPT
        -A INPUT_CUST -j ACCEPT
        COMMIT

        """)
        // Paired by position with the previous payload, so the kernel's spelling does not matter.
        #expect(carried["-A FORWARD_CUST -p tcp --dport 22 -j DROP"] == ["[7:700]"])
    }

    @Test func aChainChangedBehindWeftsBackKeepsNothing() {
        let extra = saved.replacingOccurrences(of: "[7:700] -A FORWARD_CUST", with: "[1:1] -A FORWARD_CUST -j LOG\n[7:700] -A FORWARD_CUST")
        let carried = RuleCounters.carried(previous: previous, saved: [extra])
        #expect(carried["-A FORWARD_CUST -p tcp --dport 22 -j DROP"] == nil)
        #expect(carried["-A INPUT_CUST -s 192.0.2.1/32 -j DROP"] == ["[5:300]"])
    }

    @Test func nothingToCarryLeavesThePayloadAlone() {
        let payload = "*nat\n:MACRO_CUST - [0:0]\nCOMMIT\n"
        #expect(RuleCounters.apply([:], to: payload) == payload)
        #expect(RuleCounters.apply(RuleCounters.carried(previous: "", saved: [saved]), to: payload) == payload)
    }

    /// An edit keeps most rule lines (counters carried); a new rule set keeps few (counters
    /// start anew, no iptables-save -c).
    @Test func anEditKeepsMostAReplacementDoesNot() {
        let previous = "*filter\n:FORWARD_CUST - [0:0]\n-A FORWARD_CUST -s 10.0.0.1/32 -j DROP\n-A FORWARD_CUST -s 10.0.0.2/32 -j DROP\n-A FORWARD_CUST -j ACCEPT\nCOMMIT"
        let edit = "*filter\n:FORWARD_CUST - [0:0]\n-A FORWARD_CUST -s 10.0.0.9/32 -j DROP\n-A FORWARD_CUST -s 10.0.0.1/32 -j DROP\n-A FORWARD_CUST -j ACCEPT\nCOMMIT\n"
        let replacement = "*filter\n:FORWARD_CUST - [0:0]\n-A FORWARD_CUST -s 10.1.0.1/32 -j DROP\n-A FORWARD_CUST -s 10.1.0.2/32 -j DROP\n-A FORWARD_CUST -j ACCEPT\nCOMMIT"
        #expect(RuleCounters.ruleLines(previous).count == 3)
        #expect(RuleCounters.keepsMost(previous: previous, payload: edit))
        #expect(!RuleCounters.keepsMost(previous: previous, payload: replacement))
        #expect(!RuleCounters.keepsMost(previous: previous, payload: "*filter\nCOMMIT\n"))
        // Repeated identical rules count once each.
        let doubled = "-A FORWARD_CUST -j ACCEPT\n-A FORWARD_CUST -j ACCEPT\n-A FORWARD_CUST -j ACCEPT\n-A FORWARD_CUST -j ACCEPT"
        #expect(!RuleCounters.keepsMost(previous: "-A FORWARD_CUST -j ACCEPT", payload: doubled))
    }
}
