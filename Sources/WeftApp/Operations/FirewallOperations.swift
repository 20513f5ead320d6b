import WeftFirewall
import WeftModel
import WeftReconciler
import WeftStore

/// The firewall's one write path, shared by every `/api/firewall…` and `/api/v2/firewall…`
/// endpoint and the UI's firewall editor. A change builds the whole candidate policy,
/// parses every enabled rule, refuses a lockout unless forced, has the kernel check and
/// apply it (`iptables-restore`, atomically) and only then stores it in one transaction;
/// a refusal at any step leaves store and kernel as they were.
extension Controller {
    /// Runs one firewall read-modify-write; writes are serialised so none loses another.
    /// The audit row says what changed (`FirewallChange`), after the optional `context`
    /// ("web UI", "id 3").
    @discardableResult
    public func changeFirewall<T: Sendable>(actor: String?, _ action: String, context: String? = nil, force: Bool = false,
                                            _ mutate: @Sendable (inout FirewallPolicy) throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let arrived = clock.now
        return try await firewallGate.run {
            let started = clock.now
            let before = self.snapshot.firewall
            var policy = before
            let result = try mutate(&policy)
            let change = FirewallChange(from: before, to: policy).description(ruleCount: policy.entries.count)
            let detail = context.map { "\($0): \(change)" } ?? change
            let rules = try self.checkFirewall(policy, force: force)
            let checked = clock.now
            let frozen = policy
            let commit: @Sendable () throws -> Int = {
                try self.commitReturningGeneration(actor, action, detail: String(detail.prefix(600))) { db in
                    try Store.set(.firewall, frozen, in: db)
                }
            }
            guard let firewall = self.firewall else {
                _ = try commit()
                return result
            }
            let generation: Int
            do {
                let state = self.snapshot
                let sets = ClientGroups.resolve(frozen.sets, clients: state.topology?.clients ?? [], packs: state.clientpacks)
                generation = try await firewall.applyNow(rules, sets: sets, subgroups: frozen.subgroups.map(\.name),
                                                         generated: self.pluginFirewallRules(state.pluginFirewall), commit: commit)
            } catch let refusal as FirewallReconciler.KernelRefusal {
                var message = "the kernel refused the rule set"
                if let index = refusal.index { message += " at rule \(index) (\"\(frozen.entries[index].rule)\")" }
                throw ValidationError(.argument, name: "FirewallRuleError", message + ": " + refusal.message)
            }
            self.reconciler.board.markApplied("firewall", generation: generation, message: "applied by the API: \(rules.count) rule(s)")
            self.logger.debug("firewall write", metadata: [
                "firewall.rules": "\(rules.count)", "firewall.generation": "\(generation)",
                "firewall.wait_ms": "\((started - arrived).milliseconds)", "firewall.check_ms": "\((checked - started).milliseconds)",
                "firewall.apply_commit_ms": "\((clock.now - checked).milliseconds)"])
            return result
        }
    }

    /// Parses every enabled rule and refuses a lockout unless forced.
    public func checkFirewall(_ policy: FirewallPolicy, force: Bool) throws -> [FirewallRule?] {
        let rules: [FirewallRule?]
        do {
            rules = try FirewallReconciler.parse(policy)
        } catch {
            throw ValidationError(.argument, name: "FirewallRuleError", error.description)
        }
        if !force, let lockout = LockoutCheck.check(rules, apiPort: options.port) {
            throw ValidationError(.argument, name: "FirewallLockout", lockout.description)
        }
        return rules
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
