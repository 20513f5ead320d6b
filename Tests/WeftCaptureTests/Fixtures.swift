import WeftCapture

/// Hand-built frames for the decoder and filter tests. Byte layouts follow RFC 791 (IPv4),
/// RFC 8200 (IPv6), RFC 793 (TCP), RFC 768 (UDP), RFC 792 (ICMP), RFC 826 (ARP).
enum Fixture {
    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func be32(_ value: Int) -> [UInt8] { be16(value >> 16) + be16(value & 0xFFFF) }
    static func ip(_ text: String) -> [UInt8] { text.split(separator: ".").map { UInt8($0)! } }

    static func ipv4(_ source: String, _ destination: String, proto: UInt8, payload: [UInt8],
                     fragmentOffset: Int = 0, moreFragments: Bool = false) -> [UInt8] {
        let flags = (moreFragments ? 0x2000 : 0) | (fragmentOffset / 8)
        return [0x45, 0x00] + be16(20 + payload.count) + be16(0x1234) + be16(flags) + [64, proto] + be16(0)
            + ip(source) + ip(destination) + payload
    }

    static func tcp(_ sourcePort: Int, _ destinationPort: Int, flags: UInt8, payload: [UInt8] = []) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be32(1000) + be32(flags & 0x10 != 0 ? 2000 : 0)
            + [0x50, flags] + be16(64240) + be16(0) + be16(0) + payload
    }

    static func udp(_ sourcePort: Int, _ destinationPort: Int, payload: [UInt8]) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be16(8 + payload.count) + be16(0) + payload
    }

    /// ICMP echo request (type 8) or reply (0) with 56 bytes of data, as ping sends.
    static func icmpEcho(type: UInt8, id: Int, sequence: Int) -> [UInt8] {
        [type, 0] + be16(0) + be16(id) + be16(sequence) + [UInt8](repeating: 0xA5, count: 56)
    }

    static func ethernet(_ payload: [UInt8], type: Int = 0x0800, vlan: Int? = nil) -> [UInt8] {
        let destination: [UInt8] = [0x02, 0, 0, 0, 0, 0x02], source: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]
        let tag = vlan.map { be16(0x8100) + be16($0) } ?? []
        return destination + source + tag + be16(type) + payload
    }

    /// Linux cooked capture v1 header: outgoing packet (4), ARPHRD_NONE, no address.
    static func sll(_ payload: [UInt8], type: Int = 0x0800) -> [UInt8] {
        be16(4) + be16(65534) + be16(0) + [UInt8](repeating: 0, count: 8) + be16(type) + payload
    }

    /// BSD loopback header, address family 2 in little-endian host order.
    static func null(_ payload: [UInt8]) -> [UInt8] { [2, 0, 0, 0] + payload }

    static func ipv6(_ source: [UInt8], _ destination: [UInt8], next: UInt8, payload: [UInt8]) -> [UInt8] {
        [0x60, 0, 0, 0] + be16(payload.count) + [next, 64] + source + destination + payload
    }

    static let v6a: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
    static let v6b: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]

    static func arpRequest(sender: String, target: String) -> [UInt8] {
        be16(1) + be16(0x0800) + [6, 4] + be16(1) + [0x02, 0, 0, 0, 0, 0x01] + ip(sender)
            + [UInt8](repeating: 0, count: 6) + ip(target)
    }

    /// A classic little-endian pcap file (microsecond timestamps) with the given frames.
    static func pcapFile(linkType: Int, frames: [[UInt8]]) -> [UInt8] {
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        var file = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(262_144) + le32(linkType)
        for (index, frame) in frames.enumerated() {
            file += le32(1_700_000_000 + index) + le32(0) + le32(frame.count) + le32(frame.count) + frame
        }
        return file
    }
}

enum CaptureTimeFixture {
    /// 2024-02-29T12:34:56.000789Z
    static let noon = CaptureTime(seconds: 1_709_210_096, microseconds: 789)
}
