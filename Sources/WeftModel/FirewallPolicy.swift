/// The firewall as the user wrote it: an ordered list of rules in the VNS3 language, each
/// with a stable id (v2 API), a comment, groups and a disabled flag. Positions (v1 API) are
/// the 0-based indexes in `entries`.
public struct FirewallPolicy: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var id: Int
        public var rule: String
        public var comment: String
        public var disabled: Bool
        public var groups: [String]

        public init(id: Int, rule: String, comment: String = "", disabled: Bool = false, groups: [String] = []) {
            self.id = id
            self.rule = rule
            self.comment = comment
            self.disabled = disabled
            self.groups = groups
        }
    }

    public var nextID: Int
    public var entries: [Entry]
    /// The fwsets, by name order of creation.
    public var sets: [FirewallSet]
    /// Subgroup chains (`INP_C_x`, ...): rules that customer rules jump to.
    public var subgroups: [Subgroup]

    /// Rule groups (v2): names and descriptions; membership is each entry's `groups`.
    public var ruleGroups: [RuleGroup]

    /// A subgroup chain (v1 "subgroup", v2 "subtable"): its rules start with its name.
    public struct Subgroup: Codable, Sendable, Equatable {
        public var name: String
        public var description: String
        public var entries: [Entry]
        public init(name: String, description: String = "", entries: [Entry] = []) {
            self.name = name
            self.description = description
            self.entries = entries
        }
        public var rules: [String] { entries.map(\.rule) }
    }

    public struct RuleGroup: Codable, Sendable, Equatable {
        public var name: String
        public var description: String
        public init(name: String, description: String = "") {
            self.name = name
            self.description = description
        }
    }

    /// A new entry with the next id (for subgroup rules).
    public mutating func makeEntry(_ rule: String, comment: String = "", disabled: Bool = false) -> Entry {
        defer { nextID += 1 }
        return Entry(id: nextID, rule: rule, comment: comment, disabled: disabled)
    }

    public init(nextID: Int = 1, entries: [Entry] = [], sets: [FirewallSet] = [], subgroups: [Subgroup] = [], ruleGroups: [RuleGroup] = []) {
        self.nextID = nextID
        self.entries = entries
        self.sets = sets
        self.subgroups = subgroups
        self.ruleGroups = ruleGroups
    }

    enum CodingKeys: String, CodingKey { case nextID, entries, sets, subgroups, ruleGroups }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        nextID = try container.decode(Int.self, forKey: .nextID)
        entries = try container.decode([Entry].self, forKey: .entries)
        sets = try container.decodeIfPresent([FirewallSet].self, forKey: .sets) ?? []
        subgroups = try container.decodeIfPresent([Subgroup].self, forKey: .subgroups) ?? []
        ruleGroups = try container.decodeIfPresent([RuleGroup].self, forKey: .ruleGroups) ?? []
    }

    public func set(named name: String) -> FirewallSet? { sets.first { $0.name == name } }
    public func subgroupIndex(named name: String) -> Int? { subgroups.firstIndex { $0.name == name } }
    public func setIndex(named name: String) -> Int? { sets.firstIndex { $0.name == name } }

    /// Inserts before `position` (nil, -1 or past the end: append); returns the index used.
    @discardableResult
    public mutating func insert(_ rule: String, at position: Int?, comment: String = "", disabled: Bool = false, groups: [String] = []) -> Int {
        let index = position.map { $0 < 0 || $0 > entries.count ? entries.count : $0 } ?? entries.count
        entries.insert(Entry(id: nextID, rule: rule, comment: comment, disabled: disabled, groups: groups), at: index)
        nextID += 1
        return index
    }

    /// Replaces every rule; ids given are kept when unique, others are assigned.
    public mutating func replaceAll(_ rules: [(rule: String, comment: String, disabled: Bool, groups: [String], id: Int?)]) {
        var used: Set<Int> = []
        var fresh: [Entry] = []
        for item in rules {
            var id = nextID
            if let wanted = item.id, wanted > 0, !used.contains(wanted) {
                id = wanted
            } else {
                nextID += 1
            }
            used.insert(id)
            nextID = max(nextID, id + 1)
            fresh.append(Entry(id: id, rule: item.rule, comment: item.comment, disabled: item.disabled, groups: item.groups))
        }
        entries = fresh
    }

    public func index(ofID id: Int) -> Int? { entries.firstIndex { $0.id == id } }
}
