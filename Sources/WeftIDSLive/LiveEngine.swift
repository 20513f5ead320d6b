import Foundation
import WeftIDS

/// The detection engine fed by live traffic: one engine behind a lock, shared by every
/// capture and queue thread, with the rule set swappable whole. In inline mode (`ips`)
/// drop rules drop: `process` says so, and every later packet of that flow is dropped too.
public final class LiveEngine: @unchecked Sendable {
    public struct Counters: Sendable, Equatable {
        public var packets = 0
        public var flows = 0
        public var drops = 0
        public var alerts = 0
        public init() {}
    }

    private let lock = NSLock()
    private var engine: DetectionEngine
    private var counters = Counters()
    private var blockedFlows: Set<FlowKey> = []
    private var disabled: Set<UInt32>
    public let ips: Bool
    private let onAlert: @Sendable (Alert) -> Void
    static let maxBlockedFlows = 65_536

    public init(rules: [Rule], disabled: Set<UInt32> = [], ips: Bool, onAlert: @escaping @Sendable (Alert) -> Void) {
        self.ips = ips
        self.onAlert = onAlert
        self.disabled = disabled
        engine = DetectionEngine(rules: [], options: Self.options(ips: ips)) { _ in }
        engine = makeEngine(rules.filter { !disabled.contains($0.sid) })
    }

    static func options(ips: Bool) -> EngineOptions {
        var o = EngineOptions()
        // Live capture starts in the middle of whatever is flowing.
        o.midstream = true
        o.simulateIPS = ips
        return o
    }

    private func makeEngine(_ rules: [Rule]) -> DetectionEngine {
        // Alerts are raised inside `process`, under the lock.
        DetectionEngine(rules: rules, options: Self.options(ips: ips)) { [unowned self] alert in
            self.counters.alerts += 1
            self.onAlert(alert)
        }
    }

    /// Replaces the rules (built outside the lock, swapped in at once; flow state starts anew).
    public func replace(rules: [Rule], disabled: Set<UInt32>) {
        let fresh = makeEngine(rules.filter { !disabled.contains($0.sid) })
        lock.lock()
        engine = fresh
        self.disabled = disabled
        blockedFlows.removeAll()
        lock.unlock()
    }

    public var rulesLoaded: Int { lock.lock(); defer { lock.unlock() }; return engine.rules.count }

    public var snapshot: Counters {
        lock.lock(); defer { lock.unlock() }
        var c = counters
        c.flows = engine.flowCount
        return c
    }

    /// Inspects one frame; true when it must be dropped (inline mode only).
    @discardableResult
    public func process(_ frame: [UInt8], linkType: LinkType, seconds: UInt32, microseconds: UInt32) -> Bool {
        guard var packet = PacketDecoder.decode(frame, linkType: linkType) else {
            lock.lock(); counters.packets += 1; lock.unlock()
            return false
        }
        packet.seconds = seconds
        packet.microseconds = microseconds
        let key = FlowKey(packet)
        lock.lock()
        defer { lock.unlock() }
        counters.packets += 1
        packet.number = counters.packets
        if ips && blockedFlows.contains(key) {
            counters.drops += 1
            return true
        }
        let before = engine.droppedCount
        engine.process(packet)
        let dropped = ips && engine.droppedCount != before
        if dropped {
            counters.drops += 1
            if blockedFlows.count >= Self.maxBlockedFlows { blockedFlows.removeAll() }
            blockedFlows.insert(key)
        }
        return dropped
    }
}

/// A flow's addresses, ports and protocol, the same whichever way the packet goes.
struct FlowKey: Hashable {
    var a: IPAddress, b: IPAddress, pa: UInt16, pb: UInt16, proto: UInt8
    init(_ p: Packet) {
        if (p.src, p.srcPort) < (p.dst, p.dstPort) {
            a = p.src; b = p.dst; pa = p.srcPort; pb = p.dstPort
        } else {
            a = p.dst; b = p.src; pa = p.dstPort; pb = p.srcPort
        }
        proto = p.proto
    }
}

extension LinkType {
    /// A libpcap DLT_ value as the decoder's link type.
    public static func fromDLT(_ dlt: Int32) -> LinkType? {
        switch dlt {
        case 0: return .null
        case 1: return .ethernet
        case 12, 14, 101: return .raw
        case 113: return .linuxSLL
        default: return nil
        }
    }
}
