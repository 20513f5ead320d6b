// libFuzzer entry (scripts/fuzz waf-audit): any bytes as a line of the WAF plugin's
// ModSecurity audit log (its strings hold what clients sent) and as a CRS rules file.
// Nothing may crash; an event that parses writes JSON that parses again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWAFAudit(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let event = WAFEvent.parse(line: bytes, services: [8080: "web"], now: 0) {
        let written = JSONWriter.bytes(event.json)
        guard (try? JSONParser.parse(written)) != nil else { fatalError("an event's JSON does not parse") }
    }
    var index = CRSRuleIndex()
    index.add(conf: String(decoding: bytes, as: UTF8.self))
    return 0
}
