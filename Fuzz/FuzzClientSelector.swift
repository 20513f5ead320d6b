// libFuzzer entry for the clientpack input parsers (scripts/fuzz client-groups): any
// bytes as a `clients` fwset entry and as an `expires_at`. Whatever parses must print back
// to text that parses to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClientSelector(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let selector = ClientSelector(text) {
        guard ClientSelector(selector.description) == selector else { fatalError("selector does not round-trip: \(selector)") }
        _ = selector.matches("100.127.255.193", ClientpackState(tags: ["team": text], owner: text))
    }
    if let seconds = RFC3339.parse(text) {
        guard RFC3339.parse(RFC3339.format(seconds)) == seconds else { fatalError("expiry does not round-trip: \(text)") }
    }
    return 0
}
