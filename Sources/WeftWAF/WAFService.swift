import WeftModel

/// One protected web service (`POST /api/waf/services`): a port on the controller whose
/// traffic goes through nginx + ModSecurity + the OWASP CRS in the WAF plugin, then on to
/// the backends.
public struct WAFService: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// A request the CRS scores at or over the threshold is answered 403 with a request id.
        case block
        /// The same requests pass; they are logged and alerted only.
        case detect
    }

    /// A CRS rule switched off, everywhere or under one path.
    public struct Exclusion: Codable, Sendable, Equatable {
        public var ruleID: Int
        public var pathPrefix: String?
        public init(ruleID: Int, pathPrefix: String? = nil) {
            self.ruleID = ruleID
            self.pathPrefix = pathPrefix
        }
        enum CodingKeys: String, CodingKey { case ruleID = "rule_id", pathPrefix = "path_prefix" }
    }

    public var name: String
    public var port: Int
    public var backends: [WAFBackend]
    public var mode: Mode = .block
    public var paranoia = 1
    public var tlsCert: String?
    public var tlsKey: String?
    public var anomalyInbound = 5
    public var anomalyOutbound = 4
    public var exclusions: [Exclusion] = []
    public var bodyLimitKB = 1024
    public var created = 0

    public init(name: String, port: Int, backends: [WAFBackend]) {
        self.name = name
        self.port = port
        self.backends = backends
    }

    public var tls: Bool { tlsCert != nil && tlsKey != nil }

    enum CodingKeys: String, CodingKey {
        case name, port, backends, mode, paranoia, exclusions, created
        case tlsCert = "tls_cert", tlsKey = "tls_key", anomalyInbound = "anomaly_inbound", anomalyOutbound = "anomaly_outbound"
        case bodyLimitKB = "body_limit_kb"
    }

    /// Service names become file and upstream names: 1-32 of a-z, 0-9 and -, starting with a letter.
    public static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first), text.unicodeScalars.count <= 32 else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// A path prefix an exclusion may name: absolute, printable, no quotes, spaces or backslashes.
    public static func isPathPrefix(_ text: String) -> Bool {
        guard text.hasPrefix("/"), text.utf8.count <= 256 else { return false }
        return text.unicodeScalars.allSatisfy { s in
            s.isASCII && s.value > 0x20 && s.value < 0x7f && !"\"'\\`$;{}#".unicodeScalars.contains(s)
        }
    }
}

/// Where a service's requests go on: `http://IP:PORT` or `https://IP:PORT` (an IPv4
/// address, so the controller can tell the network it is on).
public struct WAFBackend: Codable, Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var address: IPv4Address
    public var port: Int

    public init(scheme: String, address: IPv4Address, port: Int) {
        self.scheme = scheme
        self.address = address
        self.port = port
    }

    public var description: String { "\(scheme)://\(address):\(port)" }

    /// Parses `http://10.0.1.5:8080`; the port defaults to 80 (http) or 443 (https).
    public static func parse(_ text: String) -> WAFBackend? {
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("http://") { scheme = "http" } else if lower.hasPrefix("https://") { scheme = "https" } else { return nil }
        var rest = Substring(text.dropFirst(scheme.count + 3))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPv4Address(String(parts[0])) else { return nil }
        var port = scheme == "http" ? 80 : 443
        if parts.count == 2 {
            guard let p = Int(parts[1]), (1...65535).contains(p), parts[1].allSatisfy(\.isNumber) else { return nil }
            port = p
        }
        return WAFBackend(scheme: scheme, address: address, port: port)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = Self.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a backend URL: \(text)"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// The stored list (settings key `waf_services`).
public struct WAFServices: Codable, Sendable, Equatable {
    public var services: [WAFService] = []
    public init(services: [WAFService] = []) { self.services = services }
    public func service(_ name: String) -> WAFService? { services.first { $0.name == name } }
}
