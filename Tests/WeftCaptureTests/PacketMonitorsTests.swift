import Foundation
import Testing
import WeftCapture

/// The manager's bookkeeping without live captures (unit tests may run unprivileged): a
/// fake `/sys/class/net` with an Ethernet `eth9` and a tun `tun9`, a temporary directory.
@Suite struct PacketMonitorsTests {
    let root: String
    let sysfs: String
    let directory: String

    init() throws {
        root = NSTemporaryDirectory() + "weft-capture-tests-\(UUID().uuidString)"
        sysfs = root + "/sys"
        directory = root + "/captures"
        for (name, type) in [("eth9", "1"), ("tun9", "65534")] {
            try FileManager.default.createDirectory(atPath: "\(sysfs)/\(name)", withIntermediateDirectories: true)
            try "\(type)\n".write(toFile: "\(sysfs)/\(name)/type", atomically: true, encoding: .utf8)
        }
    }

    func manager(cap: Int = 1 << 20) -> PacketMonitors {
        PacketMonitors(directory: directory, maxBytesPerMonitor: cap, totalMaxBytes: 4 << 20, sysfs: sysfs)
    }

    func definition(_ name: String, interface: String = "tun9", filter: String = "icmp", type: String = "pcap",
                    destination: String = "file", maxBytes: Int? = nil) throws -> PacketMonitorDefinition {
        try PacketMonitorDefinition(name: name, type: type, interface: interface, filter: filter, duration: "5m",
                                    destination: destination, maxPackets: 100, maxBytes: maxBytes, createdAt: 1_700_000_000)
    }

    func kind(_ body: () throws -> Void) -> CaptureError.Kind? {
        do { try body() } catch let error as CaptureError { return error.kind } catch { return nil }
        return nil
    }

    @Test func createListGetDelete() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let monitors = manager()
        let created = try monitors.create(definition("icmp-1"))
        #expect(created.status == "created" && created.run == nil && created.maxBytes == 1 << 20)
        #expect(monitors.list().map(\.definition.name) == ["icmp-1"])
        #expect(try monitors.get("icmp-1").definition.duration == .seconds(300))
        let sidecar = directory + "/icmp-1.json"
        #expect(FileManager.default.fileExists(atPath: sidecar))
        let mode = try FileManager.default.attributesOfItem(atPath: sidecar)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(kind { _ = try monitors.contents("icmp-1") } == .notFound)       // never started

        let deleted = try await monitors.delete("icmp-1")
        #expect(deleted.definition.name == "icmp-1")
        #expect(monitors.list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: sidecar))
        #expect(kind { _ = try monitors.get("icmp-1") } == .notFound)
    }

    @Test func refusals() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let monitors = manager()
        _ = try monitors.create(definition("one"))
        #expect(kind { _ = try monitors.create(definition("one")) } == .conflict)
        #expect(kind { _ = try monitors.create(definition("bad name")) } == .invalid)
        #expect(kind { _ = try monitors.create(definition(String(repeating: "x", count: 65))) } == .invalid)
        #expect(kind { _ = try monitors.create(definition("ct", type: "conntrack")) } == .unsupported)
        #expect(kind { _ = try monitors.create(definition("nf", type: "netflow")) } == .unsupported)
        #expect(kind { _ = try monitors.create(definition("odd", type: "tcpdump")) } == .invalid)
        #expect(kind { _ = try monitors.create(definition("far", destination: "host:10.0.3.2:4000")) } == .unsupported)
        #expect(kind { _ = try monitors.create(definition("near", destination: "disk")) } == .invalid)
        #expect(kind { _ = try monitors.create(definition("gone", interface: "eth7")) } == .invalid)
        #expect(kind { _ = try monitors.create(definition("typo", filter: "icmpp")) } == .invalid)
        #expect(kind { _ = try monitors.create(definition("huge", maxBytes: 2 << 20)) } == .invalid)
        #expect(kind { _ = try monitors.create(definition("tiny", maxBytes: 100)) } == .invalid)
        // Link-type aware: an Ethernet filter is fine on eth9, not on the tun.
        #expect(kind { _ = try monitors.create(definition("mac", interface: "tun9", filter: "ether broadcast")) } == .invalid)
        #expect(try monitors.create(definition("mac", interface: "eth9", filter: "ether broadcast")).status == "created")
        #expect(kind { _ = try monitors.start("missing") } == .notFound)
        #expect(monitors.list().map(\.definition.name) == ["one", "mac"])   // creation order
    }

    @Test func definitionsSurviveARestartNotRunning() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try manager().create(definition("first", maxBytes: 8192))
        _ = try manager().create(definition("second"))
        // A capture that was running when the daemon stopped: its sidecar says so, and
        // the file holds two complete records and part of a third.
        let frames = [[UInt8](repeating: 1, count: 84), [UInt8](repeating: 2, count: 84), [UInt8](repeating: 3, count: 84)]
        let file = Fixture.pcapFile(linkType: 12, frames: frames)
        try Data(file.dropLast(30)).write(to: URL(fileURLWithPath: directory + "/second.pcap"))
        let sidecar = directory + "/second.json"
        var text = try String(contentsOfFile: sidecar, encoding: .utf8)
        text.removeLast()   // the closing brace
        text += ",\"last_run\":{\"state\":\"running\",\"packets\":1,\"bytes\":124,\"started_at\":1700000100}}"
        try text.write(toFile: sidecar, atomically: true, encoding: .utf8)
        try "not json".write(toFile: directory + "/broken.json", atomically: true, encoding: .utf8)

        let restarted = manager()
        #expect(restarted.loadErrors.count == 1 && restarted.loadErrors[0].hasPrefix("broken.json"))
        let listed = restarted.list()
        #expect(listed.map(\.definition.name) == ["first", "second"])
        #expect(listed[0].status == "created" && listed[0].definition.maxBytes == 8192 && listed[0].maxBytes == 8192)
        #expect(listed[1].status == "stopped" && listed[1].run?.packets == 2 && listed[1].run?.bytes == 24 + 2 * 100)
        #expect(listed[1].run?.reason == "the controller restarted during the capture")
        #expect(listed[1].run?.startedAt == 1_700_000_100)
        #expect(try restarted.contents("second").count == 24 + 2 * 100)
    }

    @Test func stoppedFilesCountAgainstTheTotalCap() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try manager().create(definition("old"))
        let file = Fixture.pcapFile(linkType: 12, frames: Array(repeating: [UInt8](repeating: 7, count: 984), count: 10))
        try Data(file).write(to: URL(fileURLWithPath: directory + "/old.pcap"))
        let sidecar = directory + "/old.json"
        var text = try String(contentsOfFile: sidecar, encoding: .utf8)
        text.removeLast()
        text += ",\"last_run\":{\"state\":\"stopped\",\"packets\":10,\"bytes\":\(file.count),\"started_at\":1700000100,\"ended_at\":1700000200}}"
        try text.write(toFile: sidecar, atomically: true, encoding: .utf8)

        // 4 KiB short of what a new capture needs: refused before any capture opens.
        let monitors = PacketMonitors(directory: directory, maxBytesPerMonitor: 1 << 20,
                                      totalMaxBytes: file.count + PacketCapture.minimumMaxBytes - 1, sysfs: sysfs)
        #expect(try monitors.get("old").run?.bytes == file.count)
        _ = try monitors.create(definition("new"))
        #expect(kind { _ = try monitors.start("new") } == .noSpace)
        #expect(try monitors.get("new").status == "created")
    }

    @Test func definitionFields() throws {
        #expect(PacketMonitorDefinition.validName("a_B-9"))
        #expect(!PacketMonitorDefinition.validName("a.b") && !PacketMonitorDefinition.validName(""))
        #expect(throws: CaptureError.self) { try PacketMonitorDefinition(name: "x", interface: "eth0", duration: "whenever") }
        let forever = try PacketMonitorDefinition(name: "x", interface: "eth0")
        #expect(forever.duration == .forever && forever.type == "pcap" && forever.destination == "file" && forever.filter == "")
    }
}
