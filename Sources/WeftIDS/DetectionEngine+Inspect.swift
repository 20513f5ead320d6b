extension DetectionEngine {
    enum TxVerdict { case match, noMatch, wait }

    /// Runs every rule over one packet (or a pseudo packet at flow end).
    func inspect(_ flow: Flow, _ p: Packet, _ dir: FlowDirection, window: [UInt8]?, minEnd: Int, addedToStream: Bool, pseudo: Bool) {
        let ipOnlyFirst = !flow.ipOnlyInspected[dir.rawValue]
        if !pseudo { flow.ipOnlyInspected[dir.rawValue] = true }
        var packetDropped = false
        for ri in candidates(flow, window: window, payload: p.payload) {
            let r = rules[ri]
            guard protoMatches(r, p, flow) else { continue }
            guard headerMatches(r, p) else { continue }
            if r.isIPOnly && (pseudo || !ipOnlyFirst) { continue }
            if r.flow.isSet {
                if let est = r.flow.established {
                    let isEst = flow.tcp?.isEstablished ?? (p.proto != IPProto.tcp && flow.seen[0] && flow.seen[1])
                    if est != isEst { continue }
                }
                if let ts = r.flow.toServer, ts != (dir == .toServer) { continue }
            }
            if r.usesHTTP && !flow.isHTTP { continue }
            if r.hasPacketTests {
                if pseudo { continue }
                if let t = r.dsize, !t.matches(p.payload.count) { continue }
                if let t = r.ttl, !t.matches(Int(p.ttl)) { continue }
                if let t = r.itype, !(p.isICMP && t.matches(Int(p.icmpType))) { continue }
                if let t = r.icode, !(p.isICMP && t.matches(Int(p.icmpCode))) { continue }
                if let t = r.flags, !(p.proto == IPProto.tcp && p.l4Valid && t.matches(p.tcpFlags)) { continue }
            }
            if !flowbitsHold(r, flow) { continue }
            let items = r.payloadItems
            if !items.isEmpty {
                var m = false
                if let w = window, !r.flow.noStream { m = PayloadMatcher.matches(items, in: w, minEnd: minEnd) }
                let packetAllowed = !pseudo && !r.flow.onlyStream && (!addedToStream || r.hasPacketTests || r.flow.noStream)
                if !m && packetAllowed { m = PayloadMatcher.matches(items, in: p.payload) }
                if !m { continue }
            }
            var hits = 1
            var matchedTx: [Int] = []
            if !r.httpLists.isEmpty {
                hits = 0
                for t in flow.http.transactions.indices {
                    let key = ri << 32 | t
                    if flow.txDecided.contains(key) { continue }
                    switch txVerdict(r, flow.http.transactions[t], dir: dir, final: pseudo) {
                    case .match: flow.txDecided.insert(key); hits += 1; matchedTx.append(t)
                    case .noMatch: flow.txDecided.insert(key)
                    case .wait: break
                    }
                }
                if hits == 0 { continue }
            }
            // The rule matched.
            applyFlowbits(r, flow)
            if r.action == .pass {
                if r.actsOnFlow { flow.passed = true }
                return
            }
            if r.flowbits.contains(where: { $0.op == .noalert }) { continue }
            if let t = r.threshold, !thresholds.allow(t, rule: r, packet: p, flowID: flow.id, filter: false) { continue }
            if let t = r.detectionFilter, !thresholds.allow(t, rule: r, packet: p, flowID: flow.id, filter: true) { continue }
            let blocked = r.action == .drop && options.simulateIPS
            for h in 0..<hits {
                let tx = h < matchedTx.count ? flow.http.transactions[matchedTx[h]] : nil
                onAlert(Alert(rule: r, packet: p, action: blocked ? "blocked" : "allowed", flowID: flow.id,
                              appProto: flow.isHTTP ? "http" : nil, isIPS: options.simulateIPS, http: tx))
            }
            if blocked {
                packetDropped = true
                if r.actsOnFlow { flow.dropped = true }
                break
            }
        }
        if packetDropped { droppedCount += 1 }
    }

    func protoMatches(_ r: Rule, _ p: Packet, _ flow: Flow) -> Bool {
        switch r.proto {
        case .ip: return true
        case .tcp, .http: return p.proto == IPProto.tcp
        case .udp: return p.proto == IPProto.udp
        case .icmp: return p.isICMP
        }
    }

    func headerMatches(_ r: Rule, _ p: Packet) -> Bool {
        let ports = p.hasPorts
        func oneWay(_ s: IPAddress, _ sp: UInt16, _ d: IPAddress, _ dp: UInt16) -> Bool {
            guard r.src.contains(s), r.dst.contains(d) else { return false }
            if ports { return r.srcPorts.contains(sp) && r.dstPorts.contains(dp) }
            return r.srcPorts.isAny && r.dstPorts.isAny || r.proto == .ip
        }
        if oneWay(p.src, p.srcPort, p.dst, p.dstPort) { return true }
        return r.bidirectional && oneWay(p.dst, p.dstPort, p.src, p.srcPort)
    }

    func flowbitsHold(_ r: Rule, _ flow: Flow) -> Bool {
        for fb in r.flowbits {
            switch fb.op {
            case .isset: if !fb.names.contains(where: { flow.flowbits.contains($0) }) { return false }
            case .isnotset: if !fb.names.contains(where: { !flow.flowbits.contains($0) }) { return false }
            default: break
            }
        }
        return true
    }

    func applyFlowbits(_ r: Rule, _ flow: Flow) {
        for fb in r.flowbits {
            switch fb.op {
            case .set: flow.flowbits.insert(fb.names[0])
            case .unset: flow.flowbits.remove(fb.names[0])
            case .toggle:
                if flow.flowbits.contains(fb.names[0]) { flow.flowbits.remove(fb.names[0]) } else { flow.flowbits.insert(fb.names[0]) }
            default: break
            }
        }
    }

    /// Evaluates a rule's HTTP buffers on one transaction.
    func txVerdict(_ r: Rule, _ tx: HTTPTransaction, dir: FlowDirection, final: Bool) -> TxVerdict {
        let lists = r.httpLists
        let wantsResponse = lists.contains { $0.buffer.side == .response } || r.flow.toServer == false
        let wantsRequest = lists.contains { $0.buffer.side == .request } || r.flow.toServer == true
        // Buffers on both sides (headers, cookies) follow the rule's direction; with none given, try both.
        let sides: [Bool] = wantsResponse && !wantsRequest ? [true] : wantsRequest && !wantsResponse ? [false] : wantsRequest ? [false] : [false, true]
        var sawWait = false
        for response in sides {
            var verdict = TxVerdict.match
            for l in lists {
                let useResponse = l.buffer.side == .response || (l.buffer.side == .either && response)
                guard let data = tx.buffer(l.buffer, response: useResponse) else {
                    verdict = final ? .noMatch : .wait
                    if !final { break }
                    continue
                }
                if !PayloadMatcher.matches(l.items, in: data) {
                    verdict = (final || tx.isFinal(l.buffer, response: useResponse)) ? .noMatch : .wait
                    break
                }
            }
            if verdict == .match { return .match }
            if verdict == .wait { sawWait = true }
        }
        return sawWait ? .wait : .noMatch
    }
}
