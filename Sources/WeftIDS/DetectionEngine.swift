/// Runs rules over packets: flows, TCP reassembly, HTTP parsing, then detection per packet.
/// Alerts go to `onAlert` in the order they are raised.
public final class DetectionEngine {
    public let rules: [Rule]
    public let options: EngineOptions
    public var onAlert: (Alert) -> Void
    var flows = FlowTable()
    var thresholds = ThresholdTracker()
    var lastSweep: UInt32 = 0
    public private(set) var packetCount = 0
    /// Flows held right now (bounded by `EngineOptions.maxFlows`).
    public var flowCount: Int { flows.flows.count }
    /// Bytes held by TCP reassembly across all flows (each direction bounded by the depth and the pending cap).
    public var reassemblyBytes: Int {
        flows.flows.values.reduce(0) { acc, f in
            acc + (f.tcp?.streams.reduce(0) { $0 + $1.data.count + $1.pendingBytes } ?? 0)
        }
    }
    public internal(set) var droppedCount = 0

    /// Hyperscan over every rule's fast pattern; a rule whose pattern is absent is not evaluated.
    let prefilter: MultiPatternMatcher?
    /// Per rule (in `rules` order), the id of its fast pattern, or nil when it is always evaluated.
    let fastPatternID: [Int?]
    /// Rules evaluated on every packet (no fast pattern), and the rules behind each pattern id.
    let alwaysRules: [Int]
    let rulesByPattern: [[Int]]
    let hits: MultiPatternMatcher.Hits
    /// HTTP rules without raw content, prefiltered by a fast pattern in one of their HTTP buffers:
    /// one Hyperscan database per buffer, and the rules behind each of its pattern ids.
    let httpMatchers: [(buffer: Buffer, matcher: MultiPatternMatcher, rules: [[Int]], hits: MultiPatternMatcher.Hits)]

    public init(rules: [Rule], options: EngineOptions = EngineOptions(), onAlert: @escaping (Alert) -> Void) {
        self.rules = DetectionEngine.order(rules)
        self.options = options
        self.onAlert = onAlert
        flows.maxFlows = options.maxFlows
        var ids: [MultiPatternMatcher.Pattern: Int] = [:]
        var patterns: [MultiPatternMatcher.Pattern] = []
        var perRule: [Int?] = []
        for r in self.rules {
            guard let c = DetectionEngine.fastPattern(r) else { perRule.append(nil); continue }
            let p = MultiPatternMatcher.Pattern(bytes: c.pattern, nocase: c.nocase)
            if let id = ids[p] { perRule.append(id) } else {
                ids[p] = patterns.count
                perRule.append(patterns.count)
                patterns.append(p)
            }
        }
        prefilter = options.useHyperscan ? MultiPatternMatcher(patterns) : nil
        fastPatternID = prefilter == nil ? perRule.map { _ in nil } : perRule
        hits = MultiPatternMatcher.Hits(count: patterns.count)
        var byPattern = [[Int]](repeating: [], count: patterns.count)
        var httpPatterns: [Buffer: (patterns: [MultiPatternMatcher.Pattern], ids: [MultiPatternMatcher.Pattern: Int], rules: [[Int]])] = [:]
        var unfiltered: [Int] = []
        for (ri, id) in fastPatternID.enumerated() {
            if let id { byPattern[id].append(ri); continue }
            let r = self.rules[ri]
            guard prefilter != nil || options.useHyperscan, r.payloadItems.isEmpty, let (b, c) = DetectionEngine.httpFastPattern(r) else {
                unfiltered.append(ri); continue
            }
            let p = MultiPatternMatcher.Pattern(bytes: c.pattern, nocase: c.nocase)
            var entry = httpPatterns[b] ?? ([], [:], [])
            if let pid = entry.ids[p] { entry.rules[pid].append(ri) } else {
                entry.ids[p] = entry.patterns.count
                entry.patterns.append(p)
                entry.rules.append([ri])
            }
            httpPatterns[b] = entry
        }
        var matchers: [(buffer: Buffer, matcher: MultiPatternMatcher, rules: [[Int]], hits: MultiPatternMatcher.Hits)] = []
        for b in Buffer.allCases {
            guard let entry = httpPatterns[b] else { continue }
            if options.useHyperscan, let m = MultiPatternMatcher(entry.patterns) {
                matchers.append((b, m, entry.rules, MultiPatternMatcher.Hits(count: entry.patterns.count)))
            } else {
                unfiltered += entry.rules.flatMap { $0 }
            }
        }
        httpMatchers = matchers
        alwaysRules = unfiltered.sorted()
        rulesByPattern = byPattern
    }

    /// An HTTP rule's fast pattern: the `fast_pattern` content of its HTTP buffers, else the longest.
    static func httpFastPattern(_ r: Rule) -> (Buffer, ContentMatch)? {
        var best: (Buffer, ContentMatch)?
        for l in r.httpLists {
            for case .content(let c) in l.items where !c.negated {
                if c.fastPattern { return (l.buffer, c) }
                if best == nil || c.pattern.count > best!.1.pattern.count { best = (l.buffer, c) }
            }
        }
        return best
    }

    /// Scans the HTTP buffers of transactions not scanned before, and returns the HTTP rules
    /// whose fast pattern occurred in any transaction of the flow so far.
    func httpCandidates(_ flow: Flow) -> Set<Int> {
        guard !httpMatchers.isEmpty, flow.isHTTP else { return [] }
        let txs = flow.http.transactions
        var t = flow.httpScanFrom
        while t < txs.count {
            let tx = txs[t]
            for (bi, m) in httpMatchers.enumerated() {
                let sides: [Bool] = m.buffer.side == .either ? [false, true] : [m.buffer.side == .response]
                for side in sides {
                    let key = t << 8 | bi << 1 | (side ? 1 : 0)
                    guard !flow.httpScanned.contains(key), let data = tx.buffer(m.buffer, response: side) else { continue }
                    flow.httpScanned.insert(key)
                    m.hits.reset()
                    m.matcher.scan(data, into: m.hits)
                    for id in m.hits.ids { flow.httpCandidates.formUnion(m.rules[Int(id)]) }
                }
            }
            // A transaction seen whole has nothing left to scan.
            if t == flow.httpScanFrom && tx.requestDone && tx.responseDone { flow.httpScanFrom += 1 }
            t += 1
        }
        return flow.httpCandidates
    }

    /// The rules to evaluate for this packet, in rule order: those without a fast pattern
    /// and those whose fast pattern occurs in the packet or its stream window.
    func candidates(_ flow: Flow, window: [UInt8]?, payload: [UInt8]) -> [Int] {
        let http = httpCandidates(flow)
        var out = alwaysRules
        if let prefilter {
            hits.reset()
            if let window { prefilter.scan(window, into: hits) }
            prefilter.scan(payload, into: hits)
            for id in hits.ids { out += rulesByPattern[Int(id)] }
        }
        if !http.isEmpty { out += http }
        if out.count != alwaysRules.count { out.sort() }
        return out
    }

    /// The rule's fast pattern among its raw payload contents: the one marked `fast_pattern`,
    /// else the longest positive one (as Suricata picks it).
    static func fastPattern(_ r: Rule) -> ContentMatch? {
        let contents = r.payloadItems.compactMap { item -> ContentMatch? in
            if case .content(let c) = item, !c.negated { return c }
            return nil
        }
        return contents.first { $0.fastPattern } ?? contents.max { $0.pattern.count < $1.pattern.count }
    }

    /// Suricata's default rule order: pass, drop, alert; flowbits setters before checkers; then priority; then file order.
    static func order(_ rules: [Rule]) -> [Rule] {
        func actionRank(_ a: Rule.Action) -> Int { a == .pass ? 0 : a == .drop ? 1 : 2 }
        func bitsRank(_ r: Rule) -> Int {
            let sets = r.flowbits.contains { [.set, .unset, .toggle].contains($0.op) }
            let reads = r.flowbits.contains { $0.op == .isset || $0.op == .isnotset }
            if sets && !reads { return 0 }
            if sets && reads { return 1 }
            if reads { return 2 }
            return 3
        }
        return rules.enumerated().sorted { x, y in
            let a = (actionRank(x.element.action), bitsRank(x.element), x.element.effectivePriority, x.offset)
            let b = (actionRank(y.element.action), bitsRank(y.element), y.element.effectivePriority, y.offset)
            return a < b
        }.map(\.element)
    }

    // MARK: packets

    public func process(_ packet: Packet) {
        packetCount += 1
        var p = packet
        if p.seconds > lastSweep &+ 10 {
            lastSweep = p.seconds
            for f in flows.expire(now: p.seconds) { flush(f) }
        }
        let (flow, _, evicted) = flows.lookup(p)
        for f in evicted { flush(f) }
        flow.lastSeen = p.seconds
        var dir = flow.direction(of: p)
        var added = false
        if p.proto == IPProto.tcp && p.l4Valid { trackTCP(flow, &p, &dir, &added) }
        flow.seen[dir.rawValue] = true

        if flow.dropped && options.simulateIPS { droppedCount += 1; return }
        if flow.passed { return }

        var window: [UInt8]?
        var minEnd = 0
        let closing = p.tcpFlags & (TCPFlag.fin | TCPFlag.rst) != 0
        if flow.tcp != nil {
            let si = dir.rawValue
            let s = flow.tcp!.streams[si]
            let limit = options.inline || closing ? s.data.count : min(s.acked, s.data.count)
            if limit > s.rawProgress {
                // IDS mode inspects each newly acknowledged chunk on its own (as Suricata does);
                // inline mode inspects a window ending at this packet that reaches back into older data.
                let start = options.inline ? max(0, s.rawProgress - options.streamOverlap) : s.rawProgress
                window = Array(s.data[start..<limit])
                minEnd = s.rawProgress - start
                flow.tcp!.streams[si].rawProgress = limit
            }
            runAppLayer(flow, dir: dir, closing: closing)
            dir = flow.direction(of: p)
        }
        inspect(flow, p, dir, window: window, minEnd: minEnd, addedToStream: added, pseudo: false)
    }

    /// Ends the input: every flow still open is timed out, its data inspected and flushed.
    public func finish() {
        for f in flows.removeAll() { flush(f) }
    }

    func flush(_ flow: Flow) {
        if flow.passed || (flow.dropped && options.simulateIPS) { return }
        guard flow.tcp != nil else { return }
        for dir in [FlowDirection.toServer, .toClient] {
            let si = dir.rawValue
            let s = flow.tcp!.streams[si]
            var window: [UInt8]?
            var minEnd = 0
            if s.data.count > s.rawProgress {
                let start = options.inline ? max(0, s.rawProgress - options.streamOverlap) : s.rawProgress
                window = Array(s.data[start...])
                minEnd = s.rawProgress - start
                flow.tcp!.streams[si].rawProgress = s.data.count
            }
            runAppLayer(flow, dir: dir, closing: true)
            if dir == .toClient { flow.http.finish() }
            if window == nil && !flow.isHTTP { continue }
            var p = Packet()
            p.proto = flow.proto
            p.ipVersion = flow.ipVersion
            p.src = dir == .toServer ? flow.client : flow.server
            p.dst = dir == .toServer ? flow.server : flow.client
            p.srcPort = dir == .toServer ? flow.clientPort : flow.serverPort
            p.dstPort = dir == .toServer ? flow.serverPort : flow.clientPort
            p.seconds = flow.lastSeen
            p.vlan = flow.key.vlan == 0 ? nil : flow.key.vlan
            p.l4Valid = true
            inspect(flow, p, dir, window: window, minEnd: minEnd, addedToStream: true, pseudo: true)
        }
    }

    // MARK: TCP

    func trackTCP(_ flow: Flow, _ p: inout Packet, _ dir: inout FlowDirection, _ added: inout Bool) {
        let f = p.tcpFlags
        let syn = f & TCPFlag.syn != 0, ack = f & TCPFlag.ack != 0, rst = f & TCPFlag.rst != 0
        if flow.tcp == nil {
            if syn && !ack {
                if dir == .toClient { flow.swapDirection(); dir = .toServer }
                var s = TCPSession(state: .synSent)
                s.streams[0].setBase(p.seq &+ 1)
                flow.tcp = s
            } else if options.midstream && !rst {
                var s: TCPSession
                if syn && ack {
                    if dir == .toServer { flow.swapDirection(); dir = .toClient }
                    s = TCPSession(state: .synReceived)
                    s.streams[1].setBase(p.seq &+ 1)
                    s.streams[0].setBase(p.ack)
                } else {
                    s = TCPSession(state: .established)
                    s.streams[dir.rawValue].setBase(p.seq)
                    if ack { s.streams[1 - dir.rawValue].setBase(p.ack) }
                }
                s.midstream = true
                flow.tcp = s
            } else {
                return
            }
            for i in 0..<2 { flow.tcp!.streams[i].depth = options.streamDepth }
        }
        var s = flow.tcp!
        let si = dir.rawValue
        switch s.state {
        case .synSent:
            if dir == .toClient && syn && ack { s.streams[1].setBase(p.seq &+ 1); s.state = .synReceived }
        case .synReceived:
            if dir == .toServer && ack && !syn { s.state = .established }
        case .established, .closed:
            break
        }
        if !s.streams[si].hasBase && !syn { s.streams[si].setBase(p.seq) }
        // Data on a SYN is not taken into the stream (no TCP Fast Open), nor data before the
        // server has answered the handshake; such packets are inspected on their own.
        if !p.payload.isEmpty && !syn && s.state != .synSent {
            added = s.streams[si].add(seq: p.seq, payload: p.payload)
        }
        if ack {
            if !s.streams[1 - si].hasBase { s.streams[1 - si].setBase(p.ack) }
            s.streams[1 - si].ack(p.ack)
        }
        if f & TCPFlag.fin != 0 { s.streams[si].finSeen = true }
        if rst || (s.streams[0].finSeen && s.streams[1].finSeen) { if s.isEstablished { s.state = .closed } }
        flow.tcp = s
    }

    // MARK: application layer

    func runAppLayer(_ flow: Flow, dir: FlowDirection, closing: Bool) {
        guard var s = flow.tcp else { return }
        // Picked up midstream with the server speaking first: the flow was set up the wrong way round.
        if !flow.appDetectionDone, s.midstream, !s.streams[0].data.isEmpty,
           HTTPState.looksLikeHTTP(Array(s.streams[0].data.prefix(16)), response: true) {
            flow.swapDirection()
            s.streams.swapAt(0, 1)
            flow.seen.swapAt(0, 1)
            flow.ipOnlyInspected.swapAt(0, 1)
        }
        for si in 0..<2 {
            let stream = s.streams[si]
            let limit: Int
            if options.inline || closing { limit = stream.data.count }
            else if si != dir.rawValue { limit = min(stream.acked, stream.data.count) }
            else { continue }
            guard limit > stream.appProgress else { continue }
            if !flow.appDetectionDone {
                // Progress stays at 0 until the protocol is known, so the parser then sees everything.
                let start = Array(stream.data.prefix(min(limit, 16)))
                if HTTPState.looksLikeHTTP(start, response: si == 1) {
                    guard start.count >= 4 || si == 1 else { continue }
                    flow.isHTTP = true
                }
                flow.appDetectionDone = true
            }
            guard flow.isHTTP else { s.streams[si].appProgress = limit; continue }
            let chunk = stream.data[stream.appProgress..<limit]
            s.streams[si].appProgress = limit
            if si == 0 { flow.http.feedRequest(chunk) } else { flow.http.feedResponse(chunk) }
        }
        flow.tcp = s
    }
}
