import WeftModel
import WeftSystem

/// A fixed interface list: lo and eth0 unless told otherwise.
public struct FakeLinkInventory: LinkInventory {
    public var links: [NetworkInterface]
    public var route: DefaultRoute?

    public init(links: [NetworkInterface]? = nil, route: DefaultRoute? = DefaultRoute(device: "eth0", gateway: IPv4Address("198.18.0.1"))) {
        self.links = links ?? [
            NetworkInterface(index: 1, name: "lo", mtu: 65536, up: true, kind: "loopback",
                             addresses: [.init(address: IPv4Address(127, 0, 0, 1), prefixLength: 8)]),
            NetworkInterface(index: 2, name: "eth0", mtu: 1500, up: true, kind: "veth",
                             addresses: [.init(address: IPv4Address(198, 18, 0, 11), prefixLength: 24)]),
        ]
        self.route = route
    }

    public func interfaces() async throws -> [NetworkInterface] { links }
    public func defaultRoute() async throws -> DefaultRoute? { route }
}
