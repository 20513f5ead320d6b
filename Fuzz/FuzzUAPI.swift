// libFuzzer entry (scripts/fuzz uapi): any text as a WireGuard UAPI `get=1` answer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUAPI(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? WireGuardUAPI.parseGet(String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self))
    return 0
}
