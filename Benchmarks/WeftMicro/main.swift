import Foundation
import WeftFirewall
import WeftModel
import WeftStore

// Micro benchmarks of the pure hot paths, in-process (no I/O): `swift run -c release weft-micro`.
// Each row is the median of several runs; figures go to BENCHMARKS.md.

func measure(_ name: String, runs: Int = 7, _ body: () throws -> Void) rethrows {
    var samples: [Double] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        samples.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
    }
    samples.sort()
    print("| \(name) | \(String(format: "%.2f", samples[samples.count / 2])) |")
}

let count = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 10_000
let texts = (0..<count).map { i in
    "FORWARD_CUST -s 10.\((i >> 8) & 255).\(i & 255).0/24 -p tcp --dport \(1024 + i % 60000) -j DROP"
}
var policy = FirewallPolicy()
policy.replaceAll(texts.map { ($0, "", false, [], nil) })
let parser = RuleParser()

print("\(count) firewall rules; median of 7 runs")
print("")
print("| operation | ms |")
print("|---|---|")
var parsed: [FirewallRule?] = []
try measure("parse \(count) rules") { parsed = try texts.map { try parser.parse($0) } }
measure("lockout check") { _ = LockoutCheck.check(parsed) }
measure("compile to one iptables-restore payload") { _ = FirewallCompiler.compile(parsed) }
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
var data = Data()
try measure("encode the policy (store format), JSONEncoder") { data = try encoder.encode(policy) }
var written: [UInt8] = []
measure("write the policy's store JSON by hand (what the store does)") { written = []; policy.writeStoreJSON(into: &written) }
precondition(written == Array(data) || (try? JSONDecoder().decode(FirewallPolicy.self, from: Data(written))) == policy)
measure("FirewallChange of a 10,000-rule replace (the audit line)") { _ = FirewallChange(from: FirewallPolicy(), to: policy).description(ruleCount: count) }
try measure("decode the policy (store format)") { _ = try JSONDecoder().decode(FirewallPolicy.self, from: data) }
let body = JSONWriter.bytes(.object(["rules": .string(texts.joined(separator: "\n"))]))
try measure("parse the PUT /api/firewall body (\(body.count / 1024) KiB)") { _ = try JSONParser.parse(body) }
