/// What one firewall write changed, for the audit log: the rules added and removed (by
/// text, counted as multisets, so a reorder is neither), rules whose comment, groups or
/// disabled flag changed, and the fwsets, subgroups and rule groups added, removed or
/// edited. `description(ruleCount:)` is the audit line.
public struct FirewallChange: Sendable, Equatable {
    public var added: [String] = []
    public var removed: [String] = []
    /// Rules present before and after whose comment or groups changed.
    public var edited: [String] = []
    public var reordered = false
    public var sets = NamedChanges()
    public var subgroups = NamedChanges()
    public var ruleGroups = NamedChanges()

    public struct NamedChanges: Sendable, Equatable {
        public var added: [String] = []
        public var removed: [String] = []
        public var changed: [String] = []
        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
    }

    public init(from before: FirewallPolicy, to after: FirewallPolicy) {
        (added, removed) = Self.multisetDifference(before.entries.map(Self.text), after.entries.map(Self.text))
        let beforeByID = Dictionary(before.entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for entry in after.entries {
            // A flag change shows as the rule leaving and coming back commented ("# rule").
            guard let old = beforeByID[entry.id], old.rule == entry.rule, old.comment != entry.comment || old.groups != entry.groups else { continue }
            var parts: [String] = []
            if old.comment != entry.comment { parts.append("comment \"\(old.comment)\" → \"\(entry.comment)\"") }
            if old.groups != entry.groups { parts.append("groups [\(old.groups.joined(separator: ","))] → [\(entry.groups.joined(separator: ","))]") }
            edited.append("\"\(entry.rule)\" " + parts.joined(separator: ", "))
        }
        if added.isEmpty && removed.isEmpty {
            reordered = before.entries.map(\.rule) != after.entries.map(\.rule)
        }
        sets = Self.named(before.sets, after.sets, name: \.name)
        subgroups = Self.named(before.subgroups, after.subgroups, name: \.name)
        ruleGroups = Self.named(before.ruleGroups, after.ruleGroups, name: \.name)
    }

    public var isEmpty: Bool {
        added.isEmpty && removed.isEmpty && edited.isEmpty && !reordered && sets.isEmpty && subgroups.isEmpty && ruleGroups.isEmpty
    }

    /// One audit line: "3 rule(s), added 1 (A), removed 1 (B)", at most 5 rules of each
    /// by text, then fwset/subgroup/rule-group changes; "no change" when nothing changed.
    public func description(ruleCount: Int, limit: Int = 500) -> String {
        func listed(_ items: [String]) -> String {
            items.prefix(5).joined(separator: "; ") + (items.count > 5 ? "; and \(items.count - 5) more" : "")
        }
        var parts = ["\(ruleCount) rule(s)"]
        if !added.isEmpty { parts.append("added \(added.count) (\(listed(added)))") }
        if !removed.isEmpty { parts.append("removed \(removed.count) (\(listed(removed)))") }
        if !edited.isEmpty { parts.append("edited \(edited.count) (\(listed(edited)))") }
        if reordered { parts.append("order changed") }
        for (label, change) in [("fwsets", sets), ("subgroups", subgroups), ("rule groups", ruleGroups)] where !change.isEmpty {
            let items = change.added.map { "+" + $0 } + change.removed.map { "−" + $0 } + change.changed.map { "~" + $0 }
            parts.append("\(label) \(items.joined(separator: " "))")
        }
        if parts.count == 1 { parts.append("no change") }
        let line = parts.joined(separator: ", ")
        guard line.count > limit else { return line }
        return String(line.prefix(max(0, limit - 1))) + "…"
    }

    static func text(_ entry: FirewallPolicy.Entry) -> String { entry.disabled ? "# " + entry.rule : entry.rule }

    /// Elements of `after` not matched in `before` (added) and the other way round (removed),
    /// each in the order it appears.
    static func multisetDifference(_ before: [String], _ after: [String]) -> (added: [String], removed: [String]) {
        var counts: [String: Int] = [:]
        for text in before { counts[text, default: 0] += 1 }
        var added: [String] = []
        for text in after {
            if let count = counts[text], count > 0 { counts[text] = count - 1 } else { added.append(text) }
        }
        var removed: [String] = []
        for text in before.reversed() where (counts[text] ?? 0) > 0 {
            counts[text]! -= 1
            removed.append(text)
        }
        return (added, removed.reversed())
    }

    static func named<T: Equatable>(_ before: [T], _ after: [T], name: (T) -> String) -> NamedChanges {
        let old = Dictionary(before.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(after.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        var change = NamedChanges()
        change.added = after.map(name).filter { old[$0] == nil }
        change.removed = before.map(name).filter { new[$0] == nil }
        change.changed = after.map(name).filter { key in old[key].map { $0 != new[key]! } ?? false }
        return change
    }
}
