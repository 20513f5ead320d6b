/// Keeps the packet and byte counters of unchanged rules across a chain replace.
///
/// A restore payload that declares `:CHAIN - [0:0]` empties the chain and refills it, so
/// every rule would start again from zero. `iptables-restore --counters` takes a
/// `[packets:bytes]` prefix on a rule line: each rule of the new payload whose chain and
/// text were in the payload Weft last restored gets the counters the kernel holds for it.
/// The kernel keeps each chain's rules in payload order, so the n-th `-A CHAIN` line of
/// the previous payload is the n-th rule of CHAIN in `iptables-save -c` (the pairing the
/// hit counters use); a chain whose rule count differs from the previous payload's is
/// left alone (something else changed it).
public enum RuleCounters {
    /// `"-A CHAIN args"` lines of `previous` → the kernel's `[p:b]` for each occurrence, in order.
    public static func carried(previous: String, saved: [String]) -> [String: [String]] {
        var previousLines: [String: [Substring]] = [:]
        for line in previous.split(separator: "\n") where line.hasPrefix("-A ") {
            previousLines[chain(of: line), default: []].append(line)
        }
        var kernel: [String: [Substring]] = [:]
        for text in saved {
            for line in text.split(separator: "\n") where line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else { continue }
                let rest = line[line.index(after: close)...].drop { $0 == " " }
                guard rest.hasPrefix("-A ") else { continue }
                let name = chain(of: rest)
                if previousLines[name] != nil { kernel[name, default: []].append(line[...close]) }
            }
        }
        var result: [String: [String]] = [:]
        for (name, lines) in previousLines {
            guard let counters = kernel[name], counters.count == lines.count else { continue }
            for (line, counter) in zip(lines, counters) where counter != "[0:0]" {
                result[String(line), default: []].append(String(counter))
            }
        }
        return result
    }

    /// `payload` with the counters of `carried` in front of the rule lines they belong to
    /// (each counter used once, for repeated identical rules in order).
    public static func apply(_ carried: [String: [String]], to payload: String) -> String {
        guard !carried.isEmpty else { return payload }
        var remaining = carried
        var out = ""
        out.reserveCapacity(payload.utf8.count + carried.count * 12)
        for line in payload.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-A "), var counters = remaining[String(line)], !counters.isEmpty {
                out += counters.removeFirst() + " "
                remaining[String(line)] = counters
            }
            out += line
            out += "\n"
        }
        out.removeLast()
        return out
    }

    /// Whether at least half of `payload`'s rule lines (`-A …`) were in `previous` (an
    /// edit rather than a replacement).
    public static func keepsMost(previous: String, payload: String) -> Bool {
        var before: [Substring: Int] = [:]
        for line in ruleLines(previous) { before[line, default: 0] += 1 }
        var kept = 0, total = 0
        for line in ruleLines(payload) {
            total += 1
            if let n = before[line], n > 0 { before[line] = n - 1; kept += 1 }
        }
        return total > 0 && kept * 2 >= total
    }

    /// The `-A …` lines of an iptables-restore payload, split on bytes.
    static func ruleLines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        var index = start
        while index != bytes.endIndex {
            if bytes[index] == 0x0A {
                if bytes[start...].starts(with: "-A ".utf8) { lines.append(text[start..<index]) }
                start = bytes.index(after: index)
            }
            bytes.formIndex(after: &index)
        }
        if start != bytes.endIndex, bytes[start...].starts(with: "-A ".utf8) { lines.append(text[start...]) }
        return lines
    }

    static func chain(of line: Substring) -> String {
        String(line.dropFirst(3).prefix { $0 != " " })
    }
}
