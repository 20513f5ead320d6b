import Foundation

/// A libpcap data-link type (`DLT_*`, what `pcap_datalink` returns): it decides how a
/// captured frame starts and which filter expressions compile (`ether host` needs
/// Ethernet). Values are Linux's.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// BSD loopback: a 4-byte address family in host byte order.
    public static let null = LinkType(rawValue: 0)
    /// Ethernet II (also Linux `lo`, veth, bridges).
    public static let ethernet = LinkType(rawValue: 1)
    /// Raw IP, no link header: tun devices (wireguard-go's `tun0`, OpenVPN's `tun1`).
    public static let raw = LinkType(rawValue: 12)
    /// `LINKTYPE_RAW` as written in files; the same frames as `.raw`.
    public static let rawFile = LinkType(rawValue: 101)
    /// OpenBSD loopback: like `.null` with the family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    /// Linux "cooked" capture (the `any` device, PPP).
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    /// Linux "cooked" capture v2.
    public static let linuxSLL2 = LinkType(rawValue: 276)

    public var description: String {
        switch self {
        case .null: "NULL"
        case .ethernet: "EN10MB"
        case .raw, .rawFile: "RAW"
        case .loop: "LOOP"
        case .linuxSLL: "LINUX_SLL"
        case .ipv4: "IPV4"
        case .ipv6: "IPV6"
        case .linuxSLL2: "LINUX_SLL2"
        default: "DLT \(rawValue)"
        }
    }

    /// The link type libpcap will report for a Linux interface, from its ARPHRD type in
    /// `/sys/class/net/NAME/type`, so that a filter can be checked before the capture is
    /// opened. nil when the interface does not exist.
    public static func of(interface name: String, sysfs: String = "/sys/class/net") -> LinkType? {
        guard NetworkInterfaceName.isValid(name),
              let text = try? String(contentsOfFile: "\(sysfs)/\(name)/type", encoding: .utf8) else { return nil }
        return forARPHRD(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1)
    }

    /// ARPHRD_ETHER (1) and ARPHRD_LOOPBACK (772) → Ethernet, ARPHRD_NONE (65534, tun)
    /// and the IP tunnel types → raw IP, anything else → Linux cooked capture (what
    /// libpcap falls back to for types it does not map).
    public static func forARPHRD(_ type: Int) -> LinkType {
        switch type {
        case 1, 772: .ethernet
        case 65534, 768, 769, 776, 778, 823: .raw   // none, tunnel, tunnel6, sit, ipgre, ip6gre
        default: .linuxSLL
        }
    }
}

/// Linux interface names as the kernel allows them (1–15 bytes, no `/`, no
/// whitespace, not `.` or `..`), checked before a name reaches a path or libpcap.
public enum NetworkInterfaceName {
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...15).contains(bytes.count), name != ".", name != ".." else { return false }
        return bytes.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ":") }
    }

    /// Whether `/sys/class/net/NAME` exists (the interface exists in this namespace).
    public static func exists(_ name: String, sysfs: String = "/sys/class/net") -> Bool {
        isValid(name) && FileManager.default.fileExists(atPath: "\(sysfs)/\(name)")
    }
}
