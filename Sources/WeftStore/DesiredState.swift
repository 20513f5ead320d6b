import GRDB
import WeftModel

/// An immutable snapshot of everything the controller should be, read in one
/// transaction with the generation it corresponds to. Reconcilers and read-mostly API
/// handlers work from this; it is swapped atomically after each write.
public struct DesiredState: Sendable, Equatable {
    public var generation: Int
    public var controller: ControllerSettings
    public var license: LicenseState?
    public var peering: PeeringSelf
    public var keyset: KeysetSummary?
    public var host: HostSettings
    public var firewall: FirewallPolicy
    public var clientpacks: ClientpackStates
    /// WireGuard public keys of the overlay (nil until there is a keyset).
    public var overlayKeys: OverlayKeys?
    public var ipsec: IpsecConfig
    public var routes: RouteConfig
    public var alerting: AlertingConfig
    public var peers: PeeringPeers
    /// Rules Weft generates for plugin instances (firewall presets), in its own chains.
    public var pluginFirewall = PluginFirewall()

    public init(generation: Int = 0, controller: ControllerSettings = .init(), license: LicenseState? = nil,
                peering: PeeringSelf = .init(), keyset: KeysetSummary? = nil, host: HostSettings = .init(),
                firewall: FirewallPolicy = .init(), clientpacks: ClientpackStates = .init(), overlayKeys: OverlayKeys? = nil,
                ipsec: IpsecConfig = .init(), routes: RouteConfig = .init(), alerting: AlertingConfig = .init(),
                peers: PeeringPeers = .init(), pluginFirewall: PluginFirewall = .init()) {
        self.peers = peers
        self.pluginFirewall = pluginFirewall
        self.alerting = alerting
        self.ipsec = ipsec
        self.routes = routes
        self.firewall = firewall
        self.clientpacks = clientpacks
        self.overlayKeys = overlayKeys
        self.generation = generation
        self.controller = controller
        self.license = license
        self.peering = peering
        self.keyset = keyset
        self.host = host
    }

    public var topology: Topology? { license?.topology }
    public var licensed: Bool { license != nil }
}

extension Store {
    public func desiredState() throws -> DesiredState {
        try read { db in try Store.desiredState(in: db) }
    }

    public static func desiredState(in db: Database) throws -> DesiredState {
            DesiredState(
                generation: try Int.fetchOne(db, sql: "SELECT value FROM generation WHERE id = 1") ?? 0,
                controller: try Store.get(.controller, in: db) ?? .init(),
                license: try Store.get(.license, in: db),
                peering: try Store.get(.peering, in: db) ?? .init(),
                keyset: try Store.keysetSummary(in: db),
                firewall: try Store.get(.firewall, in: db) ?? .init(),
                clientpacks: try Store.get(.clientpacks, in: db) ?? .init(),
                overlayKeys: try Store.overlayKeys(in: db),
                ipsec: try Store.get(.ipsec, in: db) ?? .init(),
                routes: try Store.get(.routes, in: db) ?? .init(),
                alerting: try Store.get(.alerting, in: db) ?? .init(),
                peers: try Store.get(.peeringPeers, in: db) ?? .init(),
                pluginFirewall: try Store.pluginFirewall(in: db))
    }
}
