import Foundation
import Logging
import WeftFirewall
import WeftIDS
import WeftIDSLive
import WeftModel

/// The built-in IDS while the controller runs: one live engine fed by libpcap (passive)
/// or NFQUEUE (inline), started, re-ruled and stopped by `reload()` from what the store
/// holds. Every alert goes to fast.log and eve.json under `DATA/ids`, into the recent
/// alerts (newest first for the API), a per-signature hit count and Prometheus counter,
/// and out as the Weft alert event `ids_alert`, at most once per signature per
/// `raiseInterval` (the rest counted as suppressed in the next one).
public final class IDSService: @unchecked Sendable {
    public struct AlertRecord: Sendable {
        public let time: Double
        public let sid: UInt32
        public let src: String
        public let dest: String
        public let msg: String
        public let eve: String
    }

    public struct Status: Sendable {
        public var running: Bool
        public var mode: IDSConfig.Mode?
        public var failOpen: Bool?
        public var interfaces: [String: String]
        public var queue: String?
        public var error: String?
    }

    public struct Stats: Sendable {
        public var packets = 0, flows = 0, drops = 0, alerts = 0, kernelDrops = 0, rulesLoaded = 0
        public var accepted = 0
        public var hits: [UInt32: Int] = [:]
    }

    public static let queueNumber: UInt16 = 70
    public static let keepAlerts = 10_000
    public static let logBytes = 8 << 20
    public static let raiseInterval = 60.0

    let controller: Controller
    let fast: RotatingLog
    let eve: RotatingLog
    /// Raises a Weft alert event (name, message, fields): the dispatcher's `raise`.
    private let raise: @Sendable (String, String, [String: String]) -> Void

    // Guarded by `lock` (start, stop, swap); never held while an alert is recorded.
    private let lock = NSLock()
    private var engine: LiveEngine?
    private var capture: PassiveCapture?
    private var queue: InlineQueue?
    private var running: IDSConfig?
    private var lastError: String?
    private var loaded: [Rule] = []

    // Guarded by `alertLock` (taken on the engine's threads, inside the engine's lock).
    private let alertLock = NSLock()
    private var recent: [AlertRecord] = []
    private var hits: [UInt32: Int] = [:]
    private var lastRaised: [UInt32: (time: Double, suppressed: Int)] = [:]

    public init(controller: Controller, directory: String, raise: @escaping @Sendable (String, String, [String: String]) -> Void) {
        self.controller = controller
        self.raise = raise
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        fast = RotatingLog(path: directory + "/fast.log", maxBytes: Self.logBytes)
        eve = RotatingLog(path: directory + "/eve.json", maxBytes: Self.logBytes)
        // The alerts of earlier runs, read back from eve.json (the rotated file, then the current one).
        var old = Self.records(eve: (FileManager.default.contents(atPath: eve.path + ".1").map { [UInt8]($0) } ?? []) + eve.contents())
        if old.count > Self.keepAlerts { old.removeFirst(old.count - Self.keepAlerts) }
        recent = old
        for r in old { hits[r.sid, default: 0] += 1 }
    }

    /// Alert records from eve.json lines (other lines and damaged ones are skipped).
    static func records(eve bytes: [UInt8]) -> [AlertRecord] {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ"
        var out: [AlertRecord] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let value = try? JSONParser.parse(line), value["event_type"] == .string("alert"),
                  case .int(let sid)? = value["alert"]?["signature_id"], let id = UInt32(exactly: sid),
                  case .string(let stamp)? = value["timestamp"], let date = format.date(from: stamp) else { continue }
            var src = "", dest = "", msg = ""
            if case .string(let s)? = value["src_ip"] { src = s }
            if case .string(let s)? = value["dest_ip"] { dest = s }
            if case .string(let s)? = value["alert"]?["signature"] { msg = s }
            out.append(AlertRecord(time: date.timeIntervalSince1970, sid: id, src: src, dest: dest, msg: msg,
                                   eve: String(decoding: line, as: UTF8.self)))
        }
        return out
    }

    /// Brings the running engine in line with the stored configuration, rules and variables.
    public func reload() {
        let config = controller.idsConfig
        let stored = controller.idsRuleText
        lock.lock()
        defer { lock.unlock() }
        let set: RuleSet
        do { set = try Controller.parseIDSRules(stored.text, variables: controller.idsVariables) } catch {
            lastError = "\(error)"
            controller.logger.error("IDS rules not loaded", metadata: ["error": "\(error)"])
            return
        }
        let disabled = Set(stored.disabled)
        loaded = set.rules
        guard config.enabled else {
            retireQueue()
            stopLocked()
            running = nil
            lastError = nil
            steer(nil)
            return
        }
        if let engine, let running, running == config {
            engine.replace(rules: set.rules, disabled: disabled)
            return
        }
        if config.mode != .inline || config.interfaces != running?.interfaces { retireQueue() }
        stopLocked()
        let fresh = LiveEngine(rules: set.rules, disabled: disabled, ips: config.mode == .inline) { [weak self] alert in
            self?.record(alert)
        }
        engine = fresh
        switch config.mode {
        case .passive:
            let c = PassiveCapture(engine: fresh, interfaces: config.interfaces)
            c.start()
            capture = c
            steer(nil)
        case .inline:
            let q = InlineQueue(engine: fresh, queue: Self.queueNumber, failOpen: config.failOpen)
            q.start()
            queue = q
            steer(IDSSteering(interfaces: config.interfaces, queue: Int(Self.queueNumber), bypass: config.failOpen))
        }
        running = config
        lastError = nil
        controller.logger.notice("IDS running", metadata: ["ids.mode": "\(config.mode.rawValue)", "ids.interfaces": "\(config.interfaces)",
                                                          "ids.fail_open": "\(config.failOpen)", "ids.rules": "\(set.rules.count)"])
    }

    /// Leaving inline mode: the queue keeps answering until the firewall pass has taken the
    /// steering out, so fail-closed steering never meets a queue nobody reads.
    private func retireQueue() {
        guard let old = queue else { return }
        queue = nil
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.retireDelay) { old.stop() }
    }

    static let retireDelay = 10.0

    private func stopLocked() {
        capture?.stop()
        queue?.stop()
        capture = nil
        queue = nil
        engine = nil
    }

    private func steer(_ steering: IDSSteering?) {
        guard let firewall = controller.firewall, firewall.idsSteering != steering else { return }
        firewall.setIDSSteering(steering)
        controller.reconciler.wake()
    }

    // MARK: alerts

    func record(_ alert: WeftIDS.Alert) {
        let eveLine = AlertFormat.eveLine(alert)
        let fastLine = AlertFormat.fastLine(alert)
        eve.write(eveLine)
        fast.write(fastLine)
        let p = alert.packet, r = alert.rule
        let src = p.src.suricataText, dest = p.dst.suricataText
        let now = Date().timeIntervalSince1970
        let record = AlertRecord(time: Double(p.seconds) + Double(p.microseconds) / 1e6, sid: r.sid, src: src, dest: dest, msg: r.msg, eve: eveLine)
        var suppressed: Int?
        alertLock.lock()
        recent.append(record)
        if recent.count > Self.keepAlerts + Self.keepAlerts / 10 { recent.removeFirst(recent.count - Self.keepAlerts) }
        hits[r.sid, default: 0] += 1
        if let last = lastRaised[r.sid], now - last.time < Self.raiseInterval {
            lastRaised[r.sid]!.suppressed += 1
        } else {
            suppressed = lastRaised[r.sid]?.suppressed ?? 0
            lastRaised[r.sid] = (now, 0)
        }
        alertLock.unlock()
        controller.metrics.counter("weft_ids_alerts_total", [("sid", String(r.sid))]).increment()
        guard let suppressed else { return }
        let srcPort: String = p.hasPorts ? String(p.srcPort) : ""
        let destPort: String = p.hasPorts ? String(p.dstPort) : ""
        let from: String = srcPort.isEmpty ? src : src + ":" + srcPort
        let to: String = destPort.isEmpty ? dest : dest + ":" + destPort
        let message: String = "IDS [\(r.gid):\(r.sid):\(r.rev)] \(r.msg) {\(p.protoName)} \(from) -> \(to)"
        var fields: [String: String] = [:]
        fields["sid"] = String(r.sid)
        fields["gid"] = String(r.gid)
        fields["rev"] = String(r.rev)
        fields["signature"] = r.msg
        fields["action"] = alert.action
        fields["proto"] = p.protoName
        fields["src_ip"] = src
        fields["dest_ip"] = dest
        fields["src_port"] = srcPort
        fields["dest_port"] = destPort
        fields["suppressed"] = String(suppressed)
        raise("ids_alert", message, fields)
    }

    /// Alert records newest first, filtered.
    public func alerts(since: Double? = nil, sid: UInt32? = nil, src: String? = nil, limit: Int = 100) -> [AlertRecord] {
        alertLock.lock()
        let all = recent
        alertLock.unlock()
        var out: [AlertRecord] = []
        for a in all.reversed() {
            if out.count >= limit { break }
            if let since, a.time < since { continue }
            if let sid, a.sid != sid { continue }
            if let src, a.src != src { continue }
            out.append(a)
        }
        return out
    }

    public var fastLog: [UInt8] { fast.contents() }

    public var hitCounts: [UInt32: Int] { alertLock.lock(); defer { alertLock.unlock() }; return hits }

    public var status: Status {
        lock.lock(); defer { lock.unlock() }
        return Status(running: engine != nil, mode: running?.mode, failOpen: running?.failOpen,
                      interfaces: capture?.interfaceStates ?? [:], queue: queue?.status, error: lastError)
    }

    public var stats: Stats {
        lock.lock()
        let engine = engine, capture = capture, queue = queue
        lock.unlock()
        var s = Stats()
        if let engine {
            let c = engine.snapshot
            s.packets = c.packets; s.flows = c.flows; s.drops = c.drops; s.alerts = c.alerts
            s.rulesLoaded = engine.rulesLoaded
        }
        s.kernelDrops = capture?.kernelDropped ?? 0
        s.accepted = queue?.verdicts.accepted ?? 0
        s.hits = hitCounts
        return s
    }

    public func stop() {
        lock.lock(); defer { lock.unlock() }
        stopLocked()
    }
}
