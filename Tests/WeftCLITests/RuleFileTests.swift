import Testing
import WeftFirewall
@testable import WeftCLI

@Suite struct RuleFileTests {
    @Test func linesKeepTheirNumbersAndSkipComments() {
        let file = RuleFile(text: "# header\n\nINPUT_CUST -p tcp  --dport 22 -j ACCEPT\n   # note\nINPUT_CUST -j DROP\n")
        #expect(file.lines == [.init(number: 3, rule: "INPUT_CUST -p tcp --dport 22 -j ACCEPT"), .init(number: 5, rule: "INPUT_CUST -j DROP")])
    }

    @Test func diffKeepsTheCommonRulesInOrder() {
        let diff = RuleDiff(from: ["a", "b", "c"], to: ["a", "x", "c", "d"])
        #expect(diff.changes == [.keep("a"), .add("x"), .remove("b"), .keep("c"), .add("d")])
        #expect(diff.added == 2 && diff.removed == 1 && !diff.isEmpty)
        #expect(RuleDiff(from: ["a"], to: ["a"]).isEmpty)
        #expect(RuleDiff(from: [], to: []).text == "")
        #expect(RuleDiff(from: ["a"], to: []).text == "- a\n")
    }

    @Test func checkNamesTheRefusedLine() {
        let file = RuleFile(text: "INPUT_CUST -p tcp --dport 22 -j ACCEPT\n\nINPUT_CUST -s 10.0.0.0/33 -j DROP\nINPUT_CUST -m set --match-set web src -j ACCEPT\n")
        let problems = RuleCheck.problems(file, context: .init())
        #expect(problems.map(\.line) == [3, 4])
        #expect(RuleCheck.problems(file, context: .init(sets: ["web"])).map(\.line) == [3])
    }
}
