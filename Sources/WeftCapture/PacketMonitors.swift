import Foundation
import Synchronization
import WeftModel

/// Named packet monitors kept under one directory: `NAME.pcap` (the capture) and
/// `NAME.json` (the definition and the last run's counters, written with temp + rename,
/// mode 0600). After a restart the monitors come back as definitions, not running; a
/// monitor that was running when the daemon stopped shows `stopped` with its file's
/// packets counted again.
///
/// Start semantics (as VNS3): `create` only defines a monitor (`created`); `start`
/// begins a capture and replaces the previous file; `start` on a running monitor does
/// nothing. Space: each capture file has a hard cap (`max_bytes`, default and maximum
/// `maxBytesPerMonitor`), and all files together stay under `totalMaxBytes`: a running
/// monitor reserves its whole cap, a stopped one holds its file's size, and `start`
/// shrinks the new capture's cap to what is left (refused when under 4 KiB).
public final class PacketMonitors: Sendable {
    /// Default total space for all capture files: 256 MiB.
    public static let defaultTotalMaxBytes = 256 << 20
    public static let maxMonitors = 32

    public let directory: String
    public let maxBytesPerMonitor: Int
    public let totalMaxBytes: Int
    /// Sidecars that could not be read at start (file name and why).
    public let loadErrors: [String]
    private let sysfs: String
    private let entries: Mutex<[Entry]>

    private struct Entry {
        var definition: PacketMonitorDefinition
        var capture: PacketCapture?
        /// The last run's status when no capture object holds it (restored, or nil = never run).
        var last: CaptureStatus?
        /// Bumped at every start, so a late `onFinish` of an older run is ignored.
        var run = 0
        var deleting = false

        var status: CaptureStatus? { capture?.status ?? last }
        var isRunning: Bool { capture?.status.state == .running }
    }

    public init(directory: String, maxBytesPerMonitor: Int = PacketCapture.defaultMaxBytes,
                totalMaxBytes: Int = PacketMonitors.defaultTotalMaxBytes, sysfs: String = "/sys/class/net") {
        self.directory = directory
        self.maxBytesPerMonitor = maxBytesPerMonitor
        self.totalMaxBytes = totalMaxBytes
        self.sysfs = sysfs
        let (loaded, errors) = Self.load(directory)
        loadErrors = errors
        entries = Mutex(loaded)
    }

    // MARK: - Reading

    public func list() -> [PacketMonitorInfo] {
        entries.withLock { entries in entries.filter { !$0.deleting }.map(info) }
    }

    public func get(_ name: String) throws(CaptureError) -> PacketMonitorInfo {
        try entries.withLock { entries throws(CaptureError) in info(entries[try index(name, in: entries)]) }
    }

    /// The capture file's complete records: while a capture runs, the part already
    /// flushed; otherwise the whole file.
    public func contents(_ name: String) throws(CaptureError) -> [UInt8] {
        let length = try entries.withLock { entries throws(CaptureError) -> Int? in
            entries[try index(name, in: entries)].status?.bytes
        }
        guard let length, let handle = FileHandle(forReadingAtPath: pcapPath(name)) else {
            throw .notFound("Packet monitor \(name) has no capture yet; start it first")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: length)) ?? nil
        return [UInt8](data ?? Data())
    }

    // MARK: - Changing

    /// Defines a monitor (not started). Refuses a bad name, type, destination, limit,
    /// an interface that does not exist, and a filter libpcap does not compile for it.
    public func create(_ definition: PacketMonitorDefinition) throws(CaptureError) -> PacketMonitorInfo {
        try definition.validate(maxBytesCap: maxBytesPerMonitor)
        guard NetworkInterfaceName.exists(definition.interface, sysfs: sysfs) else {
            throw .invalid("Field \"interface\": there is no interface \"\(definition.interface)\" on this controller")
        }
        _ = try PacketFilter.compile(definition.filter, linkType: LinkType.of(interface: definition.interface, sysfs: sysfs) ?? .ethernet)
        return try entries.withLock { entries throws(CaptureError) in
            guard !entries.contains(where: { $0.definition.name == definition.name }) else {
                throw .conflict("Packet monitor \(definition.name) already exists")
            }
            guard entries.count < Self.maxMonitors else {
                throw .noSpace("At most \(Self.maxMonitors) packet monitors can be defined; delete one first")
            }
            let entry = Entry(definition: definition)
            try ensureDirectory()
            try writeSidecar(entry)
            entries.append(entry)
            return info(entry)
        }
    }

    /// Starts a capture (replacing the previous file); a running monitor is left as is.
    public func start(_ name: String) throws(CaptureError) -> PacketMonitorInfo {
        try entries.withLock { entries throws(CaptureError) in
            let position = try index(name, in: entries)
            if entries[position].isRunning { return info(entries[position]) }
            let definition = entries[position].definition
            let others = entries.indices.filter { $0 != position && !entries[$0].deleting }.reduce(0) { sum, other in
                let entry = entries[other]
                if let capture = entry.capture, entry.isRunning { return sum + capture.options.maxBytes }
                return sum + (entry.status?.bytes ?? 0)
            }
            let wanted = min(definition.maxBytes ?? maxBytesPerMonitor, maxBytesPerMonitor)
            let cap = min(wanted, totalMaxBytes - others)
            guard cap >= PacketCapture.minimumMaxBytes else {
                throw .noSpace("No capture space left: other monitors hold \(others) of \(totalMaxBytes) bytes; "
                               + "download and delete some monitors first")
            }
            let options = PacketCapture.Options(interface: definition.interface, filter: definition.filter, duration: definition.duration,
                                                maxPackets: definition.maxPackets, maxBytes: cap)
            let run = entries[position].run + 1
            try ensureDirectory()
            let capture: PacketCapture
            do throws(CaptureError) {
                capture = try PacketCapture.start(options, path: pcapPath(name)) { [weak self] status in
                    self?.finished(name, run: run, status)
                }
            } catch {
                guard error.kind == .notFound else { throw error }
                throw .invalid("Interface \(definition.interface) of packet monitor \(name) does not exist any more: \(error.reason)")
            }
            entries[position].capture = capture
            entries[position].last = nil
            entries[position].run = run
            try? writeSidecar(entries[position])
            return info(entries[position])
        }
    }

    /// Stops a running capture and waits until its file is closed; other states are left as they are.
    public func stop(_ name: String) async throws(CaptureError) -> PacketMonitorInfo {
        let capture = try entries.withLock { entries throws(CaptureError) in entries[try index(name, in: entries)].capture }
        if let capture {
            capture.stop()
            await capture.finished()
        }
        return try get(name)
    }

    /// Stops the monitor and removes its files and definition; returns its last state.
    public func delete(_ name: String) async throws(CaptureError) -> PacketMonitorInfo {
        let capture = try entries.withLock { entries throws(CaptureError) in
            let position = try index(name, in: entries)
            entries[position].deleting = true
            return entries[position].capture
        }
        if let capture {
            capture.stop()
            await capture.finished()
        }
        let last = entries.withLock { entries in entries.first { $0.definition.name == name }.map(info) }
        try? FileManager.default.removeItem(atPath: pcapPath(name))
        try? FileManager.default.removeItem(atPath: sidecarPath(name))
        entries.withLock { entries in entries.removeAll { $0.definition.name == name && $0.deleting } }
        guard let last else { throw .notFound("No packet monitor named \(name)") }
        return last
    }

    /// Stops every running capture (daemon shutdown).
    public func stopAll() async {
        let captures = entries.withLock { entries in entries.compactMap(\.capture) }
        for capture in captures { capture.stop() }
        for capture in captures { await capture.finished() }
    }

    // MARK: - Helpers

    public func pcapPath(_ name: String) -> String { "\(directory)/\(name).pcap" }
    func sidecarPath(_ name: String) -> String { "\(directory)/\(name).json" }

    private func index(_ name: String, in entries: [Entry]) throws(CaptureError) -> Int {
        guard let position = entries.firstIndex(where: { $0.definition.name == name && !$0.deleting }) else {
            throw .notFound("No packet monitor named \(name)")
        }
        return position
    }

    private func info(_ entry: Entry) -> PacketMonitorInfo {
        PacketMonitorInfo(definition: entry.definition, status: entry.status,
                          maxBytes: entry.capture?.options.maxBytes ?? min(entry.definition.maxBytes ?? maxBytesPerMonitor, maxBytesPerMonitor))
    }

    /// A capture thread ended: keep the final counters in the sidecar.
    private func finished(_ name: String, run: Int, _ status: CaptureStatus) {
        entries.withLock { entries in
            guard let position = entries.firstIndex(where: { $0.definition.name == name && !$0.deleting }),
                  entries[position].run == run else { return }
            try? writeSidecar(entries[position], status: status)
        }
    }

    private func ensureDirectory() throws(CaptureError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .failed("Cannot create \(directory): \(error.localizedDescription)")
        }
    }

    private func writeSidecar(_ entry: Entry, status: CaptureStatus? = nil) throws(CaptureError) {
        var object: JSONValue = entry.definition.json
        if case .object(var fields) = object {
            if let run = status ?? entry.status { fields["last_run"] = Self.json(run) }
            object = .object(fields)
        }
        let path = sidecarPath(entry.definition.name)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(JSONWriter.bytes(object)),
                                             attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            throw .failed("Cannot write \(path)")
        }
    }

    static func json(_ status: CaptureStatus) -> JSONValue {
        ["state": .string(status.state.rawValue), "reason": .optional(status.reason), "packets": .int(status.packets),
         "bytes": .int(status.bytes), "dropped": .int(status.kernel.dropped), "interface_dropped": .int(status.kernel.interfaceDropped),
         "started_at": .int(status.startedAt), "ended_at": .optional(status.endedAt)]
    }

    /// Reads the sidecars; monitors come back not running.
    private static func load(_ directory: String) -> ([Entry], [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return ([], []) }
        var entries: [Entry] = []
        var errors: [String] = []
        for file in names.sorted() where file.hasSuffix(".json") {
            let path = "\(directory)/\(file)"
            do {
                guard let data = FileManager.default.contents(atPath: path) else { throw CaptureError.failed("unreadable") }
                let value = try JSONParser.parse([UInt8](data))
                let definition = try PacketMonitorDefinition(json: value)
                guard "\(definition.name).json" == file else { throw CaptureError.invalid("name \(definition.name) does not match the file") }
                entries.append(Entry(definition: definition, last: restoredStatus(value["last_run"], pcap: "\(directory)/\(definition.name).pcap")))
            } catch {
                errors.append("\(file): \(error)")
            }
        }
        entries.sort { ($0.definition.createdAt, $0.definition.name) < ($1.definition.createdAt, $1.definition.name) }
        return (entries, errors)
    }

    /// The last run as the sidecar recorded it; a run that was still going when the daemon
    /// stopped becomes `stopped`, its counters read from the file.
    static func restoredStatus(_ value: JSONValue?, pcap: String) -> CaptureStatus? {
        guard let value, case .string(let stateText)? = value["state"], let state = CaptureStatus.State(rawValue: stateText),
              FileManager.default.fileExists(atPath: pcap) else { return nil }
        func number(_ key: String) -> Int? { if case .int(let number)? = value[key] { return number }; return nil }
        var status = CaptureStatus(state: state, packets: number("packets") ?? 0, bytes: number("bytes") ?? 0,
                                   kernel: KernelCounters(dropped: number("dropped") ?? 0, interfaceDropped: number("interface_dropped") ?? 0),
                                   startedAt: number("started_at") ?? 0, endedAt: number("ended_at"))
        if case .string(let reason)? = value["reason"] { status.reason = reason }
        if state == .running {
            let summary = PcapFile.summarize(path: pcap)
            status.state = .stopped
            status.reason = "the controller restarted during the capture"
            status.packets = summary?.records ?? 0
            status.bytes = summary?.completeBytes ?? 0
        }
        return status
    }
}

/// A monitor as the API lists it: its definition and its current or last run.
public struct PacketMonitorInfo: Sendable, Equatable {
    public var definition: PacketMonitorDefinition
    /// nil: never started.
    public var run: CaptureStatus?
    /// The file size cap of the current run (or of the next one).
    public var maxBytes: Int

    init(definition: PacketMonitorDefinition, status: CaptureStatus?, maxBytes: Int) {
        self.definition = definition
        run = status
        self.maxBytes = maxBytes
    }

    /// "created" (never started), "running", "stopped", "finished", "limit_reached", "failed".
    public var status: String { run?.state.rawValue ?? "created" }
}
