/// State for `threshold` and `detection_filter`, keyed by rule and tracked entity.
struct ThresholdTracker {
    struct Key: Hashable {
        var sid: UInt64
        var kind: Int
        var a: IPAddress
        var b: IPAddress
        var flow: UInt64
    }
    struct Entry { var start: UInt32; var count: Int }
    var entries: [Key: Entry] = [:]

    /// Whether an alert is to be written for this match.
    mutating func allow(_ t: Threshold, rule: Rule, packet p: Packet, flowID: UInt64?, filter: Bool) -> Bool {
        let zero = IPAddress(v4: 0)
        var key = Key(sid: UInt64(rule.gid) << 32 | UInt64(rule.sid), kind: filter ? 1 : 0, a: zero, b: zero, flow: 0)
        switch t.track {
        case .bySrc: key.a = p.src
        case .byDst: key.a = p.dst
        case .byBoth: key.a = min(p.src, p.dst); key.b = max(p.src, p.dst)
        case .byFlow: key.flow = flowID ?? 0
        case .byRule: break
        }
        let now = p.seconds
        var e = entries[key] ?? Entry(start: now, count: 0)
        if now >= e.start && now - e.start >= UInt32(max(t.seconds, 0)) && e.count > 0 {
            e = Entry(start: now, count: 0)
        }
        e.count += 1
        entries[key] = e
        switch t.kind {
        case .limit: return e.count <= t.count
        case .threshold:
            if e.count >= t.count { entries[key]?.count = 0; return true }
            return false
        case .both: return e.count == t.count
        case .detectionFilter: return e.count > t.count
        }
    }
}
