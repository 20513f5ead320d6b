// libFuzzer entry (scripts/fuzz snapshot-archive): any bytes as an uploaded snapshot
// (`.tar.gz`); the reader must refuse or return files, never crash, within its limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshotArchive(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? Archive.readTarGz(Array(UnsafeBufferPointer(start: data, count: size)), limit: 1 << 20)
    return 0
}
