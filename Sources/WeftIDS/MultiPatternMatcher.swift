import CHyperscan

/// Many literal patterns scanned in one pass with Hyperscan (block mode), as Suricata's
/// `mpm-algo: hs`. Each pattern carries an id; a scan marks the ids whose pattern occurs.
/// One matcher belongs to one engine: its scratch space is not shared between threads.
public final class MultiPatternMatcher {
    public struct Pattern: Hashable, Sendable {
        public var bytes: [UInt8]
        public var nocase: Bool
        public init(bytes: [UInt8], nocase: Bool) { self.bytes = bytes; self.nocase = nocase }
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

    /// The ids of the patterns that occur in one or more scanned buffers, each listed once.
    public final class Hits {
        public private(set) var seen: [Bool]
        public private(set) var ids: [Int32] = []
        public init(count: Int) { seen = Array(repeating: false, count: count) }
        func add(_ id: UInt32) {
            if !seen[Int(id)] { seen[Int(id)] = true; ids.append(Int32(id)) }
        }
        /// Forgets the hits of the last scans, in time proportional to their number.
        public func reset() {
            for id in ids { seen[Int(id)] = false }
            ids.removeAll(keepingCapacity: true)
        }
    }

    /// Adds to `hits` every pattern that occurs in `data`.
    public func scan(_ data: [UInt8], into hits: Hits) {
        guard let database, let scratch, !data.isEmpty else { return }
        precondition(hits.seen.count >= patternCount)
        let ctx = Unmanaged.passUnretained(hits).toOpaque()
        data.withUnsafeBufferPointer { dp in
            _ = dp.baseAddress!.withMemoryRebound(to: CChar.self, capacity: dp.count) { base in
                hs_scan(database, base, UInt32(dp.count), 0, scratch, { id, _, _, _, ctx in
                    Unmanaged<Hits>.fromOpaque(ctx!).takeUnretainedValue().add(id)
                    return 0
                }, ctx)
            }
        }
    }

    /// Marks `hits[id] = true` for every pattern that occurs in `data`.
    public func scan(_ data: [UInt8], hits: inout [Bool]) {
        let h = Hits(count: patternCount)
        scan(data, into: h)
        for id in h.ids { hits[Int(id)] = true }
    }
}
