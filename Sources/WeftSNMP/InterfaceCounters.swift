/// IF-MIB ifOperStatus values.
public enum IFOperStatus: Int32, Sendable {
    case up = 1, down, testing, unknown, dormant, notPresent, lowerLayerDown
}

/// One network interface with its kernel counters: what ifTable and ifXTable are built from.
public struct InterfaceCounters: Sendable, Equatable {
    /// The kernel ifindex, used as ifIndex.
    public var index: Int
    public var name: String
    /// /sys/class/net/IF/ifalias (ifAlias).
    public var alias: String
    /// IANAifType (6 ethernetCsmacd, 24 softwareLoopback, 131 tunnel, 23 ppp, 1 other).
    public var ifType: Int32
    public var mtu: Int
    /// Megabits per second; 0 when the driver does not say.
    public var speedMbps: Int
    /// ifPhysAddress: the MAC address, empty for interfaces without one.
    public var physicalAddress: [UInt8]
    public var adminUp: Bool
    public var operStatus: IFOperStatus
    public var statistics: DeviceStatistics

    public init(index: Int, name: String, alias: String = "", ifType: Int32 = 6, mtu: Int = 1500, speedMbps: Int = 0,
                physicalAddress: [UInt8] = [], adminUp: Bool = true, operStatus: IFOperStatus = .up,
                statistics: DeviceStatistics = DeviceStatistics()) {
        self.index = index
        self.name = name
        self.alias = alias
        self.ifType = ifType
        self.mtu = mtu
        self.speedMbps = speedMbps
        self.physicalAddress = physicalAddress
        self.adminUp = adminUp
        self.operStatus = operStatus
        self.statistics = statistics
    }
}

/// The kernel's 64-bit per-device counters (a line of /proc/net/dev).
public struct DeviceStatistics: Sendable, Equatable {
    public var rxBytes: UInt64 = 0
    public var rxPackets: UInt64 = 0
    public var rxErrors: UInt64 = 0
    public var rxDropped: UInt64 = 0
    public var rxMulticast: UInt64 = 0
    public var txBytes: UInt64 = 0
    public var txPackets: UInt64 = 0
    public var txErrors: UInt64 = 0
    public var txDropped: UInt64 = 0

    public init(rxBytes: UInt64 = 0, rxPackets: UInt64 = 0, rxErrors: UInt64 = 0, rxDropped: UInt64 = 0, rxMulticast: UInt64 = 0,
                txBytes: UInt64 = 0, txPackets: UInt64 = 0, txErrors: UInt64 = 0, txDropped: UInt64 = 0) {
        self.rxBytes = rxBytes
        self.rxPackets = rxPackets
        self.rxErrors = rxErrors
        self.rxDropped = rxDropped
        self.rxMulticast = rxMulticast
        self.txBytes = txBytes
        self.txPackets = txPackets
        self.txErrors = txErrors
        self.txDropped = txDropped
    }

    /// Received unicast packets: all received packets less the multicast ones (the kernel
    /// counts no broadcasts separately).
    public var rxUnicastPackets: UInt64 { rxPackets >= rxMulticast ? rxPackets - rxMulticast : 0 }
}
