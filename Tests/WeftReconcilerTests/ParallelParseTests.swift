import Testing
@testable import WeftReconciler
import WeftFirewall
import WeftModel

/// A large rule set is parsed on every core: the same rules in the same order as on one
/// core, and a bad rule reported as one core reports it (the first in order).
@Suite struct ParallelParseTests {
    static func entries(_ count: Int, bad: Set<Int> = [], disabled: Set<Int> = []) -> [FirewallPolicy.Entry] {
        (0..<count).map { i in
            FirewallPolicy.Entry(id: i + 1, rule: bad.contains(i) ? "FORWARD_CUST -s 10.0.\(i % 256).0/33 -j DROP"
                                 : "FORWARD_CUST -s 10.\((i >> 8) & 255).\(i & 255).0/24 -p tcp --dport \(1024 + i) -j DROP",
                                 disabled: disabled.contains(i))
        }
    }

    @Test func theSameRulesAsOnOneCore() throws {
        let parser = RuleParser(context: .init(sets: [], subgroups: [], services: ServiceNames()))
        let entries = Self.entries(5_001, disabled: [0, 2_500, 5_000])
        let parallel = try FirewallReconciler.parseEntries(entries, parser: parser, minimumForParallel: 1)
        let single = try FirewallReconciler.parseEntries(entries, parser: parser, minimumForParallel: .max)
        #expect(parallel == single && parallel.count == 5_001)
        #expect(parallel[0] == nil && parallel[2_500] == nil && parallel[5_000] == nil && parallel[1] != nil)
    }

    @Test func theFirstBadRuleInOrderIsReported() throws {
        let parser = RuleParser(context: .init(sets: [], subgroups: [], services: ServiceNames()))
        let entries = Self.entries(4_000, bad: [3_900, 1_234])
        #expect(throws: RuleError.self) { try FirewallReconciler.parseEntries(entries, parser: parser, minimumForParallel: 1) }
        do {
            _ = try FirewallReconciler.parseEntries(entries, parser: parser, minimumForParallel: 1)
        } catch {
            #expect(error.position == 1_234)
        }
    }
}
