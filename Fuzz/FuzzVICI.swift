// libFuzzer entry (scripts/fuzz vici): any bytes as a VICI frame from charon's socket.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVICI(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? VICIPacket.decode(frame: bytes[...])
    _ = try? VICIMessage.decode(bytes[...])
    return 0
}
