/// The Weft numbers served under the enterprise subtree, supplied by the daemon.
public struct WeftCounters: Sendable, Equatable {
    public var clientpacksConnected: Int
    public var clientpacksTotal: Int
    public var tunnelsUp: Int
    public var tunnelsConfigured: Int
    public var peersUp: Int
    public var version: String

    public init(clientpacksConnected: Int = 0, clientpacksTotal: Int = 0, tunnelsUp: Int = 0, tunnelsConfigured: Int = 0,
                peersUp: Int = 0, version: String = "") {
        self.clientpacksConnected = clientpacksConnected
        self.clientpacksTotal = clientpacksTotal
        self.tunnelsUp = tunnelsUp
        self.tunnelsConfigured = tunnelsConfigured
        self.peersUp = peersUp
        self.version = version
    }
}

/// The controller's MIB: MIB-II `system`, IF-MIB `ifNumber`, `ifTable` and `ifXTable`, and
/// the Weft enterprise subtree. Each part is a pure builder; `snapshot()` calls the two
/// closures once and assembles them.
///
/// Enterprise number: **99999 is a placeholder, not registered with IANA** (the Private
/// Enterprise Number registry). Every Weft OID derives from `enterprise`, so a registered
/// number replaces it in one place.
///
///     1.3.6.1.4.1.99999.1.1.0  weftClientpacksConnected  Gauge32
///     1.3.6.1.4.1.99999.1.2.0  weftClientpacksTotal      Gauge32
///     1.3.6.1.4.1.99999.1.3.0  weftTunnelsUp             Gauge32
///     1.3.6.1.4.1.99999.1.4.0  weftTunnelsConfigured     Gauge32
///     1.3.6.1.4.1.99999.1.5.0  weftPeersUp               Gauge32
///     1.3.6.1.4.1.99999.1.6.0  weftVersion               OCTET STRING
///     1.3.6.1.4.1.99999.2.1    weftController            (the sysObjectID value)
public struct StandardMIB: SNMPDataSource {
    public static let enterprise: OID = [1, 3, 6, 1, 4, 1, 99999]
    public static let weftStatus: OID = enterprise + [1]
    /// sysObjectID.0: the product OID of a Weft controller.
    public static let controllerObjectID: OID = enterprise + [2, 1]

    public static let system: OID = [1, 3, 6, 1, 2, 1, 1]
    /// sysServices.0: network (4) + end-to-end (8) + applications (64): a router that also
    /// terminates tunnels and serves an API.
    public static let services: Int32 = 76

    public let sysName: String
    public let sysDescr: String
    public let sysContact: String
    public let sysLocation: String
    public let startedAt: ContinuousClock.Instant
    let weft: @Sendable () -> WeftCounters
    let interfaces: @Sendable () -> [InterfaceCounters]

    /// - Parameters:
    ///   - startedAt: sysUpTime counts hundredths of a second from here (the agent's start).
    ///   - weft: the controller's current counters; called once per snapshot (at most once a
    ///     second with the agent's cache), on the agent's thread: it must not block.
    ///   - interfaces: the interface list; `LinuxInterfaces.read` by default.
    public init(sysName: String, sysDescr: String, sysContact: String = "", sysLocation: String = "",
                startedAt: ContinuousClock.Instant = .now,
                weft: @escaping @Sendable () -> WeftCounters,
                interfaces: @escaping @Sendable () -> [InterfaceCounters] = LinuxInterfaces.read) {
        self.sysName = sysName
        self.sysDescr = sysDescr
        self.sysContact = sysContact
        self.sysLocation = sysLocation
        self.startedAt = startedAt
        self.weft = weft
        self.interfaces = interfaces
    }

    public func snapshot() -> [(OID, SNMPValue)] {
        let list = interfaces()
        return systemGroup(upTime: StandardMIB.timeTicks(since: startedAt, now: .now))
            + StandardMIB.ifTable(list) + StandardMIB.ifXTable(list) + StandardMIB.weftGroup(weft())
    }

    /// MIB-II system group (RFC 3418), scalars .1.0 to .7.0.
    public func systemGroup(upTime: UInt32) -> [(OID, SNMPValue)] {
        let s = StandardMIB.system
        return [
            (s + [1, 0], .string(sysDescr)),
            (s + [2, 0], .objectIdentifier(StandardMIB.controllerObjectID)),
            (s + [3, 0], .timeTicks(upTime)),
            (s + [4, 0], .string(sysContact)),
            (s + [5, 0], .string(sysName)),
            (s + [6, 0], .string(sysLocation)),
            (s + [7, 0], .integer(StandardMIB.services)),
        ]
    }

    /// The Weft enterprise scalars.
    public static func weftGroup(_ counters: WeftCounters) -> [(OID, SNMPValue)] {
        let w = weftStatus
        return [
            (w + [1, 0], .gauge(counters.clientpacksConnected)),
            (w + [2, 0], .gauge(counters.clientpacksTotal)),
            (w + [3, 0], .gauge(counters.tunnelsUp)),
            (w + [4, 0], .gauge(counters.tunnelsConfigured)),
            (w + [5, 0], .gauge(counters.peersUp)),
            (w + [6, 0], .string(counters.version)),
        ]
    }

    /// Hundredths of a second from `start` to `now`, wrapping at 2³² (497 days) as TimeTicks do.
    public static func timeTicks(since start: ContinuousClock.Instant, now: ContinuousClock.Instant) -> UInt32 {
        let elapsed = now - start
        guard elapsed > .zero else { return 0 }
        let (seconds, attoseconds) = elapsed.components
        let hundredths = UInt64(seconds) &* 100 &+ UInt64(attoseconds / 10_000_000_000_000_000)
        return UInt32(truncatingIfNeeded: hundredths)
    }
}
