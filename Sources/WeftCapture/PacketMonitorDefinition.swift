import WeftModel

/// A named packet monitor as `POST /api/packet_monitor` defines it. Only `type: pcap`
/// with `destination: file` is implemented; `conntrack`, `netflow` and `host:...`
/// destinations are refused as unsupported.
public struct PacketMonitorDefinition: Sendable, Equatable {
    public var name: String
    public var type: String
    public var interface: String
    /// BPF expression; "" = every packet.
    public var filter: String
    /// As given ("forever", "60s", "5m"...), parsed into `duration`.
    public var durationText: String
    public var duration: CaptureDuration
    public var destination: String
    public var maxPackets: Int?
    /// File size cap for this monitor (≤ the manager's per-monitor cap); nil = that cap.
    public var maxBytes: Int?
    /// Epoch seconds.
    public var createdAt: Int

    public init(name: String, type: String = "pcap", interface: String, filter: String = "", duration: String = "forever",
                destination: String = "file", maxPackets: Int? = nil, maxBytes: Int? = nil, createdAt: Int = 0) throws(CaptureError) {
        self.name = name
        self.type = type
        self.interface = interface
        self.filter = filter
        durationText = duration
        self.duration = try CaptureDuration.parse(duration)
        self.destination = destination
        self.maxPackets = maxPackets
        self.maxBytes = maxBytes
        self.createdAt = createdAt
    }

    /// Names are file names: 1–64 of `A-Z a-z 0-9 _ -`.
    public static func validName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return (1...64).contains(bytes.count) && bytes.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// Checks what does not need the interface: name, type, destination, and the limits
    /// against `maxBytesCap`. The filter is compiled once the interface's link type is
    /// known (`PacketMonitors.create`).
    public func validate(maxBytesCap: Int) throws(CaptureError) {
        guard Self.validName(name) else {
            throw .invalid("Field \"name\" must be 1 to 64 characters of A-Z a-z 0-9 _ -, got \"\(name)\"")
        }
        switch type {
        case "pcap": break
        case "conntrack", "netflow":
            throw .unsupported("Field \"type\": \"\(type)\" monitors are not supported by Weft; use \"pcap\"")
        default:
            throw .invalid("Field \"type\" must be pcap, conntrack or netflow, got \"\(type)\"")
        }
        if destination.hasPrefix("host:") {
            throw .unsupported("Field \"destination\": streaming to \(destination) is not supported; use \"file\" and download the capture")
        }
        guard destination == "file" else {
            throw .invalid("Field \"destination\" must be \"file\" (or host:ADDRESS:PORT, not supported), got \"\(destination)\"")
        }
        if let maxPackets, maxPackets < 1 {
            throw .invalid("Field \"max_packets\" must be at least 1, got \(maxPackets)")
        }
        if let maxBytes, !(PacketCapture.minimumMaxBytes...maxBytesCap).contains(maxBytes) {
            throw .invalid("Field \"max_bytes\" must be between \(PacketCapture.minimumMaxBytes) and \(maxBytesCap), got \(maxBytes)")
        }
    }

    // MARK: - Sidecar JSON

    var json: JSONValue {
        ["name": .string(name), "type": .string(type), "interface": .string(interface), "filter": .string(filter),
         "duration": .string(durationText), "destination": .string(destination),
         "max_packets": .optional(maxPackets), "max_bytes": .optional(maxBytes), "created_at": .int(createdAt)]
    }

    init(json value: JSONValue) throws(CaptureError) {
        func text(_ key: String) throws(CaptureError) -> String {
            guard case .string(let text)? = value[key] else { throw .invalid("sidecar: \"\(key)\" is missing") }
            return text
        }
        func number(_ key: String) -> Int? {
            if case .int(let number)? = value[key] { return number }
            return nil
        }
        try self.init(name: text("name"), type: text("type"), interface: text("interface"), filter: text("filter"),
                      duration: text("duration"), destination: text("destination"), maxPackets: number("max_packets"),
                      maxBytes: number("max_bytes"), createdAt: number("created_at") ?? 0)
    }
}
