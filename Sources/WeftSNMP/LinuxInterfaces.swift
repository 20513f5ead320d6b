import Glibc

/// Reads the interfaces of the calling process's network namespace from sysfs and
/// /proc/net/dev. The parsers are pure functions of file text; `read` is the thin reader.
///
/// sysfs shows the namespace it was mounted in (`ip netns exec` remounts it), while
/// /proc/net/dev always follows the reading thread's namespace.
public enum LinuxInterfaces {
    /// The attribute files read per interface, under /sys/class/net/IF/.
    public static let attributeNames = ["ifindex", "mtu", "operstate", "flags", "address", "type", "speed", "ifalias"]

    /// Every interface, sorted by ifindex; [] when nothing can be read.
    public static func read() -> [InterfaceCounters] {
        read(sysClassNet: "/sys/class/net", procNetDev: "/proc/net/dev")
    }

    public static func read(sysClassNet: String, procNetDev: String) -> [InterfaceCounters] {
        let statistics = readFile(procNetDev).map(parseProcNetDev) ?? [:]
        var result: [InterfaceCounters] = []
        for name in listDirectory(sysClassNet) where !name.hasPrefix(".") {
            var attributes: [String: String] = [:]
            for attribute in attributeNames {
                if let text = readFile("\(sysClassNet)/\(name)/\(attribute)") { attributes[attribute] = text }
            }
            if let interface = interface(name: name, attributes: attributes, statistics: statistics[name]) {
                result.append(interface)
            }
        }
        return result.sorted { $0.index < $1.index }
    }

    // MARK: - Pure parsers

    /// /proc/net/dev: two header lines, then `name: rx(bytes packets errs drop fifo frame
    /// compressed multicast) tx(bytes packets errs drop fifo colls carrier compressed)`.
    public static func parseProcNetDev(_ text: String) -> [String: DeviceStatistics] {
        var result: [String: DeviceStatistics] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingSpaces()
            let fields = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
            guard !name.isEmpty, fields.count >= 16 else { continue }
            result[String(name)] = DeviceStatistics(
                rxBytes: fields[0], rxPackets: fields[1], rxErrors: fields[2], rxDropped: fields[3], rxMulticast: fields[7],
                txBytes: fields[8], txPackets: fields[9], txErrors: fields[10], txDropped: fields[11])
        }
        return result
    }

    /// One interface from the contents of its attribute files (keys as in
    /// `attributeNames`); nil without a valid ifindex.
    public static func interface(name: String, attributes: [String: String], statistics: DeviceStatistics?) -> InterfaceCounters? {
        func field(_ key: String) -> String { (attributes[key] ?? "").trimmingSpaces() }
        guard let index = Int(field("ifindex")), index > 0, index <= Int(Int32.max) else { return nil }
        let flags = parseFlags(field("flags")) ?? 0
        let adminUp = flags & 0x1 != 0
        return InterfaceCounters(
            index: index, name: name, alias: field("ifalias"),
            ifType: ifType(arpType: Int(field("type")) ?? 0),
            mtu: Int(field("mtu")) ?? 0,
            speedMbps: max(0, Int(field("speed")) ?? 0),
            physicalAddress: parseMAC(field("address")),
            adminUp: adminUp,
            operStatus: operStatus(operstate: field("operstate"), adminUp: adminUp),
            statistics: statistics ?? DeviceStatistics())
    }

    /// The `flags` file: hexadecimal with a 0x prefix (`0x1003`).
    public static func parseFlags(_ text: String) -> Int? {
        let body = text.hasPrefix("0x") || text.hasPrefix("0X") ? String(text.dropFirst(2)) : text
        return Int(body, radix: 16)
    }

    /// `aa:bb:cc:dd:ee:ff` → bytes; an all-zero address (loopback) or garbage → [].
    public static func parseMAC(_ text: String) -> [UInt8] {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count <= 2, let byte = UInt8(part, radix: 16) else { return [] }
            bytes.append(byte)
        }
        return bytes.allSatisfy { $0 == 0 } ? [] : bytes
    }

    /// `operstate` (RFC 2863 names) → ifOperStatus. Drivers that do not track the state
    /// (loopback, tun) say `unknown`: reported as up when the interface is up, as net-snmp
    /// does, so that monitoring does not flag them.
    public static func operStatus(operstate: String, adminUp: Bool) -> IFOperStatus {
        switch operstate {
        case "up": .up
        case "down": .down
        case "testing": .testing
        case "dormant": .dormant
        case "notpresent": .notPresent
        case "lowerlayerdown": .lowerLayerDown
        default: adminUp ? .up : .down
        }
    }

    /// ARPHRD_* (the `type` file) → IANAifType.
    public static func ifType(arpType: Int) -> Int32 {
        switch arpType {
        case 1: 6            // ARPHRD_ETHER → ethernetCsmacd (also bridges, veth, bonds)
        case 772: 24         // ARPHRD_LOOPBACK → softwareLoopback
        case 512: 23         // ARPHRD_PPP → ppp
        case 768, 769, 776, 778, 823, 65534: 131  // IPIP, IP6IP6, SIT, GRE, IP6GRE, NONE (tun, WireGuard) → tunnel
        default: 1           // other
        }
    }

    // MARK: - File access

    static func readFile(_ path: String, limit: Int = 1 << 20) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while data.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
