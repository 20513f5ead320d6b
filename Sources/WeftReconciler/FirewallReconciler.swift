import Foundation
import Synchronization
import WeftFirewall
import WeftModel
import WeftStore
import WeftSystem

/// The firewall: the user's VNS3 rules compiled into Weft's chains, replaced in one
/// `iptables-restore --noflush` step (checked with `--test` first), then read back.
public struct FirewallReconciler: SubsystemReconciler {
    public let name = "firewall"
    let netfilter: any Netfilter
    let ipsets: any IPSets
    let services: FirewallCompiler.Services
    let names: ServiceNames
    private let memory = Memory()
    let idsSlot = IDSSteeringSlot()
    /// API applies and reconcile passes never interleave.
    private let gate = SerialGate()

    /// What this process last put into the kernel, and for which store generation.
    final class Memory: Sendable {
        struct Applied: Sendable {
            var signature: String
            var tables: [NetfilterTable: String]
            var sets: [String: FirewallSet]
            var subgroups: [String]
            var generation: Int
            /// Whether the plugin presets' hooks went in with this set.
            var pluginHooked = false
            /// When the API applied (and checked) this set itself; nil for a reconcile pass.
            var byAPIAt: ContinuousClock.Instant?
        }
        let applied = Mutex<Applied?>(nil)
    }

    public init(netfilter: any Netfilter, ipsets: any IPSets, services: FirewallCompiler.Services, names: ServiceNames = ServiceNames()) {
        self.netfilter = netfilter
        self.ipsets = ipsets
        self.services = services
        self.names = names
    }

    /// The controller's own ports (what a plugin preset may not map).
    public var controllerServices: FirewallCompiler.Services { services }

    /// The protective default this controller applies after the customer rules.
    public var protectiveDefault: [(chain: String, arguments: String)] { FirewallCompiler.protectiveDefault(services) }

    /// Parses the enabled rules of a policy (disabled ones are nil: they keep their
    /// position), followed by the rules of every subgroup.
    public static func parse(_ policy: FirewallPolicy, names: ServiceNames = ServiceNames()) throws(RuleError) -> [FirewallRule?] {
        let parser = RuleParser(context: .init(sets: Set(policy.sets.map(\.name)), subgroups: Set(policy.subgroups.map(\.name)), services: names))
        var rules = try parseEntries(policy.entries, parser: parser)
        for group in policy.subgroups {
            for (index, entry) in group.entries.enumerated() where !entry.disabled {
                let text = entry.rule
                let rule: FirewallRule
                do { rule = try parser.parse(text, position: index) } catch {
                    throw RuleError(position: index, token: error.token, reason: "in subgroup \(group.name): \(error.reason)", rule: error.rule)
                }
                guard rule.kernelChain == group.name else {
                    throw RuleError(position: index, token: rule.kernelChain, reason: "a rule of subgroup \(group.name) must start with \(group.name)", rule: text)
                }
                rules.append(rule)
            }
        }
        return rules
    }

    /// The rules of `entries` in order, nil for a disabled one. A large set is parsed on
    /// every core (10,000 rules take about 100 ms on one); the error thrown is the first
    /// rule's in order, the one a parse on one core would throw.
    static func parseEntries(_ entries: [FirewallPolicy.Entry], parser: RuleParser, minimumForParallel: Int = 2_000) throws(RuleError) -> [FirewallRule?] {
        @Sendable func part(_ range: Range<Int>) -> Result<[FirewallRule?], RuleError> {
            var out: [FirewallRule?] = []
            out.reserveCapacity(range.count)
            for index in range {
                do { out.append(entries[index].disabled ? nil : try parser.parse(entries[index].rule, position: index)) } catch { return .failure(error) }
            }
            return .success(out)
        }
        let cores = min(ProcessInfo.processInfo.activeProcessorCount, 8)
        guard entries.count >= minimumForParallel, cores > 1 else { return try part(0..<entries.count).get() }
        let size = (entries.count + cores - 1) / cores
        let parts = Mutex<[Int: Result<[FirewallRule?], RuleError>]>([:])
        DispatchQueue.concurrentPerform(iterations: cores) { n in
            let result = part(min(entries.count, n * size)..<min(entries.count, (n + 1) * size))
            parts.withLock { $0[n] = result }
        }
        let done = parts.withLock { $0 }
        var rules: [FirewallRule?] = []
        rules.reserveCapacity(entries.count)
        for n in 0..<cores { rules += try done[n]!.get() }
        return rules
    }

    static let tables: [NetfilterTable] = [.filter, .nat, .mangle]
    /// How long a set the API applied counts as checked for a pass at its generation.
    static let freshAfterAPI: Duration = .seconds(10)

    public func reconcile(_ desired: DesiredState, apply: Bool) async throws -> [Change] {
        try await gate.run { try await reconcileLocked(desired, apply: apply) }
    }

    private func reconcileLocked(_ desired: DesiredState, apply: Bool) async throws -> [Change] {
        // The API applied a newer rule set while this pass waited: nothing to do.
        if let applied = memory.applied.withLock({ $0 }), desired.generation < applied.generation { return [] }
        // The pass an API write wakes, at the generation that write just applied and checked
        // itself: nothing to verify yet (at 10,000 rules the check is three iptables-save runs
        // and a parse, more CPU than the write, competing with the next one). The periodic
        // pass still compares with the kernel and repairs drift.
        if let applied = memory.applied.withLock({ $0 }), desired.generation == applied.generation,
           let at = applied.byAPIAt, ContinuousClock.now - at < Self.freshAfterAPI { return [] }
        let rules: [FirewallRule?]
        do { rules = try Self.parse(desired.firewall, names: names) } catch {
            throw SystemError.parse("stored firewall rule refused: \(error)")
        }
        var saved: [NetfilterTable: String] = [:]
        for table in Self.tables {
            saved[table] = apply ? try await netfilter.save(table: table.rawValue)
                                 : ((try? await netfilter.save(table: table.rawValue)) ?? "")
        }
        var present: Set<String> = []
        for (table, text) in saved { present.formUnion(FirewallCompiler.presentHooks(table: table, save: text)) }
        let groups = desired.firewall.subgroups.map(\.name)
        let appliedGroups = memory.applied.withLock { $0?.subgroups } ?? []
        var existing: Set<String> = []
        for text in saved.values { existing.formUnion(FirewallCompiler.observedChains(save: text, names: Set(appliedGroups)).keys) }
        let removedGroups = appliedGroups.filter { !groups.contains($0) && existing.contains($0) }
        let generated = PluginPresets.compile(desired.pluginFirewall.rules, bridge: services.pluginBridge ?? "plugin0", network: desired.pluginFirewall.network)
        let output = FirewallCompiler.compile(rules, subgroups: groups, removed: removedGroups, services: services, present: present, generated: generated, ids: idsSteering)
        let pluginHooks = FirewallCompiler.activePluginHooks(generated: generated, present: present)

        let wantedCounts = output.chains.mapValues(\.count)
        var observedCounts: [String: Int] = [:]
        for text in saved.values {
            for (chain, list) in FirewallCompiler.observedChains(save: text, names: Set(output.chains.keys)) {
                observedCounts[chain] = list.count
            }
        }
        let hooksMissing = (FirewallCompiler.hooks + pluginHooks).filter { !present.contains("\($0.0.rawValue) \($0.1) \($0.2)") }

        // fwsets: refill those whose content or kernel size differs, drop those no longer wanted.
        let desiredSets = Self.kernelSets(desired)
        let kernelSets = apply ? try await ipsets.counts() : ((try? await ipsets.counts()) ?? [:])
        let appliedSets = memory.applied.withLock { $0?.sets } ?? [:]
        let staleSets = desiredSets.filter { !Self.same(appliedSets[$0.name], $0) || kernelSets[$0.name] != $0.kernelEntryCount }
        // A clients set the kernel holds as last applied only gets its members added/deleted.
        let movedSets = staleSets.filter { set in
            guard set.kind == .clients, let old = appliedSets[set.name], old.kind == .clients else { return false }
            return kernelSets[set.name] == old.kernelEntryCount
        }
        let refilledSets = staleSets.filter { set in !movedSets.contains { $0.name == set.name } }
        let removedSets = appliedSets.keys.filter { desired.firewall.set(named: $0) == nil && kernelSets[$0] != nil }.sorted()

        let rulesSame = hooksMissing.isEmpty && removedGroups.isEmpty && observedCounts == wantedCounts && memory.applied.withLock { $0?.signature } == output.signature
        if rulesSame && staleSets.isEmpty && removedSets.isEmpty { return [] }

        var changes: [Change] = []
        for set in staleSets { changes.append(Change(name, "fwset \(set.name): \(set.entries.count) \(set.kind.rawValue) entr(ies)")) }
        if !rulesSame {
            let active = rules.compactMap { $0 }.count
            changes.append(Change(name, "replace Weft chains: \(active) active rule(s) of \(rules.count), \(output.payload.utf8.count) bytes"))
        }
        for (table, builtin, chain) in hooksMissing { changes.append(Change(name, "\(table.rawValue) \(builtin) -> \(chain)")) }
        for set in removedSets { changes.append(Change(name, "fwset \(set): remove")) }
        guard apply else { return changes }

        if !refilledSets.isEmpty { try await ipsets.restore(SetCompiler.fill(refilledSets)) }
        if !movedSets.isEmpty {
            var adding: [(set: String, member: String)] = [], removing: [(set: String, member: String)] = []
            for set in movedSets {
                let delta = SetCompiler.delta(from: appliedSets[set.name]!, to: set)
                adding += delta.adding.map { (set.name, $0) }
                removing += delta.removing.map { (set.name, $0) }
            }
            try await ipsets.restore(SetCompiler.update(adding: adding, removing: removing))
        }
        if !rulesSame {
            let previous = memory.applied.withLock { $0?.signature }
            try await netfilter.restore(await keepingCounters(output.payload, previous: previous))
        }
        if !removedSets.isEmpty { try await ipsets.restore(SetCompiler.destroy(removedSets)) }
        memory.applied.withLock {
            $0 = .init(signature: output.signature, tables: output.tableSignatures,
                       sets: Dictionary(uniqueKeysWithValues: desiredSets.map { ($0.name, $0) }), subgroups: groups,
                       generation: desired.generation, pluginHooked: !pluginHooks.isEmpty)
        }
        let setsAfter = try await ipsets.counts()
        for set in desiredSets where setsAfter[set.name] != set.kernelEntryCount {
            throw SystemError.io("fwset \(set.name) holds \(setsAfter[set.name].map(String.init) ?? "nothing") members after apply, wanted \(set.kernelEntryCount)")
        }

        // Read back: every Weft chain holds the number of rules compiled for it, hooks in place.
        var after: [String: Int] = [:]
        var hooked: Set<String> = []
        for table in Self.tables {
            let text = try await netfilter.save(table: table.rawValue)
            hooked.formUnion(FirewallCompiler.presentHooks(table: table, save: text))
            for (chain, list) in FirewallCompiler.observedChains(save: text, names: Set(output.chains.keys)) { after[chain] = list.count }
        }
        guard after == wantedCounts else {
            throw SystemError.io("firewall chains differ after apply: wanted \(wantedCounts.sorted { $0.key < $1.key }), found \(after.sorted { $0.key < $1.key })")
        }
        let missing = (FirewallCompiler.hooks + pluginHooks).filter { !hooked.contains("\($0.0.rawValue) \($0.1) \($0.2)") }
        guard missing.isEmpty else { throw SystemError.io("firewall hooks missing after apply: \(missing.map { "\($0.1)->\($0.2)" })") }
        return changes
    }

    /// The fwsets as the kernel holds them: `clients` sets resolved to their members.
    public static func kernelSets(_ desired: DesiredState) -> [FirewallSet] {
        ClientGroups.resolve(desired.firewall.sets, clients: desired.topology?.clients ?? [], packs: desired.clientpacks)
    }

    /// Whether the kernel copy `applied` already holds `set` (members of a clients set in any order).
    static func same(_ applied: FirewallSet?, _ set: FirewallSet) -> Bool {
        guard let applied else { return false }
        guard set.kind == .clients, applied.kind == .clients else { return applied == set }
        return applied.name == set.name && applied.entries.count == set.entries.count
            && Set(applied.entries.map(\.entry)) == Set(set.entries.map(\.entry))
    }

    /// The fast path of one clientpack's change: adds `address` to the clients sets it
    /// joined and deletes it from those it left, in one `ipset restore`, without touching
    /// the rules or the other members — so its cost does not grow with the number of packs.
    /// Sets not in the kernel yet are left to the reconcile pass. Returns the lines applied.
    @discardableResult
    public func applyMembership(_ address: String, _ move: ClientGroups.Move) async throws -> Int {
        try await gate.run {
            guard let sets = memory.applied.withLock({ $0?.sets }) else { return 0 }
            let joined = move.joined.filter { sets[$0]?.kind == .clients }
            let left = move.left.filter { sets[$0]?.kind == .clients }
            guard !joined.isEmpty || !left.isEmpty else { return 0 }
            try await ipsets.restore(SetCompiler.update(adding: joined.map { ($0, address) }, removing: left.map { ($0, address) }))
            memory.applied.withLock { state in
                guard state != nil else { return }
                for name in joined where state!.sets[name]?.entries.contains(where: { $0.entry == address }) == false {
                    state!.sets[name]!.entries.append(.init(entry: address))
                }
                for name in left { state!.sets[name]?.entries.removeAll { $0.entry == address } }
            }
            return joined.count + left.count
        }
    }

    public struct Counter: Sendable, Equatable {
        public let packets: Int
        public let bytes: Int
    }

    /// Packet and byte counters of each enabled customer rule, keyed by its index in the
    /// policy, read from `iptables-save -c`. COPY macros report their incoming TEE rule.
    public func counters(_ policy: FirewallPolicy) async throws -> [Int: Counter] {
        let rules: [FirewallRule?]
        do { rules = try Self.parse(policy, names: names) } catch { throw SystemError.parse("\(error)") }
        let output = FirewallCompiler.compile(rules, subgroups: policy.subgroups.map(\.name), services: services, present: [], ids: idsSteering)
        // The n-th "-A CHAIN" line of the payload belongs to rule ruleAtLine[line]; the kernel
        // keeps the same order, so pair them up chain by chain.
        var owners: [String: [Int?]] = [:]
        for (offset, line) in output.payload.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.hasPrefix("-A ") {
            let chain = String(line.dropFirst(3).prefix { $0 != " " })
            owners[chain, default: []].append(output.ruleAtLine[offset + 1])
        }
        var result: [Int: Counter] = [:]
        for table in Self.tables {
            var seen: [String: Int] = [:]
            for line in try await netfilter.save(table: table.rawValue, counters: true).split(separator: "\n") {
                guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { continue }
                let numbers = line[line.index(after: line.startIndex)..<close].split(separator: ":")
                let rest = line[line.index(after: close)...].drop { $0 == " " }
                guard rest.hasPrefix("-A "), numbers.count == 2, let packets = Int(numbers[0]), let bytes = Int(numbers[1]) else { continue }
                let chain = String(rest.dropFirst(3).prefix { $0 != " " })
                guard let list = owners[chain] else { continue }
                let n = seen[chain, default: 0]
                seen[chain] = n + 1
                if n < list.count, let index = list[n], result[index] == nil {
                    result[index] = Counter(packets: packets, bytes: bytes)
                }
            }
        }
        return result
    }

    /// The API's write path: puts `rules` into the kernel with one checked
    /// `iptables-restore` (a refused payload changes nothing), then runs `commit` (the store transaction,
    /// returning the new generation). When the commit fails, the previous rule set goes
    /// back into the kernel. Returns the generation now live.
    public func applyNow(_ rules: [FirewallRule?], sets: [FirewallSet] = [], subgroups: [String] = [],
                         generated: [PluginPresets.Rule] = [], commit: @Sendable () throws -> Int) async throws -> Int {
        try await gate.run {
            let previous = memory.applied.withLock { $0 }
            // fwsets first (rules may reference new ones), each refilled through an atomic swap.
            let previousSets = previous?.sets ?? [:]
            let staleSets = sets.filter { !Self.same(previousSets[$0.name], $0) }
            let removedSets = previousSets.keys.filter { name in !sets.contains { $0.name == name } }.sorted()
            let undoSets = {
                let restore = staleSets.compactMap { previousSets[$0.name] }
                let created = staleSets.filter { previousSets[$0.name] == nil }.map(\.name)
                try? await ipsets.restore(SetCompiler.fill(restore) + SetCompiler.destroy(created))
            }
            if !staleSets.isEmpty {
                do { try await ipsets.restore(SetCompiler.fill(staleSets)) } catch {
                    await undoSets()
                    throw KernelRefusal(index: nil, message: "ipset refused the fwsets: \(error)")
                }
            }
            var present: Set<String> = []
            if previous == nil {
                for table in Self.tables {
                    present.formUnion(FirewallCompiler.presentHooks(table: table, save: try await netfilter.save(table: table.rawValue)))
                }
            } else {
                // Hooks were verified when the previous set went in; a pass repairs them if removed since.
                present = Set(FirewallCompiler.hooks.map { "\($0.0.rawValue) \($0.1) \($0.2)" })
                if previous?.pluginHooked == true { present.formUnion(PluginPresets.hooks.map { "\($0.0.rawValue) \($0.1) \($0.2)" }) }
            }
            let removedGroups = (previous?.subgroups ?? []).filter { !subgroups.contains($0) }
            let output = FirewallCompiler.compile(rules, subgroups: subgroups, removed: removedGroups, services: services, present: present,
                                                  generated: generated, ids: idsSteering)
            let pluginHooked = !FirewallCompiler.activePluginHooks(generated: generated, present: present).isEmpty
            // Only the tables that changed; one table needs no separate check (one transaction).
            let change = output.payload(changedSince: previous?.tables)
            do {
                switch change.tables {
                case 0: break
                case 1: try await netfilter.restoreOneTable(await keepingCounters(change.payload, previous: previous?.signature))
                default: try await netfilter.restore(await keepingCounters(change.payload, previous: previous?.signature))
                }
            } catch {
                // Line numbers refer to the partial payload: check the whole one to name the rule.
                var message = "\(error)"
                if change.tables != NetfilterTable.allCases.count {
                    do { try await netfilter.test(output.payload) } catch let full { message = "\(full)" }
                }
                await undoSets()
                throw KernelRefusal(index: Self.ruleIndex(in: message, output: output), message: message)
            }
            let generation: Int
            do {
                generation = try commit()
            } catch {
                if let previous { try? await netfilter.restore(previous.signature + "\n") }
                await undoSets()
                throw error
            }
            // Sets no rule references any more go last.
            if !removedSets.isEmpty { try? await ipsets.restore(SetCompiler.destroy(removedSets)) }
            memory.applied.withLock {
                $0 = .init(signature: output.signature, tables: output.tableSignatures,
                           sets: Dictionary(uniqueKeysWithValues: sets.map { ($0.name, $0) }), subgroups: subgroups, generation: generation,
                           pluginHooked: pluginHooked, byAPIAt: .now)
            }
            return generation
        }
    }

    /// `payload` with the kernel's counters of the rules it keeps unchanged from `previous`
    /// (the payload last restored), so an edit does not reset their hit counters. Only the
    /// tables the payload touches are read; when they cannot be read, counters start anew.
    ///
    /// A payload that keeps fewer than half of its rules from `previous` is a replacement
    /// (a `PUT /api/firewall` of a new rule set): its counters start anew, as VNS3's and a
    /// bare `iptables-restore` do. Reading them would cost an `iptables-save -c` of every
    /// table touched — at 10,000 rules most of the kernel's own restore time again.
    func keepingCounters(_ payload: String, previous: String?) async -> String {
        guard let previous, RuleCounters.keepsMost(previous: previous, payload: payload) else { return payload }
        var saved: [String] = []
        for line in payload.split(separator: "\n") where line.hasPrefix("*") {
            guard let text = try? await netfilter.save(table: String(line.dropFirst()), counters: true) else { return payload }
            saved.append(text)
        }
        return RuleCounters.apply(RuleCounters.carried(previous: previous, saved: saved), to: payload)
    }

    /// The kernel (iptables-restore) refused a rule set; `index` is the customer rule on the
    /// failing line when the tool names one.
    public struct KernelRefusal: Error, Sendable {
        public let index: Int?
        public let message: String
    }

    /// "Error occurred at line: 12" (or "line 12 failed") → the rule compiled onto line 12.
    static func ruleIndex(in message: String, output: FirewallCompiler.Output) -> Int? {
        guard let range = message.range(of: "line") else { return nil }
        let digits = message[range.upperBound...].drop { $0 == ":" || $0 == " " }.prefix { $0.isNumber }
        return Int(digits).flatMap { output.ruleAtLine[$0] }
    }

}
