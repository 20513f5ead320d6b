import CHyperscan

/// Many literal patterns scanned in one pass with Hyperscan (block mode), as Suricata's
/// `mpm-algo: hs`. Each pattern carries an id; a scan marks the ids whose pattern occurs.
/// One matcher belongs to one engine: its scratch space is not shared between threads.
public final class MultiPatternMatcher {
    public struct Pattern: Hashable, Sendable {
        public var bytes: [UInt8]
        public var nocase: Bool
    }

    private var database: OpaquePointer?
    private var scratch: OpaquePointer?
    public let patternCount: Int

    /// Compiles the patterns; nil when Hyperscan refuses them (or the CPU lacks SSSE3),
    /// in which case callers evaluate every rule.
    public init?(_ patterns: [Pattern]) {
        guard !patterns.isEmpty, hs_valid_platform() == HS_SUCCESS else { return nil }
        patternCount = patterns.count
        var flags = patterns.map { UInt32(HS_FLAG_SINGLEMATCH) | ($0.nocase ? UInt32(HS_FLAG_CASELESS) : 0) }
        var ids = (0..<patterns.count).map { UInt32($0) }
        var lens = patterns.map { $0.bytes.count }
        // Keep the pattern bytes alive and addressable for the compile call.
        let buffers = patterns.map { p -> UnsafeMutablePointer<CChar> in
            let b = UnsafeMutablePointer<CChar>.allocate(capacity: max(p.bytes.count, 1))
            for (i, v) in p.bytes.enumerated() { b[i] = CChar(bitPattern: v) }
            return b
        }
        defer { buffers.forEach { $0.deallocate() } }
        var exprs: [UnsafePointer<CChar>?] = buffers.map { UnsafePointer($0) }
        var db: OpaquePointer?
        var err: UnsafeMutablePointer<hs_compile_error_t>?
        let rc = hs_compile_lit_multi(&exprs, &flags, &ids, &lens, UInt32(patterns.count), UInt32(HS_MODE_BLOCK), nil, &db, &err)
        if rc != HS_SUCCESS {
            if let err { hs_free_compile_error(err) }
            return nil
        }
        database = db
        var s: OpaquePointer?
        guard hs_alloc_scratch(db, &s) == HS_SUCCESS else { hs_free_database(db); return nil }
        scratch = s
    }

    deinit {
        if let scratch { hs_free_scratch(scratch) }
        if let database { hs_free_database(database) }
    }

    /// Marks `hits[id] = true` for every pattern that occurs in `data`.
    public func scan(_ data: [UInt8], hits: inout [Bool]) {
        guard let database, let scratch, !data.isEmpty else { return }
        precondition(hits.count >= patternCount)
        hits.withUnsafeMutableBufferPointer { hp in
            data.withUnsafeBufferPointer { dp in
                let ctx = UnsafeMutableRawPointer(hp.baseAddress!)
                _ = dp.baseAddress!.withMemoryRebound(to: CChar.self, capacity: dp.count) { base in
                    hs_scan(database, base, UInt32(dp.count), 0, scratch, { id, _, _, _, ctx in
                        ctx!.assumingMemoryBound(to: Bool.self)[Int(id)] = true
                        return 0
                    }, ctx)
                }
            }
        }
    }
}
