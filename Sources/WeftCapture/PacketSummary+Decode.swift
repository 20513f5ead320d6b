import Glibc

extension PacketSummary {
    /// Decodes one captured frame. Link types: Ethernet (with up to two VLAN tags), raw IP
    /// (tun devices), Linux cooked v1/v2, BSD `NULL`/`LOOP`, bare IPv4/IPv6. Never
    /// fails: a frame it cannot read further is summarised as far as it got, with
    /// "truncated" in `info`.
    public static func decode(_ frame: [UInt8], linkType: LinkType, wireLength: Int? = nil,
                              time: CaptureTime, interface: String) -> PacketSummary {
        frame.withUnsafeBytes { decode($0, linkType: linkType, wireLength: wireLength ?? frame.count, time: time, interface: interface) }
    }

    public static func decode(_ frame: UnsafeRawBufferPointer, linkType: LinkType, wireLength: Int,
                              time: CaptureTime, interface: String) -> PacketSummary {
        var summary = PacketSummary(time: time, interface: interface, network: .unknown, length: wireLength)
        let bytes = Bytes(frame)
        guard let (network, offset) = linkPayload(bytes, linkType) else {
            summary.info = "truncated"
            return summary
        }
        switch network {
        case 0x0800: decodeIPv4(bytes, at: offset, into: &summary)
        case 0x86DD: decodeIPv6(bytes, at: offset, into: &summary)
        case 0x0806: decodeARP(bytes, at: offset, into: &summary)
        default: summary.network = .other(network)
        }
        return summary
    }

    /// The EtherType of the link payload (0x0800/0x86DD for IP whatever the link says)
    /// and where it starts; nil when the link header itself is cut.
    static func linkPayload(_ bytes: Bytes, _ linkType: LinkType) -> (Int, Int)? {
        switch linkType {
        case .ethernet:
            guard var type = bytes.u16(12) else { return nil }
            var offset = 14
            for _ in 0..<2 where type == 0x8100 || type == 0x88A8 {
                guard let inner = bytes.u16(offset + 2) else { return nil }
                type = inner
                offset += 4
            }
            return (type, offset)
        case .raw, .rawFile:
            guard let first = bytes.u8(0) else { return nil }
            return (first >> 4 == 6 ? 0x86DD : first >> 4 == 4 ? 0x0800 : 0, 0)
        case .ipv4: return (0x0800, 0)
        case .ipv6: return (0x86DD, 0)
        case .linuxSLL:
            guard let type = bytes.u16(14) else { return nil }
            return (type, 16)
        case .linuxSLL2:
            guard let type = bytes.u16(0), bytes.count >= 20 else { return nil }
            return (type, 20)
        case .null, .loop:
            guard bytes.count >= 4 else { return nil }
            // NULL: host byte order of the capturing machine; LOOP: network order. Try both.
            let big = bytes.u32(0)!
            let little = (0..<4).reduce(0) { $0 | bytes.u8($1)! << (8 * $1) }
            let family = (linkType == .loop || big < 256) ? big : little
            switch family {
            case 2: return (0x0800, 4)
            case 10, 24, 28, 30: return (0x86DD, 4)
            default: return (Int(family), 4)
            }
        default:
            return nil
        }
    }

    static func decodeIPv4(_ bytes: Bytes, at start: Int, into summary: inout PacketSummary) {
        summary.network = .ipv4
        guard let versionIHL = bytes.u8(start), versionIHL >> 4 == 4, bytes.count >= start + 20 else {
            summary.info = "truncated"
            return
        }
        let headerLength = Int(versionIHL & 0x0F) * 4
        let total = bytes.u16(start + 2)!
        let fragment = bytes.u16(start + 6)!
        let proto = bytes.u8(start + 9)!
        summary.length = total
        summary.ipProtocol = proto
        summary.source = ipv4Text(bytes, start + 12)
        summary.destination = ipv4Text(bytes, start + 16)
        let fragmentOffset = (fragment & 0x1FFF) * 8
        if fragmentOffset > 0 {
            summary.info = "frag offset \(fragmentOffset)"
            return
        }
        guard headerLength >= 20 else {
            summary.info = "bad header length \(headerLength)"
            return
        }
        decodeTransport(bytes, at: start + headerLength, proto: proto, icmp: 1, into: &summary)
    }

    static func decodeIPv6(_ bytes: Bytes, at start: Int, into summary: inout PacketSummary) {
        summary.network = .ipv6
        guard let version = bytes.u8(start), version >> 4 == 6, bytes.count >= start + 40 else {
            summary.info = "truncated"
            return
        }
        summary.length = 40 + bytes.u16(start + 4)!
        summary.source = ipv6Text(bytes, start + 8)
        summary.destination = ipv6Text(bytes, start + 24)
        var next = bytes.u8(start + 6)!
        var offset = start + 40
        // Hop-by-hop, routing, destination options, fragment, AH: at most 8 of them.
        for _ in 0..<8 {
            switch next {
            case 0, 43, 60:
                guard let following = bytes.u8(offset), let length = bytes.u8(offset + 1) else { summary.ipProtocol = next; summary.info = "truncated"; return }
                next = following
                offset += (length + 1) * 8
            case 44:
                guard let following = bytes.u8(offset), let fragment = bytes.u16(offset + 2) else { summary.ipProtocol = next; summary.info = "truncated"; return }
                next = following
                offset += 8
                if fragment & 0xFFF8 != 0 {
                    summary.ipProtocol = next
                    summary.info = "frag offset \(fragment & 0xFFF8)"
                    return
                }
            case 51:
                guard let following = bytes.u8(offset), let length = bytes.u8(offset + 1) else { summary.ipProtocol = next; summary.info = "truncated"; return }
                next = following
                offset += (length + 2) * 4
            default:
                summary.ipProtocol = next
                decodeTransport(bytes, at: offset, proto: next, icmp: 58, into: &summary)
                return
            }
        }
        summary.ipProtocol = next
    }

    static func decodeTransport(_ bytes: Bytes, at offset: Int, proto: Int, icmp: Int, into summary: inout PacketSummary) {
        switch proto {
        case 6:
            guard let sourcePort = bytes.u16(offset), let destinationPort = bytes.u16(offset + 2),
                  let flags = bytes.u8(offset + 13) else { summary.info = "truncated"; return }
            summary.sourcePort = sourcePort
            summary.destinationPort = destinationPort
            summary.tcpFlags = tcpFlagText(flags)
        case 17, 136:   // UDP, UDP-Lite
            guard let sourcePort = bytes.u16(offset), let destinationPort = bytes.u16(offset + 2) else { summary.info = "truncated"; return }
            summary.sourcePort = sourcePort
            summary.destinationPort = destinationPort
        case icmp:
            guard let type = bytes.u8(offset), let code = bytes.u8(offset + 1) else { summary.info = "truncated"; return }
            summary.icmpType = type
            summary.icmpCode = code
            var words = icmp == 1 ? icmpName(type, code) : icmp6Name(type, code)
            let isEcho = icmp == 1 ? (type == 0 || type == 8) : (type == 128 || type == 129)
            if isEcho, let id = bytes.u16(offset + 4), let sequence = bytes.u16(offset + 6) {
                words += " id \(id) seq \(sequence)"
            }
            summary.info = words
        default:
            break
        }
    }

    static func decodeARP(_ bytes: Bytes, at start: Int, into summary: inout PacketSummary) {
        summary.network = .arp
        guard let operation = bytes.u16(start + 6), bytes.u16(start + 2) == 0x0800,
              bytes.u8(start + 4) == 6, bytes.u8(start + 5) == 4, bytes.count >= start + 28 else {
            summary.info = bytes.count >= start + 8 ? nil : "truncated"
            return
        }
        let sender = ipv4Text(bytes, start + 14), target = ipv4Text(bytes, start + 24)
        summary.source = sender
        summary.destination = target
        summary.info = switch operation {
        case 1: "who-has \(target) tell \(sender)"
        case 2: "reply \(sender) is-at \(macText(bytes, start + 8))"
        default: "operation \(operation)"
        }
    }

    /// tcpdump's order: F S R P U E W, then "." for ACK; "none" when no flag is set.
    static func tcpFlagText(_ flags: Int) -> String {
        var text = ""
        for (bit, letter) in [(0x01, "F"), (0x02, "S"), (0x04, "R"), (0x08, "P"), (0x20, "U"), (0x40, "E"), (0x80, "W")]
        where flags & bit != 0 {
            text += letter
        }
        if flags & 0x10 != 0 { text += "." }
        return text.isEmpty ? "none" : text
    }

    static func icmpName(_ type: Int, _ code: Int) -> String {
        switch type {
        case 0: "echo reply"
        case 3: "unreachable code \(code)"
        case 5: "redirect code \(code)"
        case 8: "echo request"
        case 11: "time exceeded code \(code)"
        case 12: "parameter problem code \(code)"
        default: "type \(type) code \(code)"
        }
    }

    static func icmp6Name(_ type: Int, _ code: Int) -> String {
        switch type {
        case 1: "unreachable code \(code)"
        case 2: "packet too big"
        case 3: "time exceeded code \(code)"
        case 128: "echo request"
        case 129: "echo reply"
        case 133: "router solicitation"
        case 134: "router advertisement"
        case 135: "neighbor solicitation"
        case 136: "neighbor advertisement"
        default: "type \(type) code \(code)"
        }
    }

    static func ipv4Text(_ bytes: Bytes, _ offset: Int) -> String {
        (0..<4).map { String(bytes.u8(offset + $0) ?? 0) }.joined(separator: ".")
    }

    static func ipv6Text(_ bytes: Bytes, _ offset: Int) -> String {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { raw in
            for index in 0..<16 { raw[index] = UInt8(bytes.u8(offset + index) ?? 0) }
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(cBuffer: text)
    }

    static func macText(_ bytes: Bytes, _ offset: Int) -> String {
        (0..<6).map { String(bytes.u8(offset + $0) ?? 0, radix: 16).leftPadded(to: 2) }.joined(separator: ":")
    }

    /// Bounds-checked big-endian reads; out of range reads nil.
    struct Bytes {
        let raw: UnsafeRawBufferPointer
        init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }
        var count: Int { raw.count }
        func u8(_ offset: Int) -> Int? { offset >= 0 && offset < raw.count ? Int(raw[offset]) : nil }
        func u16(_ offset: Int) -> Int? {
            guard offset >= 0, offset + 2 <= raw.count else { return nil }
            return Int(raw[offset]) << 8 | Int(raw[offset + 1])
        }
        func u32(_ offset: Int) -> Int? {
            guard offset >= 0, offset + 4 <= raw.count else { return nil }
            return (0..<4).reduce(0) { $0 << 8 | Int(raw[offset + $1]) }
        }
    }
}
