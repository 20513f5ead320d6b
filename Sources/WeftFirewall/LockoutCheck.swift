import WeftModel

/// Refuses rule sets that would lock the operator out (VNS3 only warns): one that cuts the
/// management API off from every source, or one that accepts everything in INPUT.
///
/// The API is reachable from a source when, walking INPUT_CUST in order, the first rule
/// that certainly matches a new TCP connection from that source to the API port accepts or
/// returns it (or no rule matches, so the default accepts it). Rules with matches that
/// cannot be decided here (sets, interfaces, negations, limits...) are skipped. Candidate
/// sources: an address no rule names, and every network an ACCEPT rule names.
public enum LockoutCheck {
    public static func check(_ rules: [FirewallRule?], apiPort: Int = 8000) -> RuleError? {
        let input = rules.enumerated().compactMap { index, rule -> (Int, FirewallRule)? in
            guard let rule, rule.kernelChain == CustomerChain.input.rawValue else { return nil }
            return (index, rule)
        }
        for (index, rule) in input where rule.matchesEverything && rule.target == "ACCEPT" {
            return RuleError(position: index, token: "ACCEPT",
                             reason: "accepts everything in INPUT: the controller would be open to all traffic; send force: true to apply anyway",
                             rule: rule.text)
        }
        var candidates: [IPv4Address?] = [nil]
        for (_, rule) in input where rule.target == "ACCEPT" {
            for source in rule.sources {
                for part in source.split(separator: ",") {
                    if let network = IPv4Network(part) { candidates.append(network.network) }
                    else if let address = IPv4Address(part) { candidates.append(address) }
                }
            }
        }
        var blocker: (Int, FirewallRule)?
        for source in candidates {
            var decided = false
            for (index, rule) in input where certainlyMatches(rule, source: source, port: apiPort) {
                if rule.target == "DROP" || rule.target == "REJECT" {
                    blocker = blocker ?? (index, rule)
                    decided = true
                    break
                }
                if rule.target == "ACCEPT" || rule.target == "RETURN" { return nil }
            }
            if !decided { return nil }
        }
        guard let (index, rule) = blocker else { return nil }
        return RuleError(position: index, token: rule.target,
                         reason: "cuts the management API (TCP \(apiPort)) off from every source; send force: true to apply anyway",
                         rule: rule.text)
    }

    /// Whether `rule` matches every new TCP connection to `port` from `source` (nil: an
    /// address no rule names).
    static func certainlyMatches(_ rule: FirewallRule, source: IPv4Address?, port: Int) -> Bool {
        var words = rule.arguments[...]
        while let word = words.popFirst() {
            switch word {
            case "!": return false
            case "-s":
                guard let value = words.popFirst() else { return false }
                if value == "0.0.0.0/0" { continue }
                guard let source else { return false }
                let hit = value.split(separator: ",").contains { part in
                    IPv4Network(part)?.contains(source) ?? (IPv4Address(part) == source)
                }
                if !hit { return false }
            case "-p":
                guard let value = words.popFirst(), value == "tcp" || value == "all" else { return false }
            case "--dport":
                guard let value = words.popFirst(), portCovers(value, port) else { return false }
            case "--dports", "--ports":
                guard let value = words.popFirst(), value.split(separator: ",").contains(where: { portCovers(String($0), port) }) else { return false }
            case "--state", "--ctstate":
                guard let value = words.popFirst(), value.split(separator: ",").contains("NEW") else { return false }
            case "-m":
                _ = words.popFirst()
            case "--comment":
                _ = words.popFirst()
            case "-j":
                return true
            default:
                return false
            }
        }
        return true
    }

    static func portCovers(_ spec: String, _ port: Int) -> Bool {
        let bounds = spec.split(separator: ":").compactMap { Int($0) }
        switch bounds.count {
        case 1: return bounds[0] == port
        case 2: return bounds[0] <= port && port <= bounds[1]
        default: return false
        }
    }
}
