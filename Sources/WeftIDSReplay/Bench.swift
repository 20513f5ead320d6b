import Foundation
import WeftIDS

/// `weft-ids bench`: replay throughput of the engine on generated HTTP traffic with
/// 1, 1,000 and 10,000 content rules, beside the raw Hyperscan scan rate of the same
/// payload bytes (the limit). Numbers go to stdout, one line per rule count.
enum Bench {
    static func traffic(flows: Int) -> [Packet] {
        var packets: [Packet] = []
        let paths = ["/index.html", "/api/v1/items?id=", "/static/app.js", "/login", "/search?q="]
        let agents = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/7.88.1", "python-requests/2.31"]
        var rng = SystemRandomNumberGenerator()
        for f in 0..<flows {
            let client = IPAddress(v4: 0x0a00_0000 | UInt32(f & 0xffff))
            let server = IPAddress(v4: 0xc0a8_0001 | UInt32((f % 7) << 8))
            let cport = UInt16(20000 + f % 40000)
            func pkt(_ toServer: Bool, _ seq: UInt32, _ ack: UInt32, _ flags: UInt8, _ payload: [UInt8]) -> Packet {
                var p = Packet()
                p.proto = IPProto.tcp
                p.src = toServer ? client : server; p.dst = toServer ? server : client
                p.srcPort = toServer ? cport : 80; p.dstPort = toServer ? 80 : cport
                p.seq = seq; p.ack = ack; p.tcpFlags = flags; p.payload = payload; p.l4Valid = true; p.ttl = 64
                p.seconds = 1_700_000_000 + UInt32(f / 100)
                return p
            }
            let path = paths[f % paths.count] + String(Int.random(in: 0..<1_000_000, using: &rng))
            let req = Array("GET \(path) HTTP/1.1\r\nHost: www.example\(f % 13).com\r\nUser-Agent: \(agents[f % agents.count])\r\nAccept: */*\r\nCookie: session=\(UInt64.random(in: 0...UInt64.max, using: &rng))\r\n\r\n".utf8)
            var body = [UInt8]()
            let words = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do"]
            while body.count < 6000 { body += Array((words[Int.random(in: 0..<words.count, using: &rng)] + " ").utf8) }
            let resp = Array("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
            var c: UInt32 = 1000, s: UInt32 = 9000
            packets.append(pkt(true, c, 0, TCPFlag.syn, []))
            packets.append(pkt(false, s, c + 1, TCPFlag.syn | TCPFlag.ack, []))
            c += 1; s += 1
            packets.append(pkt(true, c, s, TCPFlag.ack, []))
            packets.append(pkt(true, c, s, TCPFlag.ack | TCPFlag.psh, req)); c += UInt32(req.count)
            var off = 0
            while off < resp.count {
                let seg = Array(resp[off..<min(off + 1448, resp.count)])
                packets.append(pkt(false, s, c, TCPFlag.ack, seg)); s += UInt32(seg.count); off += seg.count
                packets.append(pkt(true, c, s, TCPFlag.ack, []))
            }
            packets.append(pkt(true, c, s, TCPFlag.fin | TCPFlag.ack, []))
            packets.append(pkt(false, s, c + 1, TCPFlag.fin | TCPFlag.ack, []))
            packets.append(pkt(true, c + 1, s + 1, TCPFlag.ack, []))
        }
        for i in packets.indices { packets[i].number = i + 1 }
        return packets
    }

    /// `n` content rules; the first `matching` of them have a pattern that occurs in the traffic.
    /// With `http`, the contents are in `http.uri` and `http.user_agent` instead of the raw stream.
    static func rules(_ n: Int, matching: Int, http: Bool) -> String {
        guard http else { return rules(n, matching: matching) }
        var out = ""
        for i in 0..<n {
            let buffer = i % 2 == 0 ? "http.uri" : "http.user_agent"
            let content = i < matching ? (i % 2 == 0 ? "/api/v1/items" : "curl/") : "/nope-\(i)-\(String(i * 7919, radix: 36))"
            out += "alert http any any -> any any (msg:\"bench \(i)\"; flow:established,to_server; \(buffer); content:\"\(content)\"; sid:\(i + 1);)\n"
        }
        return out
    }

    static func rules(_ n: Int, matching: Int) -> String {
        var common = (0..<13).map { "www.example\($0).com" } + ["Server: nginx", "Content-Type", "curl/7", "session=", "/static/app.js", "lorem ipsum"]
        common += ["dolor sit", "HTTP/1.1 200", "Accept: */*", "python-requests", "/login"]
        var out = ""
        for i in 0..<n {
            let content = i < matching ? common[i % common.count] : "sig-\(i)-\(String(i * 7919, radix: 36))"
            let extra = i < matching && i >= common.count ? "; content:\"x-\(i)\"; distance:0" : ""
            out += "alert tcp any any -> any any (msg:\"bench \(i)\"; flow:established; content:\"\(content)\"; nocase\(extra); sid:\(i + 1);)\n"
        }
        return out
    }

    static func run(flows: Int) throws {
        let packets = traffic(flows: flows)
        let bytes = packets.reduce(0) { $0 + $1.payload.count + 54 }
        let payload = packets.reduce(0) { $0 + $1.payload.count }
        print("traffic: \(packets.count) packets, \(flows) HTTP flows, \(bytes) bytes on the wire (\(payload) payload)")
        let cases: [(Int, Int, Bool)] = [(1, 0, false), (1000, 0, false), (10_000, 0, false), (1000, 50, false), (10_000, 50, false),
                                          (10_000, 0, true), (10_000, 50, true)]
        for (n, matching, http) in cases {
            let set = try RuleSet.parse(rules(n, matching: matching, http: http))
            var o = EngineOptions()
            o.streamInline = false
            let t0 = Date()
            var alerts = 0
            let engine = DetectionEngine(rules: set.rules, options: o) { _ in alerts += 1 }
            let load = Date().timeIntervalSince(t0)
            let t1 = Date()
            for p in packets { engine.process(p) }
            engine.finish()
            let secs = Date().timeIntervalSince(t1)
            // The limit: Hyperscan alone over the same payload bytes, with the same patterns.
            var pats: [MultiPatternMatcher.Pattern] = []
            for r in set.rules {
                for l in r.lists { for case .content(let c) in l.items { pats.append(.init(bytes: c.pattern, nocase: c.nocase)) } }
            }
            var hsRate = "n/a"
            if let m = MultiPatternMatcher(pats) {
                var hits = [Bool](repeating: false, count: pats.count)
                let t2 = Date()
                for p in packets where !p.payload.isEmpty { m.scan(p.payload, hits: &hits) }
                let hs = Date().timeIntervalSince(t2)
                hsRate = String(format: "%.0f Mbit/s", Double(payload) * 8 / hs / 1e6)
            }
            print(String(format: "%@ rules %5d (%2d with patterns in the traffic): load %.2f s, replay %.2f s = %.0f Mbit/s, %.0f packets/s, %d alerts; Hyperscan alone on the payload: %@",
                         http ? "http" : "raw ", n, matching, load, secs, Double(bytes) * 8 / secs / 1e6, Double(packets.count) / secs, alerts, hsRate))
        }
    }
}
