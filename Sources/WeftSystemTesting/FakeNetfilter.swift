import WeftModel
import Synchronization
import WeftSystem

/// Models iptables *state*: tables → chains → rules with their packet and byte counters,
/// with `--noflush --counters` restore semantics (a declared chain is emptied and refilled;
/// undeclared chains are untouched; a `[p:b]` prefix sets a rule's counters, else they
/// start at zero; a payload that fails the check changes nothing).
public final class FakeNetfilter: Netfilter {
    public struct Chain: Equatable, Sendable {
        public var policy: String
        public var rules: [String]
        /// "[packets:bytes]" of each rule, in order.
        public var counters: [String] = []
    }

    private let state: Mutex<[String: [String: Chain]]>
    private let restores = Atomic<Int>(0)
    /// Rules containing this text make the `--test` check fail (to exercise failure paths).
    public let rejectRulesContaining: String?

    public init(rejectRulesContaining: String? = nil) {
        self.rejectRulesContaining = rejectRulesContaining
        let builtin: [String: [String]] = [
            "filter": ["INPUT", "FORWARD", "OUTPUT"],
            "nat": ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
            "mangle": ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        ]
        state = Mutex(builtin.mapValues { names in
            Dictionary(uniqueKeysWithValues: names.map { ($0, Chain(policy: "ACCEPT", rules: [])) })
        })
    }

    public var restoreCount: Int { restores.load(ordering: .relaxed) }

    public func chains(table: String) -> [String: Chain] { state.withLock { $0[table] ?? [:] } }

    public func save(table: String, counters: Bool) async throws -> String {
        let chains = self.chains(table: table)
        var lines = ["*\(table)"]
        for name in chains.keys.sorted() { lines.append(":\(name) \(chains[name]!.policy) [0:0]") }
        for name in chains.keys.sorted() {
            let chain = chains[name]!
            for (index, rule) in chain.rules.enumerated() {
                lines.append((counters ? chain.counter(index) + " " : "") + "-A \(name) \(rule)")
            }
        }
        lines.append("COMMIT")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Traffic through the `index`-th rule of `chain`: adds to its counters.
    public func count(table: String, chain: String, index: Int, packets: Int, bytes: Int) {
        state.withLock { state in
            guard var entry = state[table]?[chain], entry.rules.indices.contains(index) else { return }
            let numbers = entry.counter(index).dropFirst().dropLast().split(separator: ":").compactMap { Int($0) }
            entry.setCounter(index, "[\(numbers[0] + packets):\(numbers[1] + bytes)]")
            state[table]![chain] = entry
        }
    }

    public func test(_ payload: String) async throws {
        try run(payload, commit: false)
    }

    public func restore(_ payload: String) async throws {
        try run(payload, commit: true)
    }

    public func restoreOneTable(_ payload: String) async throws {
        precondition(payload.split(separator: "\n").filter { $0.hasPrefix("*") }.count == 1, "more than one table")
        try run(payload, commit: true)
    }

    private func run(_ payload: String, commit: Bool) throws {
        var next = state.withLock { $0 }
        var table: String?
        for raw in payload.split(separator: "\n") {
            let line = raw.trimmed
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("*") { table = String(line.dropFirst()); continue }
            if line == "COMMIT" { table = nil; continue }
            guard let table else { throw SystemError.command(["iptables-restore"], status: 2, stderr: "line outside a table: \(line)") }
            if line.hasPrefix(":") {
                let parts = line.dropFirst().split(separator: " ")
                let name = String(parts[0])
                let policy = parts.count > 1 && parts[1] != "-" ? String(parts[1]) : (next[table]?[name]?.policy ?? "-")
                next[table, default: [:]][name] = Chain(policy: policy, rules: [])
                continue
            }
            var counter = "[0:0]"
            var command = Substring(line)
            if command.hasPrefix("["), let close = command.firstIndex(of: "]") {
                counter = String(command[...close])
                command = command[command.index(after: close)...].drop { $0 == " " }
            }
            let words = command.split(separator: " ", maxSplits: 2)
            guard words.count >= 2, words[0] == "-A" || words[0] == "-I" else {
                throw SystemError.command(["iptables-restore"], status: 2, stderr: "bad line: \(line)")
            }
            let chain = String(words[1])
            guard next[table]?[chain] != nil else {
                throw SystemError.command(["iptables-restore"], status: 1, stderr: "chain \(chain) does not exist")
            }
            var rule = words.count > 2 ? String(words[2]) : ""
            if words[0] == "-I", let space = rule.firstIndex(of: " "), Int(rule[..<space]) != nil {
                rule = String(rule[rule.index(after: space)...])
            }
            if let reject = rejectRulesContaining, rule.contains(reject) {
                throw SystemError.command(["iptables-restore", "--test"], status: 2, stderr: "rejected: \(rule)")
            }
            var entry = next[table]![chain]!
            if words[0] == "-I" {
                if !entry.rules.isEmpty { entry.setCounter(entry.rules.count - 1, entry.counter(entry.rules.count - 1)) }
                entry.rules.insert(rule, at: 0)
                entry.counters.insert(counter, at: 0)
            } else {
                entry.rules.append(rule)
                entry.setCounter(entry.rules.count - 1, counter)
            }
            next[table]![chain] = entry
        }
        guard commit else { return }
        state.withLock { $0 = next }
        restores.add(1, ordering: .relaxed)
    }
}

extension FakeNetfilter.Chain {
    func counter(_ index: Int) -> String { counters.indices.contains(index) ? counters[index] : "[0:0]" }

    mutating func setCounter(_ index: Int, _ value: String) {
        while counters.count <= index { counters.append("[0:0]") }
        counters[index] = value
    }
}
