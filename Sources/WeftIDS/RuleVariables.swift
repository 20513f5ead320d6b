import Foundation

/// Address and port variables, with Suricata's stock suricata.yaml values.
public struct RuleVariables: Sendable {
    public var addresses: [String: String]
    public var ports: [String: String]

    public static let suricataDefaults: RuleVariables = {
        var a: [String: String] = [
            "HOME_NET": "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]",
            "EXTERNAL_NET": "!$HOME_NET",
        ]
        for name in ["HTTP_SERVERS", "SMTP_SERVERS", "SQL_SERVERS", "DNS_SERVERS", "TELNET_SERVERS",
                     "DC_SERVERS", "DNP3_SERVER", "DNP3_CLIENT", "MODBUS_CLIENT", "MODBUS_SERVER",
                     "ENIP_CLIENT", "ENIP_SERVER"] {
            a[name] = "$HOME_NET"
        }
        a["AIM_SERVERS"] = "$EXTERNAL_NET"
        let p: [String: String] = [
            "HTTP_PORTS": "80", "SHELLCODE_PORTS": "!80", "ORACLE_PORTS": "1521", "SSH_PORTS": "22",
            "DNP3_PORTS": "20000", "MODBUS_PORTS": "502", "FILE_DATA_PORTS": "[$HTTP_PORTS,110,143]",
            "FTP_PORTS": "21", "GENEVE_PORTS": "6081", "VXLAN_PORTS": "4789", "TEREDO_PORTS": "3544",
        ]
        return RuleVariables(addresses: a, ports: p)
    }()
}

/// Suricata's stock classification.config (name, description, priority).
public enum Classifications {
    static let table: [(String, String, Int)] = [
        ("not-suspicious", "Not Suspicious Traffic", 3), ("unknown", "Unknown Traffic", 3),
        ("bad-unknown", "Potentially Bad Traffic", 2), ("attempted-recon", "Attempted Information Leak", 2),
        ("successful-recon-limited", "Information Leak", 2), ("successful-recon-largescale", "Large Scale Information Leak", 2),
        ("attempted-dos", "Attempted Denial of Service", 2), ("successful-dos", "Denial of Service", 2),
        ("attempted-user", "Attempted User Privilege Gain", 1), ("unsuccessful-user", "Unsuccessful User Privilege Gain", 1),
        ("successful-user", "Successful User Privilege Gain", 1), ("attempted-admin", "Attempted Administrator Privilege Gain", 1),
        ("successful-admin", "Successful Administrator Privilege Gain", 1), ("rpc-portmap-decode", "Decode of an RPC Query", 2),
        ("shellcode-detect", "Executable code was detected", 1), ("string-detect", "A suspicious string was detected", 3),
        ("suspicious-filename-detect", "A suspicious filename was detected", 2), ("suspicious-login", "An attempted login using a suspicious username was detected", 2),
        ("system-call-detect", "A system call was detected", 2), ("tcp-connection", "A TCP connection was detected", 4),
        ("trojan-activity", "A Network Trojan was detected", 1), ("unusual-client-port-connection", "A client was using an unusual port", 2),
        ("network-scan", "Detection of a Network Scan", 3), ("denial-of-service", "Detection of a Denial of Service Attack", 2),
        ("non-standard-protocol", "Detection of a non-standard protocol or event", 2), ("protocol-command-decode", "Generic Protocol Command Decode", 3),
        ("web-application-activity", "access to a potentially vulnerable web application", 2), ("web-application-attack", "Web Application Attack", 1),
        ("misc-activity", "Misc activity", 3), ("misc-attack", "Misc Attack", 2), ("icmp-event", "Generic ICMP event", 3),
        ("inappropriate-content", "Inappropriate Content was Detected", 1), ("policy-violation", "Potential Corporate Privacy Violation", 1),
        ("default-login-attempt", "Attempt to login by a default username and password", 2),
        ("targeted-activity", "Targeted Malicious Activity was Detected", 1), ("exploit-kit", "Exploit Kit Activity Detected", 1),
        ("external-ip-check", "Device Retrieving External IP Address Detected", 2), ("domain-c2", "Domain Observed Used for C2 Detected", 1),
        ("pup-activity", "Possibly Unwanted Program Detected", 2), ("credential-theft", "Successful Credential Theft Detected", 1),
        ("social-engineering", "Possible Social Engineering Attempted", 2), ("coin-mining", "Crypto Currency Mining Activity Detected", 2),
        ("command-and-control", "Malware Command and Control Activity Detected", 1),
    ]

    public static let stock: [String: Classification] = Dictionary(uniqueKeysWithValues: table.map {
        ($0.0, Classification(name: $0.0, description: $0.1, priority: $0.2))
    })

    /// Parses classification.config lines: `config classification: name,description,priority`.
    public static func parse(_ text: String) -> [String: Classification] {
        var out: [String: Classification] = [:]
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("config classification:") else { continue }
            let body = line.dropFirst("config classification:".count)
            let parts = body.split(separator: ",", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3, let prio = Int(parts[2]) else { continue }
            out[parts[0]] = Classification(name: parts[0], description: parts[1], priority: prio)
        }
        return out
    }
}
