// libFuzzer entry for the packet decoder and the engine behind it (see scripts/fuzz-ids).
// The first byte picks the link type; the rest is one frame, fed through a shared engine
// so flows, reassembly and HTTP parsing see the decoded packets too.

nonisolated(unsafe) let fuzzEngine: DetectionEngine = {
    let rules = try! RuleSet.parse("""
        alert tcp any any -> any any (content:"GET"; http_method; sid:1;)
        alert http any any -> any any (http.uri; content:"/a"; pcre:"/b+/R"; sid:2;)
        alert ip any any -> any any (content:"x"; distance:1; within:3; sid:3;)
        alert tcp any any -> any any (flow:established,to_server; dsize:>1; flags:PA; sid:4;)
        """).rules
    var o = EngineOptions()
    o.maxFlows = 512
    return DetectionEngine(rules: rules, options: o) { _ in }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let types: [LinkType] = [.ethernet, .null, .linuxSLL, .raw]
    let lt = types[Int(bytes[0]) % types.count]
    if var p = PacketDecoder.decode(Array(bytes.dropFirst()), linkType: lt) {
        p.number = 1
        fuzzEngine.process(p)
    }
    if var reader = try? PcapReader(bytes: Array(bytes.dropFirst())) {
        var n = 0
        while n < 64, reader.next() != nil { n += 1 }
    }
    return 0
}
