// libFuzzer entry (scripts/fuzz firewall-rules): any bytes as a rule text in the VNS3
// language, one rule per line, as `PUT /api/firewall` takes it; whatever parses is
// lockout-checked and compiled to an iptables-restore payload too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFirewallRules(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parser = RuleParser(context: .init(sets: ["NETS_office", "office"], subgroups: ["INP_C_web"]))
    var rules: [FirewallRule?] = []
    for line in TextLines.split(text).prefix(64) {
        rules.append(try? parser.parse(String(line)))
    }
    _ = LockoutCheck.check(rules, apiPort: 8000)
    return 0
}
