/// Membership of the `clients` fwsets: the overlay addresses of the enabled clientpacks
/// their selectors name. Pure; the firewall reconciler puts the result into kernel ipsets
/// (`hash:ip`), and one pack's change is applied as the sets it joins and leaves.
public enum ClientGroups {
    /// The selectors of every `clients` set, parsed once (entries were checked when stored;
    /// an entry that no longer parses selects nothing).
    public struct Index: Sendable {
        public let groups: [(name: String, selectors: [ClientSelector])]

        public init(_ sets: [FirewallSet]) {
            groups = sets.filter { $0.kind == .clients }.map { set in (set.name, set.entries.compactMap { ClientSelector($0.entry) }) }
        }

        /// The groups the pack at `address` is in (in policy order): none while it is disabled.
        public func groups(of address: String, _ state: ClientpackState) -> [String] {
            guard state.enabled else { return [] }
            return groups.filter { $0.selectors.contains { $0.matches(address, state) } }.map(\.name)
        }

        /// The groups naming the pack whether or not it is enabled (for the clientpack page).
        public func selecting(_ address: String, _ state: ClientpackState) -> [String] {
            groups.filter { $0.selectors.contains { $0.matches(address, state) } }.map(\.name)
        }
    }

    /// Which sets one pack joins and leaves when its state goes from `before` to `after`.
    /// Costs one pass over the groups' selectors, whatever the number of packs.
    public struct Move: Sendable, Equatable {
        public var joined: [String]
        public var left: [String]
        public var isEmpty: Bool { joined.isEmpty && left.isEmpty }
    }

    public static func move(_ address: String, from before: ClientpackState, to after: ClientpackState, index: Index) -> Move {
        let old = Set(index.groups(of: address, before)), new = Set(index.groups(of: address, after))
        return Move(joined: index.groups.map(\.name).filter { new.contains($0) && !old.contains($0) },
                    left: index.groups.map(\.name).filter { old.contains($0) && !new.contains($0) })
    }

    /// Members of every `clients` set, addresses in ascending order. Packs in their
    /// default state (enabled, untagged, no owner) are only reachable by address, so the
    /// scan covers the packs with stored state plus the address selectors.
    public static func members(_ sets: [FirewallSet], clients: [IPv4Address], packs: ClientpackStates) -> [String: [IPv4Address]] {
        let index = Index(sets)
        guard !index.groups.isEmpty else { return [:] }
        let valid = Set(clients)
        var result: [String: Set<IPv4Address>] = [:]
        for group in index.groups { result[group.name] = [] }
        for (text, state) in packs.byAddress where state.enabled {
            guard let address = IPv4Address(text), valid.contains(address) else { continue }
            for name in index.groups(of: text, state) { result[name]!.insert(address) }
        }
        for group in index.groups {
            for case .address(let address) in group.selectors where valid.contains(address) && packs.state(address.description).enabled {
                result[group.name]!.insert(address)
            }
        }
        return result.mapValues { $0.sorted() }
    }

    /// `sets` as the kernel holds them: each `clients` set's entries replaced by its members.
    public static func resolve(_ sets: [FirewallSet], clients: [IPv4Address], packs: ClientpackStates) -> [FirewallSet] {
        guard sets.contains(where: { $0.kind == .clients }) else { return sets }
        let members = members(sets, clients: clients, packs: packs)
        return sets.map { set in
            guard set.kind == .clients else { return set }
            var resolved = set
            resolved.entries = (members[set.name] ?? []).map { FirewallSet.Entry(entry: $0.description) }
            return resolved
        }
    }
}
