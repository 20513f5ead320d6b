// libFuzzer entry for the image archive reader (tar, gzip, docker-archive, OCI layout,
// layer plans) and build contexts (zip, Dockerfile, build plans): any bytes either read
// or throw, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageArchive(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ImageArchive.read(bytes, limit: 1 << 22) { _ in String(repeating: "0", count: 64) }
    _ = try? TarReader.entries(bytes, limit: 1 << 22).map { try? LayerPlan.plan([$0]) }
    // Build contexts (tar, gzip, zip or a Dockerfile alone) and the Dockerfile they hold.
    if let context = try? BuildContext.read(bytes, limit: 1 << 22), let file = try? Dockerfile.parse(context.dockerfile) {
        if let plan = try? BuildPlan.make(file, baseConfig: ImageConfig()) {
            for case .copy(let line, let sources, let destination, _) in plan.actions {
                for source in sources { _ = try? context.copy(source, to: destination, line: line) }
            }
        }
    }
    return 0
}
