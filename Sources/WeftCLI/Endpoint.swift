/// The host, port and base path of a controller's `https://` URL.
public struct Endpoint: Equatable, Sendable {
    public let host: String
    public let port: Int
    public let basePath: String

    public init(url: String) throws(CLIError) {
        guard url.hasPrefix("https://") else { throw .usage("--url: \(url) must start with https://") }
        var rest = Substring(url.dropFirst("https://".count))
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        while path.hasSuffix("/") { path.removeLast() }
        var host = String(rest), port = 8000
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .usage("--url: \(url): unterminated [address]") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...]
            if tail.hasPrefix(":") {
                guard let number = Int(tail.dropFirst()), (1...65535).contains(number) else { throw .usage("--url: \(url): bad port") }
                port = number
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else { throw .usage("--url: \(url): bad port") }
            port = number
        }
        guard !host.isEmpty else { throw .usage("--url: \(url) names no host") }
        self.host = host
        self.port = port
        basePath = path
    }

    /// Whether the host is a literal address (TLS SNI must not carry one).
    public var isAddress: Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }
}
