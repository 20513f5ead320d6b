/// Direction of a packet within its flow.
public enum FlowDirection: Int, Sendable {
    case toServer = 0
    case toClient = 1
}

/// The 5-tuple plus VLAN, ordered so both directions share one key.
public struct FlowKey: Hashable, Sendable {
    public var a: IPAddress, b: IPAddress
    public var aPort: UInt16, bPort: UInt16
    public var proto: UInt8
    public var vlan: UInt16

    public init(_ p: Packet) {
        let ports = p.hasPorts
        let sp = ports ? p.srcPort : 0, dp = ports ? p.dstPort : 0
        if (p.src, sp) <= (p.dst, dp) { a = p.src; aPort = sp; b = p.dst; bPort = dp } else { a = p.dst; aPort = dp; b = p.src; bPort = sp }
        proto = p.proto
        vlan = p.vlan ?? 0
    }
}

/// A flow and everything detection keeps per flow.
public final class Flow {
    public let id: UInt64
    public let key: FlowKey
    public var client: IPAddress
    public var clientPort: UInt16
    public var server: IPAddress
    public var serverPort: UInt16
    public let proto: UInt8
    public let ipVersion: Int
    public var lastSeen: UInt32
    public var tcp: TCPSession?
    public var flowbits = Set<String>()
    public var ipOnlyInspected = [false, false]
    /// Whether a packet was seen in each direction.
    public var seen = [false, false]
    public var passed = false
    public var dropped = false
    public var isHTTP = false
    public var appDetectionDone = false
    public var http = HTTPState()
    /// (rule index, transaction index) pairs already decided.
    public var txDecided = Set<Int>()
    /// HTTP prefilter state: (transaction, buffer, side) keys scanned, the first transaction
    /// not yet seen whole, and the HTTP rules whose fast pattern occurred.
    var httpScanned = Set<Int>()
    var httpScanFrom = 0
    var httpCandidates = Set<Int>()
    public var order: Int

    init(id: UInt64, first p: Packet, order: Int) {
        self.id = id
        self.order = order
        key = FlowKey(p)
        client = p.src; clientPort = p.srcPort
        server = p.dst; serverPort = p.dstPort
        proto = p.proto
        ipVersion = p.ipVersion
        lastSeen = p.seconds
    }

    public func direction(of p: Packet) -> FlowDirection {
        if p.src == client && (!p.hasPorts || p.srcPort == clientPort) && (p.src != server || p.srcPort == clientPort) { return .toServer }
        return .toClient
    }

    func swapDirection() {
        swap(&client, &server)
        swap(&clientPort, &serverPort)
    }

    /// Idle timeout in seconds (Suricata's stock flow-timeouts).
    var timeout: UInt32 {
        switch proto {
        case IPProto.tcp:
            guard let tcp else { return 60 }
            switch tcp.state {
            case .established: return 600
            case .closed: return 60
            default: return 60
            }
        default: return 300
        }
    }
}

/// Flows by key, with idle timeouts and a cap on how many are kept.
public struct FlowTable {
    public var flows: [FlowKey: Flow] = [:]
    public var maxFlows = 65_536
    var nextID: UInt64 = 1
    var created = 0

    public init() {}

    /// The flow of a packet; `isNew` when this packet created it. When the table is full,
    /// the oldest sixteenth of the flows is evicted (amortised, so a SYN flood costs
    /// O(log n) per packet) and returned so their data can be flushed.
    mutating func lookup(_ p: Packet) -> (flow: Flow, isNew: Bool, evicted: [Flow]) {
        let key = FlowKey(p)
        if let f = flows[key] { return (f, false, []) }
        var evicted: [Flow] = []
        if flows.count >= maxFlows {
            let n = max(1, maxFlows / 16)
            evicted = Array(flows.values.sorted { ($0.lastSeen, $0.order) < ($1.lastSeen, $1.order) }.prefix(n))
            for f in evicted { flows[f.key] = nil }
        }
        // A stable, positive id in the range Suricata uses (53 bits keep JSON readers exact).
        let id = (nextID &* 0x9E37_79B9_7F4A_7C15) & 0x001F_FFFF_FFFF_FFFF
        nextID += 1
        created += 1
        let f = Flow(id: id, first: p, order: created)
        flows[key] = f
        return (f, true, evicted)
    }

    /// Removes and returns flows idle past their timeout at time `now`.
    mutating func expire(now: UInt32) -> [Flow] {
        let old = flows.values.filter { now > $0.lastSeen && now - $0.lastSeen > $0.timeout }
        for f in old { flows[f.key] = nil }
        return old.sorted { $0.order < $1.order }
    }

    mutating func removeAll() -> [Flow] {
        let all = flows.values.sorted { $0.order < $1.order }
        flows = [:]
        return all
    }
}
