/// One captured frame in one line, as the sniffer stream shows it:
///
///     2025-06-01T12:00:00.123456Z tun0 ICMP 100.127.255.193 > 100.127.255.253 echo request id 7 seq 1 length 84
///     2025-06-01T12:00:00.200000Z eth0 TCP 198.18.0.1:51234 > 198.18.0.11:8000 [S.] length 60
///     2025-06-01T12:00:00.300000Z eth0 proto 47 198.18.0.1 > 198.18.0.11 length 124
///
/// `length` is the IP packet length (IPv4 total length, IPv6 40 + payload length) for IP
/// packets and the frame length on the wire otherwise. TCP flags are written as tcpdump
/// writes them: `S`, `S.`, `.`, `P.`, `F.`, `R`, `R.` (`.` = ACK). Decoding is pure: see
/// `decode(_:linkType:wireLength:time:interface:)`.
public struct PacketSummary: Sendable, Equatable {
    public enum Network: Sendable, Equatable {
        case ipv4, ipv6, arp
        /// A link-layer payload that is not IP or ARP (the EtherType or address family).
        case other(Int)
        /// Too short to tell.
        case unknown
    }

    public var time: CaptureTime
    public var interface: String
    public var network: Network
    /// The IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...); nil for non-IP.
    public var ipProtocol: Int?
    public var source: String?
    public var destination: String?
    public var sourcePort: Int?
    public var destinationPort: Int?
    /// tcpdump-style flags for TCP ("S", "S.", "P.", ...), nil otherwise.
    public var tcpFlags: String?
    /// ICMP type and code, nil otherwise.
    public var icmpType: Int?
    public var icmpCode: Int?
    /// Extra words: "echo request id 7 seq 1", "who-has 10.0.0.1 tell 10.0.0.2", "frag offset 1480", "truncated".
    public var info: String?
    public var length: Int

    public init(time: CaptureTime, interface: String, network: Network, ipProtocol: Int? = nil,
                source: String? = nil, destination: String? = nil, sourcePort: Int? = nil, destinationPort: Int? = nil,
                tcpFlags: String? = nil, icmpType: Int? = nil, icmpCode: Int? = nil, info: String? = nil, length: Int) {
        self.time = time
        self.interface = interface
        self.network = network
        self.ipProtocol = ipProtocol
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.tcpFlags = tcpFlags
        self.icmpType = icmpType
        self.icmpCode = icmpCode
        self.info = info
        self.length = length
    }

    /// "TCP", "UDP", "ICMP", "ICMP6", "proto 47", "ARP", "ethertype 0x88cc", "unknown".
    public var protocolName: String {
        switch network {
        case .arp: return "ARP"
        case .other(let type): return "ethertype 0x" + String(type, radix: 16).leftPadded(to: 4)
        case .unknown: return "unknown"
        case .ipv4, .ipv6:
            switch ipProtocol {
            case 6?: return "TCP"
            case 17?: return "UDP"
            case 1?: return "ICMP"
            case 58?: return "ICMP6"
            case let number?: return "proto \(number)"
            case nil: return network == .ipv4 ? "IP" : "IP6"
            }
        }
    }

    /// The one-line form (see the type's documentation).
    public var line: String {
        var words = [time.iso8601, interface, protocolName]
        if let source, let destination {
            words.append(Self.endpoint(source, sourcePort, ipv6: network == .ipv6))
            words.append(">")
            words.append(Self.endpoint(destination, destinationPort, ipv6: network == .ipv6))
        }
        if let tcpFlags { words.append("[\(tcpFlags)]") }
        if let info { words.append(info) }
        words.append("length \(length)")
        return words.joined(separator: " ")
    }

    /// `address:port`; IPv6 addresses with a port get brackets.
    static func endpoint(_ address: String, _ port: Int?, ipv6: Bool) -> String {
        guard let port else { return address }
        return ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}

/// A capture timestamp (UTC), as libpcap gives it: seconds and microseconds.
public struct CaptureTime: Sendable, Equatable, Comparable {
    public var seconds: Int
    public var microseconds: Int

    public init(seconds: Int, microseconds: Int) {
        self.seconds = seconds
        self.microseconds = microseconds
    }

    public static func < (lhs: CaptureTime, rhs: CaptureTime) -> Bool {
        (lhs.seconds, lhs.microseconds) < (rhs.seconds, rhs.microseconds)
    }

    /// "2025-06-01T12:00:00.123456Z", computed without Foundation (days → civil date).
    public var iso8601: String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let micro = String(microseconds).leftPadded(to: 6)
        return "\(String(year).leftPadded(to: 4))-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)).\(micro)Z"
    }

    /// Proleptic Gregorian date of a day count since 1970-01-01 (eras of 400 years).
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let shifted = days + 719_468                  // days since 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097        // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153    // 0 = March
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
