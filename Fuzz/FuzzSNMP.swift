// libFuzzer entry (scripts/fuzz snmp): any bytes as one SNMP datagram (BER).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSNMP(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? SNMPMessage(decoding: Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
