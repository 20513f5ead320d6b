// libFuzzer entry for the rule parser (see scripts/fuzz-ids): any bytes, as a rule file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRuleParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let set = try? RuleSet.parse(text) {
        // Whatever parses must also match without trouble.
        for r in set.rules { _ = PayloadMatcher.matches(r.payloadItems, in: Array(text.utf8)) }
    }
    return 0
}
