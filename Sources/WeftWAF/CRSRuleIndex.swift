/// The rule ids (and messages) of the Core Rule Set the WAF plugin ships, read from its
/// `rules/*.conf` files: exclusions may only name a rule that exists.
public struct CRSRuleIndex: Sendable, Equatable {
    public var messages: [Int: String]

    public init(messages: [Int: String] = [:]) { self.messages = messages }

    public var count: Int { messages.count }
    public func contains(_ id: Int) -> Bool { messages[id] != nil }

    /// Adds the rules of one `.conf` file: every `id:N` action, with the `msg:'…'` of its rule.
    public mutating func add(conf text: String) {
        // Rules span lines joined by a trailing backslash; a rule's actions hold id and msg.
        var rule = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(raw)
            while line.last == " " || line.last == "\t" || line.last == "\r" { line = line.dropLast() }
            if line.hasSuffix("\\") {
                rule += line.dropLast() + " "
                continue
            }
            rule += line
            record(rule)
            rule = ""
        }
        record(rule)
    }

    private mutating func record(_ rule: String) {
        let trimmed = rule.drop { $0 == " " || $0 == "\t" }
        guard trimmed.hasPrefix("SecRule") || trimmed.hasPrefix("SecAction") else { return }
        var rest = Substring(rule)
        var ids: [Int] = []
        while let range = rest.range(of: "id:") {
            // `id:` only where an action starts (after a quote, a comma or a space).
            let before = range.lowerBound == rest.startIndex ? " " : rest[rest.index(before: range.lowerBound)]
            let digits = rest[range.upperBound...].prefix { $0.isNumber }
            if "\"', ".contains(before), let n = Int(digits), !digits.isEmpty { ids.append(n) }
            rest = rest[range.upperBound...]
        }
        let message = Self.message(rule)
        // The first id is the rule's own (a chained rule carries none of its own).
        if let id = ids.first, messages[id] == nil { messages[id] = message }
    }

    static func message(_ rule: String) -> String {
        guard let start = rule.range(of: "msg:'") else { return "" }
        let tail = rule[start.upperBound...]
        return String(tail.prefix { $0 != "'" })
    }
}
