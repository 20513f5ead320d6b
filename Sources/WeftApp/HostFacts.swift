import Synchronization
import WeftModel
import WeftSystem

/// What the controller knows about the host it runs on: the uplink, its address and
/// the default gateway. Refreshed at start and whenever interfaces are listed.
public struct HostFacts: Sendable, Equatable {
    public var uplink: String
    public var privateIP: IPv4Address?
    public var gateway: IPv4Address?
    public var interfaces: [NetworkInterface]
}

public final class HostFactsCache: Sendable {
    private let current: Mutex<HostFacts>
    public let inventory: any LinkInventory
    public let options: ControllerOptions

    public init(inventory: any LinkInventory, options: ControllerOptions) {
        self.inventory = inventory
        self.options = options
        current = Mutex(HostFacts(uplink: options.uplink ?? "eth0", privateIP: options.privateIP, gateway: nil, interfaces: []))
    }

    public var facts: HostFacts { current.withLock { $0 } }

    @discardableResult
    public func refresh() async -> HostFacts {
        let links = (try? await inventory.interfaces()) ?? []
        let route = try? await inventory.defaultRoute()
        let uplink = options.uplink ?? route?.device ?? (links.contains { $0.name == "eth0" } ? "eth0" : links.first { $0.name != "lo" }?.name ?? "eth0")
        let address = options.privateIP ?? links.first { $0.name == uplink }?.addresses.first?.address
        let facts = HostFacts(uplink: uplink, privateIP: address, gateway: route?.device == uplink ? route?.gateway : nil, interfaces: links)
        current.withLock { $0 = facts }
        return facts
    }
}
