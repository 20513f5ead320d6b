/// The overlay addressing plan that VNS3 calls the licence parameters: overlay subnet,
/// controller ("manager") addresses with their ASNs, and the client addresses.
public struct Topology: Sendable, Equatable, Codable {
    public var subnet: IPv4Network
    public var managers: [IPv4Address]
    public var asns: [Int]
    public var clients: [IPv4Address]
    public var managerVIP: IPv4Address?

    public init(subnet: IPv4Network, managers: [IPv4Address], asns: [Int], clients: [IPv4Address], managerVIP: IPv4Address? = nil) {
        self.subnet = subnet
        self.managers = managers
        self.asns = asns
        self.clients = clients
        self.managerVIP = managerVIP
    }

    /// VNS3's default topology: 100.127.255.192/26, controllers .253 .252 .251 .250,
    /// ASNs 65001–65004, every other host address a client.
    public static let `default`: Topology = {
        let subnet = IPv4Network("100.127.255.192/26")!
        let managers = (0..<4).map { IPv4Address(subnet.broadcast.value - 2 - UInt32($0)) }
        return Topology(subnet: subnet, managers: managers, asns: [65001, 65002, 65003, 65004],
                        clients: Topology.defaultClients(subnet: subnet, excluding: managers, vip: nil))
    }()

    /// Largest client count a topology may carry (one key pair and certificate each).
    public static let maxClients = 16_384

    static func defaultClients(subnet: IPv4Network, excluding managers: [IPv4Address], vip: IPv4Address?) -> [IPv4Address] {
        guard let hosts = subnet.hosts else { return [] }
        let taken = Set(managers.map(\.value) + (vip.map { [$0.value] } ?? []))
        var result: [IPv4Address] = []
        for value in hosts where !taken.contains(value) {
            result.append(IPv4Address(value))
            if result.count == maxClients { break }
        }
        return result
    }

    /// The overlay address of the controller with peer id `peerID` (1-based).
    public func managerAddress(peerID: Int) -> IPv4Address? {
        managers.indices.contains(peerID - 1) ? managers[peerID - 1] : nil
    }

    public func asn(peerID: Int) -> Int? {
        asns.indices.contains(peerID - 1) ? asns[peerID - 1] : nil
    }

    /// Parses and validates VNS3 licence parameters (strings as the SDK sends them).
    /// Missing parts fall back to the default topology's conventions for the subnet.
    public static func fromParameters(subnet subnetText: String?, managers managersText: String?, asns asnsText: String?,
                                      clients clientsText: String?, managerVIP vipText: String?) throws(ValidationError) -> Topology {
        guard let subnetText, !subnetText.isEmpty else {
            throw ValidationError(field: "subnet", "subnet is required unless default is true")
        }
        guard let subnet = IPv4Network(subnetText.trimmed, strict: true) else {
            throw ValidationError(field: "subnet", "subnet must be an IPv4 network in CIDR notation with no host bits set, got \"\(subnetText)\"")
        }
        guard subnet.prefixLength <= 29 else {
            throw ValidationError(field: "subnet", "subnet \(subnet) is too small: at least a /29 is needed for a controller and clients")
        }
        var managers: [IPv4Address] = []
        if let managersText, !managersText.trimmed.isEmpty {
            for word in managersText.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
                guard let address = IPv4Address(word) else {
                    throw ValidationError(field: "managers", "invalid controller address \"\(word)\"")
                }
                guard subnet.contains(address), address != subnet.network, address != subnet.broadcast else {
                    throw ValidationError(field: "managers", "controller address \(address) is not a host address of \(subnet)")
                }
                guard !managers.contains(address) else {
                    throw ValidationError(field: "managers", "controller address \(address) is listed twice")
                }
                managers.append(address)
            }
        } else {
            managers = [IPv4Address(subnet.broadcast.value - 2)]
        }
        guard managers.count <= 32 else { throw ValidationError(field: "managers", "at most 32 controllers are supported") }
        var asns: [Int] = []
        if let asnsText, !asnsText.trimmed.isEmpty {
            for word in asnsText.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
                guard let asn = Int(word), (1...4_294_967_294).contains(asn) else {
                    throw ValidationError(field: "asns", "invalid asns field: \"\(word)\" is not an AS number")
                }
                asns.append(asn)
            }
            guard asns.count == managers.count else {
                throw ValidationError(field: "asns", "invalid asns field: \(asns.count) ASNs for \(managers.count) controllers")
            }
        } else {
            asns = managers.indices.map { 65001 + $0 }
        }
        var vip: IPv4Address?
        if let vipText, !vipText.trimmed.isEmpty {
            guard let address = IPv4Address(vipText.trimmed), subnet.contains(address),
                  address != subnet.network, address != subnet.broadcast else {
                throw ValidationError(field: "my_manager_vip", "my_manager_vip must be a host address of \(subnet)")
            }
            guard !managers.contains(address) else {
                throw ValidationError(field: "my_manager_vip", "my_manager_vip \(address) is also a controller address")
            }
            vip = address
        }
        let clients: [IPv4Address]
        if let clientsText, !clientsText.trimmed.isEmpty {
            clients = try parseClients(clientsText, subnet: subnet, reserved: Set(managers + (vip.map { [$0] } ?? [])))
        } else {
            clients = defaultClients(subnet: subnet, excluding: managers, vip: vip)
        }
        guard !clients.isEmpty else {
            throw ValidationError(field: "subnet", "subnet \(subnet) leaves no client addresses after \(managers.count) controllers")
        }
        return Topology(subnet: subnet, managers: managers, asns: asns, clients: clients, managerVIP: vip)
    }

    /// "a,b,c" or "a-b" (or a mix: "a-b,c").
    static func parseClients(_ text: String, subnet: IPv4Network, reserved: Set<IPv4Address>) throws(ValidationError) -> [IPv4Address] {
        var seen = Set<UInt32>()
        var result: [IPv4Address] = []
        for part in text.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2,
                  let low = IPv4Address(bounds[0]), let high = IPv4Address(bounds.last!), low <= high else {
                throw ValidationError(field: "clients", "invalid client address or range \"\(part)\"")
            }
            for value in low.value...high.value {
                let address = IPv4Address(value)
                guard subnet.contains(address), address != subnet.network, address != subnet.broadcast else {
                    throw ValidationError(field: "clients", "client address \(address) is not a host address of \(subnet)")
                }
                guard !reserved.contains(address) else {
                    throw ValidationError(field: "clients", "client address \(address) is a controller address")
                }
                if seen.insert(value).inserted { result.append(address) }
                guard result.count <= maxClients else {
                    throw ValidationError(field: "clients", "at most \(maxClients) clients are supported")
                }
            }
        }
        return result
    }
}

extension IPv4Address: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPv4Address(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid IPv4 address \(text)"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension IPv4Network: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let network = IPv4Network(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid IPv4 network \(text)"))
        }
        self = network
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension StringProtocol {
    public var trimmed: String {
        // Fast path: nothing to trim (ASCII non-space at both ends).
        let text = String(self)
        if let first = text.utf8.first, first > 0x20, first < 0x80,
           let last = text.utf8.last, last > 0x20, last < 0x80 { return text }
        var view = Substring(text)
        while let c = view.first, c.isWhitespace { view = view.dropFirst() }
        while let c = view.last, c.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
