import WeftModel

/// Port numbers by service name (`--dport ssh`), from the system's services database
/// (`/etc/services` text, parsed here so the logic stays pure) with a built-in fallback for
/// the names firewall rules use most, so a minimal system without netbase still works.
public struct ServiceNames: Sendable {
    var ports: [String: Int]

    public init(servicesText: String? = nil) {
        ports = Self.builtin
        if let servicesText { ports.merge(Self.parse(servicesText)) { _, system in system } }
    }

    public func port(_ name: String) -> Int? { ports[name.lowercased()] }

    /// `name  port/proto  aliases...  # comment`
    static func parse(_ text: String) -> [String: Int] {
        var result: [String: Int] = [:]
        for line in TextLines.split(text) {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let slash = fields[1].firstIndex(of: "/"),
                  let port = Int(fields[1][..<slash]), (0...65535).contains(port) else { continue }
            for name in [fields[0]] + fields.dropFirst(2) where result[name.lowercased()] == nil {
                result[name.lowercased()] = port
            }
        }
        return result
    }

    static let builtin: [String: Int] = [
        "ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53, "dns": 53, "http": 80,
        "www": 80, "pop3": 110, "ntp": 123, "imap": 143, "imap2": 143, "snmp": 161, "snmp-trap": 162,
        "snmptrap": 162, "bgp": 179, "ldap": 389, "https": 443, "isakmp": 500, "syslog": 514,
        "submission": 587, "ldaps": 636, "imaps": 993, "pop3s": 995, "openvpn": 1194, "mysql": 3306,
        "ms-wbt-server": 3389, "rdp": 3389, "ipsec-nat-t": 4500, "postgresql": 5432,
    ]
}
