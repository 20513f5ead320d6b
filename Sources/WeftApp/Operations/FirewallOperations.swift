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
    /// Runs one firewall read-modify-write. Writes are serialised so none loses another, and
    /// committed in groups (`FirewallWriteQueue`): the writes waiting while a batch is
    /// applied go in together, each checked on the policy the writes before it left (so a
    /// write is refused exactly as it would be alone), then one kernel apply and one
    /// transaction for the batch. The audit row says what changed (`FirewallChange`), after
    /// the optional `context` ("web UI", "id 3").
    @discardableResult
    public func changeFirewall<T: Sendable>(actor: String?, _ action: String, context: String? = nil, force: Bool = false,
                                            _ mutate: @escaping @Sendable (inout FirewallPolicy) throws -> T) async throws -> T {
        let write = FirewallWrite(actor: actor, action: action, context: context, force: force) { policy in try mutate(&policy) }
        let value = try await firewallWrites.submit(write) { batch in await self.applyFirewallBatch(batch) }
        return value as! T
    }

    /// One batch: each write on the policy its predecessors left (a write that fails its own
    /// checks is refused and leaves the policy as it was), then the kernel and the store
    /// once. If the kernel refuses the combined set, the writes are applied one by one so
    /// only the bad one is refused.
    func applyFirewallBatch(_ batch: [FirewallWriteQueue.Pending]) async {
        let clock = ContinuousClock()
        let started = clock.now
        var policy = snapshot.firewall
        let entriesBefore = policy.entries.count
        var rules: [FirewallRule?] = []
        var accepted: [(pending: FirewallWriteQueue.Pending, value: any Sendable, line: Store.AuditLine)] = []
        for pending in batch {
            let write = pending.write
            var candidate = policy
            do {
                let value = try write.mutate(&candidate)
                let checked = try checkFirewall(candidate, force: write.force)
                let change = FirewallChange(from: policy, to: candidate).description(ruleCount: candidate.entries.count)
                let detail = write.context.map { "\($0): \(change)" } ?? change
                accepted.append((pending, value, Store.AuditLine(actor: write.actor ?? "system", action: write.action,
                                                                 detail: String(detail.prefix(600)))))
                policy = candidate
                rules = checked
            } catch {
                pending.finish(.failure(error))
            }
        }
        guard !accepted.isEmpty else { return }
        let checked = clock.now
        let frozen = policy
        let lines = accepted.map(\.line)
        // The store JSON is written on another core while the kernel applies the rules.
        let prepared = PreparedStoreJSON(frozen)
        let commit: @Sendable () throws -> Int = { try self.commitFirewall(frozen, prepared: prepared, lines: lines) }
        func answerAll(_ result: (any Sendable) -> Result<any Sendable, any Error>) {
            for item in accepted { item.pending.finish(result(item.value)) }
        }
        guard let firewall = self.firewall else {
            do { _ = try commit(); answerAll { .success($0) } } catch { answerAll { _ in .failure(error) } }
            return
        }
        do {
            let state = snapshot
            let sets = ClientGroups.resolve(frozen.sets, clients: state.topology?.clients ?? [], packs: state.clientpacks)
            let generation = try await firewall.applyNow(rules, sets: sets, subgroups: frozen.subgroups.map(\.name),
                                                         generated: pluginFirewallRules(state.pluginFirewall), commit: commit)
            reconciler.board.markApplied("firewall", generation: generation, message: "applied by the API: \(rules.count) rule(s)")
            logger.debug("firewall write", metadata: [
                "firewall.rules": "\(rules.count)", "firewall.generation": "\(generation)", "firewall.batch": "\(accepted.count)",
                "firewall.wait_ms": "\((started - accepted[0].pending.write.arrived).milliseconds)",
                "firewall.check_ms": "\((checked - started).milliseconds)",
                "firewall.apply_commit_ms": "\((clock.now - checked).milliseconds)"])
            answerAll { .success($0) }
            if max(entriesBefore, frozen.entries.count) >= FreedMemory.largeWrite { FreedMemory.returnSoon() }
        } catch let refusal as FirewallReconciler.KernelRefusal {
            guard accepted.count == 1 else {
                for item in accepted { await applyFirewallBatch([item.pending]) }
                return
            }
            var message = "the kernel refused the rule set"
            if let index = refusal.index, frozen.entries.indices.contains(index) { message += " at rule \(index) (\"\(frozen.entries[index].rule)\")" }
            let error = ValidationError(.argument, name: "FirewallRuleError", message + ": " + refusal.message)
            answerAll { _ in .failure(error) }
        } catch {
            answerAll { _ in .failure(error) }
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
