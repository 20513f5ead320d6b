// libFuzzer entry (scripts/fuzz json): any bytes as a request body; what parses is written
// back, and the written form must parse and write again to the same bytes (numbers may be
// normalised once, `1.5e3` → `1500.0`, but never drift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let written = JSONWriter.bytes(value)
    guard let again = try? JSONParser.parse(written), JSONWriter.bytes(again) == written else {
        fatalError("JSON written by JSONWriter does not read back to the same value")
    }
    return 0
}
