import WeftModel

/// `ipset restore` scripts for fwsets. Each set is refilled through a temporary set and an
/// atomic `swap`, so rules matching it never see it half-filled.
public enum SetCompiler {
    static let temporary = "WEFT_FILL_TMP"

    /// Creates (if missing) and refills each of `sets`.
    public static func fill(_ sets: [FirewallSet]) -> String {
        var lines: [String] = []
        for set in sets {
            lines.append("create \(set.name) \(set.kind.ipsetType) -exist")
            lines.append("create \(temporary) \(set.kind.ipsetType)")
            for entry in set.entries { lines.append("add \(temporary) \(entry.entry)") }
            lines.append("swap \(temporary) \(set.name)")
            lines.append("destroy \(temporary)")
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// Adds and deletes members of existing sets in place (no refill): the cost of a
    /// clientpack joining or leaving groups is its own lines, whatever the sets' sizes.
    /// `-exist` makes each line idempotent, so a repeat changes nothing.
    public static func update(adding: [(set: String, member: String)], removing: [(set: String, member: String)]) -> String {
        var lines: [String] = []
        lines.reserveCapacity(adding.count + removing.count)
        for (set, member) in adding { lines.append("add \(set) \(member) -exist") }
        for (set, member) in removing { lines.append("del \(set) \(member) -exist") }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// The member changes that turn `old` into `new` (same name and kind).
    public static func delta(from old: FirewallSet, to new: FirewallSet) -> (adding: [String], removing: [String]) {
        let before = Set(old.entries.map(\.entry)), after = Set(new.entries.map(\.entry))
        return (new.entries.map(\.entry).filter { !before.contains($0) }, old.entries.map(\.entry).filter { !after.contains($0) })
    }

    public static func destroy(_ names: [String]) -> String {
        names.isEmpty ? "" : names.map { "destroy \($0)" }.joined(separator: "\n") + "\n"
    }

    /// What identifies a set's content (to tell which sets changed).
    public static func signature(_ set: FirewallSet) -> String {
        set.kind.rawValue + "|" + set.entries.map(\.entry).joined(separator: ",")
    }
}
