// libFuzzer entry for the image archive reader (tar, gzip, docker-archive, OCI layout,
// layer plans): any bytes either read or throw ImageArchiveError, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageArchive(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ImageArchive.read(bytes, limit: 1 << 22) { _ in String(repeating: "0", count: 64) }
    _ = try? TarReader.entries(bytes, limit: 1 << 22).map { try? LayerPlan.plan([$0]) }
    return 0
}
