/// IP protocol numbers the engine knows.
public enum IPProto {
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let icmpv6: UInt8 = 58
}

/// TCP flag bits.
public enum TCPFlag {
    public static let fin: UInt8 = 0x01
    public static let syn: UInt8 = 0x02
    public static let rst: UInt8 = 0x04
    public static let psh: UInt8 = 0x08
    public static let ack: UInt8 = 0x10
    public static let urg: UInt8 = 0x20
    public static let ece: UInt8 = 0x40
    public static let cwr: UInt8 = 0x80
}

/// A decoded packet: what detection needs from layers 2 to 4.
public struct Packet: Sendable {
    /// 1-based index in the pcap (Suricata's pcap_cnt); 0 for a pseudo packet.
    public var number: Int = 0
    public var seconds: UInt32 = 0
    public var microseconds: UInt32 = 0
    public var vlan: UInt16?
    public var ipVersion: Int = 4
    public var src = IPAddress(v4: 0)
    public var dst = IPAddress(v4: 0)
    public var proto: UInt8 = 0
    public var ttl: UInt8 = 0
    public var srcPort: UInt16 = 0
    public var dstPort: UInt16 = 0
    public var tcpFlags: UInt8 = 0
    public var seq: UInt32 = 0
    public var ack: UInt32 = 0
    public var icmpType: UInt8 = 0
    public var icmpCode: UInt8 = 0
    public var payload: [UInt8] = []
    /// False when the transport header was missing or cut short.
    public var l4Valid = false

    public init() {}

    public var hasPorts: Bool { proto == IPProto.tcp || proto == IPProto.udp }
    public var isICMP: Bool { proto == IPProto.icmp || proto == IPProto.icmpv6 }

    public var protoName: String {
        switch proto {
        case IPProto.tcp: return "TCP"
        case IPProto.udp: return "UDP"
        case IPProto.icmp: return "ICMP"
        case IPProto.icmpv6: return "IPv6-ICMP"
        default: return "PROTO:\(proto)"
        }
    }
}
