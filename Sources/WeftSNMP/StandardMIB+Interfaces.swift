extension StandardMIB {
    /// 1.3.6.1.2.1.2: ifNumber and ifTable.
    public static let interfacesGroup: OID = [1, 3, 6, 1, 2, 1, 2]
    /// 1.3.6.1.2.1.2.2.1: ifEntry.
    public static let ifEntry: OID = interfacesGroup + [2, 1]
    /// 1.3.6.1.2.1.31.1.1.1: ifXEntry.
    public static let ifXEntry: OID = [1, 3, 6, 1, 2, 1, 31, 1, 1, 1]

    /// ifNumber.0 and the ifTable columns (RFC 2863) served: ifIndex 1, ifDescr 2, ifType 3,
    /// ifMtu 4, ifSpeed 5, ifPhysAddress 6, ifAdminStatus 7, ifOperStatus 8, ifInOctets 10,
    /// ifInUcastPkts 11, ifInDiscards 13, ifInErrors 14, ifOutOctets 16, ifOutUcastPkts 17,
    /// ifOutDiscards 19, ifOutErrors 20. Counter32 columns are the kernel's 64-bit counters
    /// modulo 2³²; ifSpeed saturates at 4,294,967,295 bit/s (ifHighSpeed has the rest).
    public static func ifTable(_ interfaces: [InterfaceCounters]) -> [(OID, SNMPValue)] {
        var rows: [(OID, SNMPValue)] = [(interfacesGroup + [1, 0], .integer(Int32(clamping: interfaces.count)))]
        rows.reserveCapacity(1 + interfaces.count * 16)
        for interface in interfaces {
            let i = UInt32(clamping: interface.index)
            let s = interface.statistics
            let columns: [(UInt32, SNMPValue)] = [
                (1, .integer(Int32(clamping: interface.index))),
                (2, .string(interface.name)),
                (3, .integer(interface.ifType)),
                (4, .integer(Int32(clamping: interface.mtu))),
                (5, .gauge32(UInt32(clamping: UInt64(max(0, interface.speedMbps)) &* 1_000_000))),
                (6, .octetString(interface.physicalAddress)),
                (7, .integer(interface.adminUp ? 1 : 2)),
                (8, .integer(interface.operStatus.rawValue)),
                (10, .counter32(wrapping: s.rxBytes)),
                (11, .counter32(wrapping: s.rxUnicastPackets)),
                (13, .counter32(wrapping: s.rxDropped)),
                (14, .counter32(wrapping: s.rxErrors)),
                (16, .counter32(wrapping: s.txBytes)),
                (17, .counter32(wrapping: s.txPackets)),
                (19, .counter32(wrapping: s.txDropped)),
                (20, .counter32(wrapping: s.txErrors)),
            ]
            for (column, value) in columns { rows.append((ifEntry + [column, i], value)) }
        }
        return rows
    }

    /// The ifXTable columns (RFC 2863) served: ifName 1, ifHCInOctets 6, ifHCInUcastPkts 7,
    /// ifHCOutOctets 10, ifHCOutUcastPkts 11 (Counter64), ifHighSpeed 15 (Mbit/s), ifAlias 18.
    public static func ifXTable(_ interfaces: [InterfaceCounters]) -> [(OID, SNMPValue)] {
        var rows: [(OID, SNMPValue)] = []
        rows.reserveCapacity(interfaces.count * 7)
        for interface in interfaces {
            let i = UInt32(clamping: interface.index)
            let s = interface.statistics
            let columns: [(UInt32, SNMPValue)] = [
                (1, .string(interface.name)),
                (6, .counter64(s.rxBytes)),
                (7, .counter64(s.rxUnicastPackets)),
                (10, .counter64(s.txBytes)),
                (11, .counter64(s.txPackets)),
                (15, .gauge(interface.speedMbps)),
                (18, .string(interface.alias)),
            ]
            for (column, value) in columns { rows.append((ifXEntry + [column, i], value)) }
        }
        return rows
    }
}
