/// A named set of addresses or ports (VNS3 "fwset"), matched from rules with
/// `-m set --match-set NAME src|dst` and backed by an ipset.
///
/// Types: `net` and `list` hold IPv4 addresses and networks (`hash:net`); `port` holds
/// ports and ranges (`bitmap:port`); `clients` holds clientpack selectors (`ClientSelector`)
/// and its kernel set (`hash:ip`) the overlay addresses of the packs they name
/// (`ClientGroups`). v1 names carry the type in a prefix: `NETS_`, `LIST_`, `PORTS_`,
/// `CLIENTS_`.
public struct FirewallSet: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case net, list, port, clients

        /// The ipset type backing it.
        public var ipsetType: String {
            switch self {
            case .net, .list: "hash:net"
            case .port: "bitmap:port range 0-65535"
            case .clients: "hash:ip"
            }
        }

        /// The kind a v1 name implies.
        public static func fromV1Name(_ name: String) -> Kind? {
            if name.hasPrefix("NETS_") { return .net }
            if name.hasPrefix("LIST_") { return .list }
            if name.hasPrefix("PORTS_") { return .port }
            if name.hasPrefix("CLIENTS_") { return .clients }
            return nil
        }
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var entry: String
        public var comment: String
        public init(entry: String, comment: String = "") {
            self.entry = entry
            self.comment = comment
        }
    }

    public static let maxEntries = 65_536

    public var name: String
    public var kind: Kind
    public var description: String
    public var entries: [Entry]

    public init(name: String, kind: Kind, description: String = "", entries: [Entry] = []) {
        self.name = name
        self.kind = kind
        self.description = description
        self.entries = entries
    }

    /// How many members ipset reports for this set: a port range counts each port
    /// (bitmap:port), a network counts once (hash:net).
    public var kernelEntryCount: Int {
        guard kind == .port else { return entries.count }
        var ports = Set<Int>()
        for entry in entries {
            let bounds = entry.entry.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2 { ports.formUnion(bounds[0]...bounds[1]) } else if let port = bounds.first { ports.insert(port) }
        }
        return ports.count
    }

    /// What a valid entry of this kind looks like (for refusals).
    public var entryForms: String {
        switch kind {
        case .port: "a port or LOW-HIGH range"
        case .net, .list: "an IPv4 address or CIDR"
        case .clients: ClientSelector.forms
        }
    }

    /// ipset names: 1–31 of `A-Z a-z 0-9 _ -`.
    public static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 31 &&
            name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }
    }

    /// The canonical form of an entry for this kind, or nil when it does not fit.
    public func normalize(_ raw: String) -> String? {
        let text = raw.trimmed
        switch kind {
        case .clients:
            return ClientSelector(text)?.description
        case .net, .list:
            if let address = IPv4Address(text) { return address.description }
            if let network = IPv4Network(text) { return network.prefixLength == 32 ? network.network.description : network.description }
            return nil
        case .port:
            let bounds = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            let numbers = bounds.compactMap { Int($0) }.filter { (0...65535).contains($0) }
            guard numbers.count == bounds.count else { return nil }
            if numbers.count == 2 {
                guard numbers[0] <= numbers[1] else { return nil }
                return "\(numbers[0])-\(numbers[1])"
            }
            return "\(numbers[0])"
        }
    }
}
