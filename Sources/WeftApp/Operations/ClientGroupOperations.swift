import WeftModel
import WeftReconciler

/// Client groups: the `clients` fwsets that follow the clientpacks (`ClientGroups`). A
/// pack's change moves it between the kernel sets at once, through the firewall's
/// add/del fast path; the reconcile pass woken by the commit converges anything missed.
extension Controller {
    /// Applies the group moves of one pack whose state went from `before` to `after`
    /// (already committed). A failure is logged and left to the reconcile pass.
    func moveInGroups(_ address: IPv4Address, from before: ClientpackState, to after: ClientpackState) async {
        guard let firewall else { return }
        let move = ClientGroups.move(address.description, from: before, to: after, index: ClientGroups.Index(snapshot.firewall.sets))
        guard !move.isEmpty else { return }
        do {
            try await firewall.applyMembership(address.description, move)
        } catch {
            logger.warning("client group move not applied; the reconcile pass will retry",
                           metadata: ["clientpack": "\(address)", "error": "\(error)"])
        }
    }

    /// The clients fwsets naming the pack at `address` (whether or not it is enabled now).
    public func clientGroups(of address: IPv4Address) -> [String] {
        let state = snapshot
        return ClientGroups.Index(state.firewall.sets).selecting(address.description, state.clientpacks.state(address.description))
    }

    /// The members of every clients fwset now (enabled packs only).
    public func clientGroupMembers() -> [String: [IPv4Address]] {
        let state = snapshot
        return ClientGroups.members(state.firewall.sets, clients: state.topology?.clients ?? [], packs: state.clientpacks)
    }

    /// The enabled firewall rules that apply to the pack at `address`: those naming one of
    /// its groups with `--match-set`, or its address (or a network holding it) with
    /// `-s`/`-d`. Each with its index in the policy.
    public func rulesApplying(to address: IPv4Address) -> [(index: Int, rule: String, via: String)] {
        let groups = Set(clientGroups(of: address))
        var result: [(index: Int, rule: String, via: String)] = []
        for (index, entry) in snapshot.firewall.entries.enumerated() where !entry.disabled {
            if let via = ClientRuleMatch.via(entry.rule, address: address, groups: groups) { result.append((index: index, rule: entry.rule, via: via)) }
        }
        return result
    }
}

/// Which part of a VNS3 rule names a clientpack: a `--match-set` of one of its groups, or
/// a `-s`/`-d` address or network that holds its address.
enum ClientRuleMatch {
    static func via(_ rule: String, address: IPv4Address, groups: Set<String>) -> String? {
        let words = rule.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        for (offset, word) in words.enumerated() where offset + 1 < words.count {
            let next = words[offset + 1]
            switch word {
            case "--match-set" where groups.contains(next):
                return "group \(next)"
            case "-s", "--source", "-d", "--destination", "--src", "--dst":
                if IPv4Address(next) == address { return "address" }
                if let network = IPv4Network(next), network.contains(address) { return "network \(network)" }
            default: continue
            }
        }
        return nil
    }
}
