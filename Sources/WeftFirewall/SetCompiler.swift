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

    public static func destroy(_ names: [String]) -> String {
        names.isEmpty ? "" : names.map { "destroy \($0)" }.joined(separator: "\n") + "\n"
    }

    /// What identifies a set's content (to tell which sets changed).
    public static func signature(_ set: FirewallSet) -> String {
        set.kind.rawValue + "|" + set.entries.map(\.entry).joined(separator: ",")
    }
}
