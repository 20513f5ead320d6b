/// A firewall file: one VNS3 rule per line, blank lines and `#` comments skipped. Each
/// rule keeps its line number so a refusal can name it.
public struct RuleFile: Equatable, Sendable {
    public struct Line: Equatable, Sendable {
        public let number: Int
        public let rule: String
    }

    public let lines: [Line]

    public init(text: String) {
        var out: [Line] = []
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let rule = String(raw).trimmingWhitespace
            if rule.isEmpty || rule.hasPrefix("#") { continue }
            out.append(Line(number: offset + 1, rule: rule.split(whereSeparator: \.isWhitespace).joined(separator: " ")))
        }
        lines = out
    }

    public var rules: [String] { lines.map(\.rule) }
}

/// A line diff between the running rules and a file's, in order: the longest common
/// subsequence is kept, the rest is removed (`-`) or added (`+`).
public struct RuleDiff: Equatable, Sendable {
    public enum Change: Equatable, Sendable {
        case keep(String)
        case remove(String)
        case add(String)
    }

    public let changes: [Change]

    public init(from old: [String], to new: [String]) {
        let n = old.count, m = new.count
        var length = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
        if n > 0 && m > 0 {
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    length[i][j] = old[i] == new[j] ? length[i + 1][j + 1] + 1 : max(length[i + 1][j], length[i][j + 1])
                }
            }
        }
        var out: [Change] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n && j < m && old[i] == new[j] {
                out.append(.keep(old[i])); i += 1; j += 1
            } else if j < m && (i == n || length[i][j + 1] >= length[i + 1][j]) {
                out.append(.add(new[j])); j += 1
            } else {
                out.append(.remove(old[i])); i += 1
            }
        }
        changes = out
    }

    public var isEmpty: Bool { !changes.contains { if case .keep = $0 { false } else { true } } }
    public var added: Int { changes.filter { if case .add = $0 { true } else { false } }.count }
    public var removed: Int { changes.filter { if case .remove = $0 { true } else { false } }.count }

    /// Unified-style text: `  kept`, `- removed`, `+ added`.
    public var text: String {
        changes.map { change in
            switch change {
            case .keep(let rule): "  " + rule
            case .remove(let rule): "- " + rule
            case .add(let rule): "+ " + rule
            }
        }.joined(separator: "\n") + (changes.isEmpty ? "" : "\n")
    }
}
