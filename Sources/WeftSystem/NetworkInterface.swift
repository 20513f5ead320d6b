import WeftModel

/// One network interface as the kernel reports it.
public struct NetworkInterface: Sendable, Equatable {
    public struct Address: Sendable, Equatable {
        public let address: IPv4Address
        public let prefixLength: Int

        public init(address: IPv4Address, prefixLength: Int) {
            self.address = address
            self.prefixLength = prefixLength
        }
    }

    public let index: Int
    public let name: String
    public let mtu: Int
    public let up: Bool
    public let kind: String
    public let addresses: [Address]

    public init(index: Int, name: String, mtu: Int, up: Bool, kind: String, addresses: [Address]) {
        self.index = index
        self.name = name
        self.mtu = mtu
        self.up = up
        self.kind = kind
        self.addresses = addresses
    }
}

/// The route the host uses by default.
public struct DefaultRoute: Sendable, Equatable {
    public let device: String
    public let gateway: IPv4Address?

    public init(device: String, gateway: IPv4Address?) {
        self.device = device
        self.gateway = gateway
    }
}

/// Interface and route inventory.
public protocol LinkInventory: Sendable {
    func interfaces() async throws -> [NetworkInterface]
    func defaultRoute() async throws -> DefaultRoute?
}

/// Reads `ip -j addr` / `ip -j route` (iproute2's JSON output).
public struct IPRouteInventory: LinkInventory {
    let runner: any CommandRunner

    public init(runner: any CommandRunner = ProcessRunner()) { self.runner = runner }

    public func interfaces() async throws -> [NetworkInterface] {
        try IPRouteJSON.interfaces(try await runner.check(["ip", "-j", "-d", "addr", "show"]))
    }

    public func defaultRoute() async throws -> DefaultRoute? {
        try IPRouteJSON.defaultRoute(try await runner.check(["ip", "-j", "-4", "route", "show", "default"]))
    }
}

/// Pure parsers for iproute2's JSON.
public enum IPRouteJSON {
    public static func interfaces(_ text: String) throws -> [NetworkInterface] {
        guard case .array(let links) = try parse(text) else { throw SystemError.parse("ip -j addr: expected an array") }
        return links.compactMap { link -> NetworkInterface? in
            guard case .string(let name)? = link["ifname"], case .int(let index)? = link["ifindex"] else { return nil }
            var mtu = 0
            if case .int(let value)? = link["mtu"] { mtu = value }
            var up = false
            if case .array(let flags)? = link["flags"] { up = flags.contains(.string("UP")) }
            var kind = "ether"
            if case .string(let linkType)? = link["link_type"] { kind = linkType }
            if case .string(let infoKind)? = link["linkinfo"]?["info_kind"] { kind = infoKind }
            var addresses: [NetworkInterface.Address] = []
            if case .array(let infos)? = link["addr_info"] {
                for info in infos {
                    guard case .string("inet")? = info["family"], case .string(let local)? = info["local"],
                          let address = IPv4Address(local), case .int(let prefix)? = info["prefixlen"] else { continue }
                    addresses.append(.init(address: address, prefixLength: prefix))
                }
            }
            return NetworkInterface(index: index, name: name, mtu: mtu, up: up, kind: kind, addresses: addresses)
        }
    }

    public static func defaultRoute(_ text: String) throws -> DefaultRoute? {
        guard case .array(let routes) = try parse(text) else { throw SystemError.parse("ip -j route: expected an array") }
        for route in routes {
            guard case .string(let device)? = route["dev"] else { continue }
            var gateway: IPv4Address?
            if case .string(let via)? = route["gateway"] { gateway = IPv4Address(via) }
            return DefaultRoute(device: device, gateway: gateway)
        }
        return nil
    }

    static func parse(_ text: String) throws -> JSONValue {
        let trimmed = text.trimmed
        if trimmed.isEmpty { return .array([]) }
        do {
            return try JSONParser.parse(trimmed)
        } catch {
            throw SystemError.parse("iproute2 JSON: \(error)")
        }
    }
}
