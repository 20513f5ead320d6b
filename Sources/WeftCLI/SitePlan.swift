/// What `weft apply` would change, per section: added, changed, removed. An empty plan
/// means the controller already matches the file, and `apply` sends nothing.
public struct SitePlan: Equatable, Sendable {
    public enum Operation: String, Sendable { case add, change, remove }

    public struct Change: Equatable, Sendable {
        public let section: String
        public let operation: Operation
        public let key: String
        public let detail: String
    }

    public private(set) var changes: [Change] = []
    public var isEmpty: Bool { changes.isEmpty }

    public func changes(in section: String) -> [Change] { changes.filter { $0.section == section } }

    public init(running: SiteConfig, desired: SiteConfig) {
        if let want = desired.controller {
            let have = running.controller ?? [:]
            for key in SiteConfig.controllerKeys {
                guard let value = want[key], value != (have[key] ?? "") else { continue }
                add("controller", .change, key, "\"\(have[key] ?? "")\" → \"\(value)\"")
            }
        }
        if let want = desired.fwsets {
            keyed("fwsets", have: running.fwsets ?? [], want: want, key: \.name) { old, new in
                var parts: [String] = []
                if old.type != new.type { parts.append("type \(old.type) → \(new.type)") }
                if old.description != new.description { parts.append("description") }
                if old.entries != new.entries { parts.append("\(old.entries.count) → \(new.entries.count) entries") }
                return parts.joined(separator: ", ")
            } describe: { "\($0.type), \($0.entries.count) entries" }
        }
        if let want = desired.rules {
            let diff = RuleDiff(from: running.rules ?? [], to: want)
            for change in diff.changes {
                switch change {
                case .keep: break
                case .add(let rule): add("firewall", .add, rule, "")
                case .remove(let rule): add("firewall", .remove, rule, "")
                }
            }
        }
        if let want = desired.routes {
            keyed("routes", have: running.routes ?? [], want: want, key: \.key) { old, new in
                var parts: [String] = []
                if old.description != new.description { parts.append("description") }
                if old.advertise != new.advertise { parts.append("advertise \(old.advertise) → \(new.advertise)") }
                if old.metric != new.metric { parts.append("metric \(old.metric) → \(new.metric)") }
                if old.table != new.table { parts.append("table \(old.table) → \(new.table)") }
                return parts.joined(separator: ", ")
            } describe: { $0.description }
        }
        if let want = desired.peers {
            keyed("peers", have: running.peers ?? [], want: want, key: { String($0.id) }) { old, new in
                var parts: [String] = []
                if old.address != new.address { parts.append("address \(old.address) → \(new.address)") }
                if let mtu = new.mtu, mtu != old.mtu { parts.append("mtu \(old.mtu.map(String.init) ?? "-") → \(mtu)") }
                return parts.joined(separator: ", ")
            } describe: { $0.address }
        }
        if let want = desired.webhooks { objects(.webhook, running: running.webhooks ?? [], desired: want) }
        if let want = desired.alerts { objects(.alert, running: running.alerts ?? [], desired: want) }
        if let want = desired.ipsec { objects(.endpoint, running: running.ipsec ?? [], desired: want) }
    }

    private mutating func add(_ section: String, _ operation: Operation, _ key: String, _ detail: String) {
        changes.append(Change(section: section, operation: operation, key: key, detail: detail))
    }

    mutating func record(_ section: String, _ operation: Operation, _ key: String, _ detail: String) {
        add(section, operation, key, detail)
    }

    private mutating func keyed<T>(_ section: String, have: [T], want: [T], key: (T) -> String,
                                   differences: (T, T) -> String, describe: (T) -> String) {
        var running: [String: T] = [:]
        for item in have { running[key(item)] = item }
        var wanted = Set<String>()
        for item in want {
            let name = key(item)
            wanted.insert(name)
            if let old = running[name] {
                let detail = differences(old, item)
                if !detail.isEmpty { add(section, .change, name, detail) }
            } else {
                add(section, .add, name, describe(item))
            }
        }
        for item in have where !wanted.contains(key(item)) { add(section, .remove, key(item), describe(item)) }
    }

    /// `section: N to add, N to change, N to remove`, then one line per change.
    public var text: String {
        if changes.isEmpty { return "no changes\n" }
        var out = ""
        var sections: [String] = []
        for change in changes where !sections.contains(change.section) { sections.append(change.section) }
        for section in sections {
            let items = changes(in: section)
            func count(_ op: Operation) -> Int { items.filter { $0.operation == op }.count }
            out += "\(section): \(count(.add)) to add, \(count(.change)) to change, \(count(.remove)) to remove\n"
            for item in items {
                let mark = item.operation == .add ? "+" : item.operation == .remove ? "-" : "~"
                out += "  \(mark) \(item.key)\(item.detail.isEmpty ? "" : "  (\(item.detail))")\n"
            }
        }
        let (a, c, r) = (changes.filter { $0.operation == .add }.count, changes.filter { $0.operation == .change }.count,
                         changes.filter { $0.operation == .remove }.count)
        return out + "plan: \(a) to add, \(c) to change, \(r) to remove\n"
    }
}
