import WeftFirewall
import WeftModel
import WeftReconciler

/// The rule writes of the v1 (`/api/firewall…`, rules by position) and v2
/// (`/api/v2/firewall…`, rules by id) APIs, each one `changeFirewall`: the whole candidate
/// policy is parsed, lockout-checked, applied by the kernel and only then stored.
extension Controller {
    /// Inserts one rule before `position` (nil or past the end: append); returns its index.
    public func addFirewallRule(_ rule: String, at position: Int?, actor: String?) async throws -> Int {
        let rule = try FirewallInput.ruleText(rule)
        return try await changeFirewall(actor: actor, "firewall.rule.create") { policy in policy.insert(rule, at: position) }
    }

    /// Inserts rules in order at `position` (nil or negative: append), with the same
    /// comment, groups and flag; returns each new entry with its index.
    public func addFirewallRules(_ rules: [String], at position: Int?, comment: String, groups: [String], disabled: Bool,
                                 force: Bool, actor: String?) async throws -> [(FirewallPolicy.Entry, Int)] {
        guard !rules.isEmpty else { throw ValidationError(field: "rule", "Field \"rule\" (or \"rules\") is required") }
        let rules = try rules.map { try FirewallInput.ruleText($0) }
        return try await changeFirewall(actor: actor, "firewall.rule.create", force: force) { policy in
            var at = position.flatMap { $0 < 0 ? nil : $0 }
            var made: [(FirewallPolicy.Entry, Int)] = []
            for rule in rules {
                let index = policy.insert(rule, at: at, comment: comment, disabled: disabled, groups: groups)
                made.append((policy.entries[index], index))
                at = at.map { _ in index + 1 }
            }
            return made
        }
    }

    /// Removes the rule at `position`; returns its text.
    public func deleteFirewallRule(at position: Int, actor: String?) async throws -> String {
        try await changeFirewall(actor: actor, "firewall.rule.delete") { policy in
            guard policy.entries.indices.contains(position) else {
                throw ValidationError(.notFound, field: "position", "No firewall rule at position \(position) (there are \(policy.entries.count))")
            }
            return policy.entries.remove(at: position).rule
        }
    }

    /// Removes the first rule whose words match `rule`; returns the index it had.
    public func deleteFirewallRule(matching rule: String, actor: String?) async throws -> Int {
        let rule = try FirewallInput.ruleText(rule)
        return try await changeFirewall(actor: actor, "firewall.rule.delete") { policy in
            guard let index = policy.entries.firstIndex(where: { FirewallInput.same($0.rule, rule) }) else {
                throw ValidationError(.notFound, field: "rule", "No firewall rule matches \"\(rule)\"")
            }
            policy.entries.remove(at: index)
            return index
        }
    }

    /// Replaces every customer rule (ids given are kept when unique).
    public func replaceFirewallRules(_ items: [FirewallInput.Item], force: Bool, actor: String?, context: String? = nil) async throws {
        try await changeFirewall(actor: actor, "firewall.overwrite", context: context, force: force) { policy in policy.replaceAll(items) }
    }

    /// Edits one rule by id: its text, comment, groups or flag (nil: unchanged).
    public func updateFirewallRule(id: Int, rule: String?, comment: String?, groups: [String]?, disabled: Bool?, force: Bool,
                                   actor: String?) async throws -> (FirewallPolicy.Entry, Int) {
        let rule = try rule.map { try FirewallInput.ruleText($0) }
        return try await changeFirewall(actor: actor, "firewall.rule.update", context: "id \(id)", force: force) { policy in
            guard let index = policy.index(ofID: id) else { throw ValidationError(.notFound, field: "id", "No firewall rule with id \(id)") }
            if let rule { policy.entries[index].rule = rule }
            if let comment { policy.entries[index].comment = comment }
            if let groups { policy.entries[index].groups = groups }
            if let disabled { policy.entries[index].disabled = disabled }
            return (policy.entries[index], index)
        }
    }

    /// Removes one rule by id; returns it with the index it had.
    public func deleteFirewallRule(id: Int, actor: String?) async throws -> (FirewallPolicy.Entry, Int) {
        try await changeFirewall(actor: actor, "firewall.rule.delete", context: "id \(id)") { policy in
            guard let index = policy.index(ofID: id) else { throw ValidationError(.notFound, field: "id", "No firewall rule with id \(id)") }
            return (policy.entries.remove(at: index), index)
        }
    }

    /// Inserts imported rules at `position` (nil or negative: append), adding `groups` and
    /// `disabled` to each.
    public func importFirewallRules(_ items: [FirewallInput.Item], at position: Int?, groups: [String], disabled: Bool,
                                    force: Bool, actor: String?) async throws {
        try await changeFirewall(actor: actor, "firewall.import", force: force) { policy in
            var at = position.flatMap { $0 < 0 ? nil : $0 }
            for item in items {
                let index = policy.insert(item.rule, at: at, comment: item.comment, disabled: item.disabled || disabled,
                                          groups: item.groups + groups)
                at = at.map { _ in index + 1 }
            }
        }
    }

    /// `reset_connection_tracking`: flushes the kernel's connection tracking table.
    public func resetConnectionTracking(actor: String?) async throws {
        guard let conntrack else {
            throw ValidationError(.notSupported, "reset_connection_tracking needs a controller that applies (not --no-apply)")
        }
        try await conntrack.flush()
        logger.notice("connection tracking reset", metadata: ["actor": "\(actor ?? "?")"])
    }

    /// The policy with the kernel's packet and byte counters of each rule (by index).
    public func firewallCounters() async throws -> [Int: FirewallReconciler.Counter] {
        guard let firewall else {
            throw ValidationError(.notSupported, "osview needs a controller that applies its firewall (not --no-apply)")
        }
        return try await firewall.counters(snapshot.firewall)
    }
}
