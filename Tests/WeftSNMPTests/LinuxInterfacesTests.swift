import Foundation
import Testing
import WeftSNMP

@Suite struct LinuxInterfacesTests {
    static let procNetDev = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:    6386      58    0    0    0     0          0         0     6386      58    0    0    0     0       0          0
          eth0: 5000000000 4000000    3    7    0     0          0      1000 123456   789    1    2    0     0       0          0
          tun0:0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
        broken: 1 2 3
        """

    @Test func procNetDevColumns() {
        let stats = LinuxInterfaces.parseProcNetDev(Self.procNetDev)
        #expect(stats.keys.sorted() == ["eth0", "lo", "tun0"])
        #expect(stats["eth0"] == DeviceStatistics(rxBytes: 5_000_000_000, rxPackets: 4_000_000, rxErrors: 3, rxDropped: 7, rxMulticast: 1000,
                                                  txBytes: 123_456, txPackets: 789, txErrors: 1, txDropped: 2))
        #expect(stats["eth0"]?.rxUnicastPackets == 3_999_000)
        #expect(stats["lo"]?.rxBytes == 6386)
    }

    @Test func attributeFiles() {
        let eth0 = LinuxInterfaces.interface(name: "eth0", attributes: [
            "ifindex": "2\n", "mtu": "1500\n", "operstate": "up\n", "flags": "0x1003\n", "address": "02:42:ac:11:00:02\n",
            "type": "1\n", "speed": "10000\n", "ifalias": "uplink\n",
        ], statistics: nil)
        #expect(eth0 == InterfaceCounters(index: 2, name: "eth0", alias: "uplink", ifType: 6, mtu: 1500, speedMbps: 10_000,
                                          physicalAddress: [0x02, 0x42, 0xac, 0x11, 0x00, 0x02], adminUp: true, operStatus: .up))
        // Loopback: operstate unknown, all-zero address, speed unreadable (EINVAL: no file text).
        let lo = LinuxInterfaces.interface(name: "lo", attributes: [
            "ifindex": "1", "mtu": "65536", "operstate": "unknown", "flags": "0x9", "address": "00:00:00:00:00:00", "type": "772",
        ], statistics: nil)
        #expect(lo?.ifType == 24 && lo?.operStatus == .up && lo?.physicalAddress == [] && lo?.speedMbps == 0)
        // A tun device that is down; speed -1 (unknown) reads as 0.
        let tun = LinuxInterfaces.interface(name: "tun0", attributes: [
            "ifindex": "7", "operstate": "unknown", "flags": "0x1090", "address": "", "type": "65534", "speed": "-1",
        ], statistics: nil)
        #expect(tun?.adminUp == false && tun?.operStatus == .down && tun?.ifType == 131 && tun?.speedMbps == 0)
        #expect(LinuxInterfaces.interface(name: "x", attributes: ["ifindex": "zero"], statistics: nil) == nil)
    }

    @Test func smallParsers() {
        #expect(LinuxInterfaces.parseFlags("0x1003") == 0x1003)
        #expect(LinuxInterfaces.parseFlags("junk") == nil)
        #expect(LinuxInterfaces.parseMAC("aa:bb:cc:dd:ee:ff") == [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff])
        #expect(LinuxInterfaces.parseMAC("zz:00") == [])
        #expect(LinuxInterfaces.operStatus(operstate: "lowerlayerdown", adminUp: true) == .lowerLayerDown)
        #expect(LinuxInterfaces.operStatus(operstate: "down", adminUp: true) == .down)
        #expect(LinuxInterfaces.ifType(arpType: 1) == 6 && LinuxInterfaces.ifType(arpType: 9999) == 1)
    }

    @Test func readsAFixtureTree() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("weft-snmp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let net = root.appendingPathComponent("net")
        for (name, index) in [("eth0", "2"), ("lo", "1")] {
            let dir = net.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try "\(index)\n".write(to: dir.appendingPathComponent("ifindex"), atomically: true, encoding: .utf8)
            try "0x1003\n".write(to: dir.appendingPathComponent("flags"), atomically: true, encoding: .utf8)
        }
        let dev = root.appendingPathComponent("dev")
        try Self.procNetDev.write(to: dev, atomically: true, encoding: .utf8)
        let read = LinuxInterfaces.read(sysClassNet: net.path, procNetDev: dev.path)
        #expect(read.map(\.name) == ["lo", "eth0"])
        #expect(read.last?.statistics.rxBytes == 5_000_000_000)
        #expect(LinuxInterfaces.read(sysClassNet: "/nonexistent", procNetDev: "/nonexistent") == [])
    }

    @Test func readsThisMachine() {
        // Whatever namespace the tests run in has at least a loopback device.
        let interfaces = LinuxInterfaces.read()
        #expect(interfaces.contains { $0.name == "lo" && $0.ifType == 24 })
        #expect(interfaces.map(\.index) == interfaces.map(\.index).sorted())
    }
}
