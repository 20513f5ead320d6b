/// Evaluates one buffer's content and pcre items against bytes, Suricata-style:
/// relative items (distance/within, pcre /R) follow the previous item's match end, and
/// the matcher backtracks over earlier occurrences when a later item fails.
public enum PayloadMatcher {
    /// Whether `items` match `data`. With `minEnd`, a match only counts if some positive item
    /// ends past `minEnd` (used for stream windows, so data inspected before does not alert again).
    public static func matches(_ items: [MatchItem], in data: [UInt8], minEnd: Int = 0) -> Bool {
        var budget = 10_000
        return step(items, 0, data, prevEnd: 0, maxEnd: 0, minEnd: minEnd, budget: &budget)
    }

    static func step(_ items: [MatchItem], _ i: Int, _ data: [UInt8], prevEnd: Int, maxEnd: Int, minEnd: Int, budget: inout Int) -> Bool {
        budget -= 1
        if budget < 0 { return false }
        if i == items.count { return maxEnd > minEnd || (minEnd == 0 && maxEnd == 0) }
        switch items[i] {
        case .content(let c):
            let (lo, hi) = window(c, prevEnd: prevEnd, count: data.count)
            if c.negated {
                if lo <= hi, let _ = find(c, data, lo, hi, from: lo) { return false }
                return step(items, i + 1, data, prevEnd: prevEnd, maxEnd: maxEnd, minEnd: minEnd, budget: &budget)
            }
            guard lo <= hi else { return false }
            if !nextIsRelative(items, i) {
                // Nothing after depends on where this one matched: take the last occurrence
                // (it ends furthest, for `minEnd`) and go on once. No backtracking needed.
                var last: Int?
                var from = lo
                while let pos = find(c, data, lo, hi, from: from) { last = pos; from = pos + 1 }
                guard let pos = last else { return false }
                let end = pos + c.pattern.count
                return step(items, i + 1, data, prevEnd: end, maxEnd: max(maxEnd, end), minEnd: minEnd, budget: &budget)
            }
            var from = lo
            while let pos = find(c, data, lo, hi, from: from) {
                let end = pos + c.pattern.count
                if step(items, i + 1, data, prevEnd: end, maxEnd: max(maxEnd, end), minEnd: minEnd, budget: &budget) { return true }
                guard budget > 0 else { return false }
                from = pos + 1
            }
            return false
        case .pcre(let p):
            let start = p.relative ? min(prevEnd, data.count) : 0
            if p.negated {
                if p.regex.firstMatch(in: data, from: start, subjectStart: start) != nil { return false }
                return step(items, i + 1, data, prevEnd: prevEnd, maxEnd: maxEnd, minEnd: minEnd, budget: &budget)
            }
            var from = start
            var tries = 0
            let retry = nextIsRelative(items, i)
            while from <= data.count, let (s, e) = p.regex.firstMatch(in: data, from: from, subjectStart: start) {
                if step(items, i + 1, data, prevEnd: e, maxEnd: max(maxEnd, e), minEnd: minEnd, budget: &budget) { return true }
                tries += 1
                guard retry, tries < 64, budget > 0 else { return false }
                from = max(s + 1, from + 1)
            }
            return false
        }
    }

    /// Whether the item after `i` is placed relative to item `i`'s match.
    static func nextIsRelative(_ items: [MatchItem], _ i: Int) -> Bool {
        guard i + 1 < items.count else { return false }
        switch items[i + 1] {
        case .content(let c): return c.isRelative
        case .pcre(let p): return p.relative
        }
    }

    /// The byte range [lo, hi) in which the whole pattern must lie.
    static func window(_ c: ContentMatch, prevEnd: Int, count: Int) -> (Int, Int) {
        var lo = 0
        var hi = count
        if c.isRelative {
            lo = prevEnd + (c.distance ?? 0)
            if let w = c.within { hi = min(hi, lo + w) }
            if lo < 0 { lo = 0 }
        }
        if let o = c.offset { lo = c.isRelative ? max(lo, o) : o }
        if let d = c.depth { hi = min(hi, (c.offset ?? 0) + d) }
        if c.startswith { lo = 0; hi = min(count, c.pattern.count) }
        return (lo, min(hi, count))
    }

    static func find(_ c: ContentMatch, _ data: [UInt8], _ lo: Int, _ hi: Int, from: Int) -> Int? {
        let n = c.pattern.count
        guard n > 0, hi - n >= from else { return nil }
        let last = hi - n
        if c.endswith {
            guard last >= from, hi == data.count, equal(c, data, at: last) else { return nil }
            return last
        }
        var i = from
        let first = c.pattern[0]
        let firstLower = lower(first)
        while i <= last {
            let b = data[i]
            if b == first || (c.nocase && lower(b) == firstLower), equal(c, data, at: i) { return i }
            i += 1
        }
        return nil
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }

    static func equal(_ c: ContentMatch, _ data: [UInt8], at i: Int) -> Bool {
        let p = c.pattern
        if c.nocase {
            for k in 0..<p.count where lower(p[k]) != lower(data[i + k]) { return false }
        } else {
            for k in 0..<p.count where p[k] != data[i + k] { return false }
        }
        return true
    }
}
