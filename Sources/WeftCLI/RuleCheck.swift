import WeftFirewall

/// A firewall file checked with the controller's own parser, before anything is sent:
/// every refused rule is named with its line number.
public enum RuleCheck {
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public let line: Int
        public let rule: String
        public let reason: String
        public var description: String { "line \(line): \(reason): \(rule)" }
    }

    public static func problems(_ file: RuleFile, context: RuleParser.Context) -> [Problem] {
        let parser = RuleParser(context: context)
        var out: [Problem] = []
        for (index, line) in file.lines.enumerated() {
            do throws(RuleError) { _ = try parser.parse(line.rule, position: index) } catch {
                out.append(Problem(line: line.number, rule: line.rule, reason: error.reason))
            }
        }
        return out
    }
}
