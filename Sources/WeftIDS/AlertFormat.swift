#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Formats alerts the way Suricata writes them to fast.log and eve.json.
public enum AlertFormat {
    struct LocalTime { var year, month, day, hour, minute, second: Int; var gmtoff: Int }

    static func local(_ seconds: UInt32) -> LocalTime {
        var t = time_t(seconds)
        var tm = tm()
        localtime_r(&t, &tm)
        return LocalTime(year: Int(tm.tm_year) + 1900, month: Int(tm.tm_mon) + 1, day: Int(tm.tm_mday),
                         hour: Int(tm.tm_hour), minute: Int(tm.tm_min), second: Int(tm.tm_sec), gmtoff: Int(tm.tm_gmtoff))
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `07/22/2014-19:51:20.753227`
    public static func fastTimestamp(_ seconds: UInt32, _ micros: UInt32) -> String {
        let t = local(seconds)
        return "\(pad(t.month, 2))/\(pad(t.day, 2))/\(t.year)-\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2)).\(pad(Int(micros), 6))"
    }

    /// `2014-07-22T19:51:20.753227+0000`
    public static func eveTimestamp(_ seconds: UInt32, _ micros: UInt32) -> String {
        let t = local(seconds)
        let off = abs(t.gmtoff) / 60
        let sign = t.gmtoff < 0 ? "-" : "+"
        return "\(t.year)-\(pad(t.month, 2))-\(pad(t.day, 2))T\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2)).\(pad(Int(micros), 6))\(sign)\(pad(off / 60, 2))\(pad(off % 60, 2))"
    }

    static func ports(_ p: Packet) -> (Int, Int) {
        if p.isICMP { return (Int(p.icmpType), Int(p.icmpCode)) }
        if p.hasPorts { return (Int(p.srcPort), Int(p.dstPort)) }
        return (0, 0)
    }

    /// One fast.log line, without the newline.
    public static func fastLine(_ a: Alert) -> String {
        let r = a.rule
        var prefix = ""
        if r.action == .drop { prefix = a.isIPS ? "[Drop] " : "[wDrop] " }
        let cls = r.classtype?.description ?? "(null)"
        let (sp, dp) = ports(a.packet)
        let p = a.packet
        return "\(fastTimestamp(p.seconds, p.microseconds))  \(prefix)[**] [\(r.gid):\(r.sid):\(r.rev)] \(r.msg) [**] [Classification: \(cls)] [Priority: \(r.effectivePriority)] {\(p.protoName)} \(p.src.suricataText):\(sp) -> \(p.dst.suricataText):\(dp)"
    }

    /// One eve.json alert record, without the newline.
    public static func eveLine(_ a: Alert) -> String {
        let p = a.packet, r = a.rule
        var j = JSONObject()
        j.string("timestamp", eveTimestamp(p.seconds, p.microseconds))
        if let id = a.flowID { j.number("flow_id", Int(id)) }
        if p.number > 0 { j.number("pcap_cnt", p.number) }
        j.string("event_type", "alert")
        j.string("src_ip", p.src.suricataText)
        if p.hasPorts { j.number("src_port", Int(p.srcPort)) }
        j.string("dest_ip", p.dst.suricataText)
        if p.hasPorts { j.number("dest_port", Int(p.dstPort)) }
        if let v = p.vlan { j.raw("vlan", "[\(v)]") }
        j.string("proto", p.protoName)
        j.number("ip_v", p.ipVersion)
        if p.isICMP {
            j.number("icmp_type", Int(p.icmpType))
            j.number("icmp_code", Int(p.icmpCode))
        }
        j.string("pkt_src", p.number > 0 ? "wire/pcap" : "stream (flow timeout)")
        if let ap = a.appProto { j.string("app_proto", ap) }
        var al = JSONObject()
        al.string("action", a.action)
        al.number("gid", Int(r.gid))
        al.number("signature_id", Int(r.sid))
        al.number("rev", Int(r.rev))
        al.string("signature", r.msg)
        al.string("category", r.classtype?.description ?? "")
        al.number("severity", r.effectivePriority)
        if !r.metadata.isEmpty {
            var md: [String: [String]] = [:]
            var keys: [String] = []
            for item in r.metadata {
                let kv = item.split(separator: " ", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { continue }
                if md[kv[0]] == nil { keys.append(kv[0]) }
                md[kv[0], default: []].append(kv[1])
            }
            var m = JSONObject()
            for k in keys { m.raw(k, "[" + md[k]!.map(JSONObject.quote).joined(separator: ",") + "]") }
            al.raw("metadata", m.text)
        }
        j.raw("alert", al.text)
        if let tx = a.http {
            var h = JSONObject()
            func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }
            if let host = HTTPTransaction.header(tx.requestHeaders, "host") { h.string("hostname", text(HTTPTransaction.normalizeHost(host))) }
            h.string("url", text(tx.rawURI))
            if let ua = HTTPTransaction.header(tx.requestHeaders, "user-agent") { h.string("http_user_agent", text(ua)) }
            if let ct = HTTPTransaction.header(tx.responseHeaders, "content-type") { h.string("http_content_type", text(ct)) }
            h.string("http_method", text(tx.method))
            if !tx.requestProtocol.isEmpty { h.string("protocol", text(tx.requestProtocol)) }
            if let status = Int(text(tx.statusCode)) { h.number("status", status) }
            if tx.responseLineDone { h.number("length", tx.responseBody.count) }
            j.raw("http", h.text)
        }
        return j.text
    }
}

/// A JSON object written field by field, in order.
struct JSONObject {
    private var parts: [String] = []

    mutating func string(_ k: String, _ v: String) { parts.append("\(JSONObject.quote(k)):\(JSONObject.quote(v))") }
    mutating func number(_ k: String, _ v: Int) { parts.append("\(JSONObject.quote(k)):\(v)") }
    mutating func raw(_ k: String, _ v: String) { parts.append("\(JSONObject.quote(k)):\(v)") }
    var text: String { "{" + parts.joined(separator: ",") + "}" }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
