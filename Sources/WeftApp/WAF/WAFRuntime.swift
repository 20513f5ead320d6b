import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WeftContainers
import WeftIDSLive
import WeftReconciler
import WeftModel
import WeftStore
import WeftSystem
import WeftWAF

/// The WAF while the controller runs: the plugin container `weft-waf` (the catalog's `waf`
/// image on the plugin network) exists while a protected service does, and serves the
/// configuration the services render to. A new configuration is written as a generation
/// directory inside the plugin, checked by `nginx -t` there, and only then made current
/// and loaded (SIGHUP to nginx); a refused one is removed and the running one stays.
/// Each pass also reads the ModSecurity audit log into events, counters and alerts.
public final class WAFRuntime: Service, @unchecked Sendable {
    public static let containerName = "weft-waf"
    public static let imageName = "weft-waf"
    public static let catalogID = "waf"
    public static let keepEvents = 10_000
    public static let raiseInterval = 60.0
    public static let auditLogBound = 32 << 20

    public struct Status: Sendable {
        public var running = false
        public var generation: String?
        public var container: String?
        public var address: String?
        public var error: String?
    }

    let controller: Controller
    let interval: Duration
    let events: RotatingLog
    private let raise: @Sendable (String, String, [String: String]) -> Void
    /// Serialises checks and activations (API writes and the background pass).
    let gate = SerialGate()

    struct State {
        var active: (pid: Int32, generation: String)?
        var lastError: String?
        var recent: [WAFEvent] = []
        var seen: Set<String> = []
        var logOffset: (pid: Int32, offset: Int)?
        var lastRaised: [String: (time: Double, suppressed: Int)] = [:]
        /// The configuration nginx last refused in this plugin, with why: not tried again each pass.
        var refused: (pid: Int32, generation: String, error: ValidationError)?
        /// The configuration `nginx -t` last accepted in this plugin (written there, not yet current).
        var checked: (pid: Int32, generation: String)?
    }
    private let state = Mutex(State())
    /// nginx's workers before the last SIGHUP (only under `gate`).
    nonisolated(unsafe) private var lastChildren: Set<Int32> = []

    public init(controller: Controller, directory: String, interval: Duration = .seconds(2),
                raise: @escaping @Sendable (String, String, [String: String]) -> Void) {
        self.controller = controller
        self.interval = interval
        self.raise = raise
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        events = RotatingLog(path: directory + "/events.json", maxBytes: 16 << 20)
        // Events of earlier runs, read back (the rotated file, then the current one).
        let old = (FileManager.default.contents(atPath: events.path + ".1").map { [UInt8]($0) } ?? []) + events.contents()
        var recent: [WAFEvent] = []
        for line in old.split(separator: UInt8(ascii: "\n")) {
            guard let value = try? JSONParser.parse(line), let event = Self.event(json: value) else { continue }
            recent.append(event)
        }
        if recent.count > Self.keepEvents { recent.removeFirst(recent.count - Self.keepEvents) }
        let kept = recent
        state.withLock {
            $0.recent = kept
            $0.seen = Set(kept.map(\.requestID))
        }
    }

    public func run() async throws {
        await Periodic.run(every: interval) { await pass() }
    }

    public var status: Status {
        let spec = controller.containerSystemConfig.containers.first { $0.name == Self.containerName }
        return state.withLock { st in
            Status(running: st.active != nil, generation: st.active?.generation, container: spec?.id, address: spec?.address, error: st.lastError)
        }
    }

    /// One background pass: the plugin as the stored services want it, then new audit records.
    func pass() async {
        do {
            try await gate.run {
                // Read under the gate: an API write may have changed them while this pass waited.
                let services = self.controller.wafServices.services
                if services.isEmpty {
                    try await self.removeContainer()
                } else {
                    let plugin = try await self.ensureContainer()
                    try await self.activate(WAFConfig.render(services), in: plugin)
                }
            }
            setError(nil)
        } catch {
            setError("\(error)")
            controller.logger.warning("WAF not in its configured state", metadata: ["error": "\(error)"])
        }
        await readAuditLog()
    }

    private func setError(_ text: String?) { state.withLock { $0.lastError = text } }

    // MARK: The plugin container

    struct Plugin {
        var spec: ContainerSpec
        var pid: Int32
        var root: String { "/proc/\(pid)/root" }
    }

    /// The running WAF plugin: its image imported from the catalog and its container started when missing.
    func ensureContainer() async throws -> Plugin {
        guard let system = controller.containers else {
            throw ValidationError(.notSupported, "the WAF runs in the container system, which this controller does not run (--no-apply)")
        }
        var config = controller.containerSystemConfig
        guard config.running else {
            throw ValidationError(.state, name: "ContainerSystemNotRunning", "the container system is stopped; the WAF runs in it (POST /api/container_system {action: start})")
        }
        if let spec = config.containers.first(where: { $0.name == Self.containerName }), spec.running {
            // Running, or being started again by the container system after a crash.
            for _ in 0..<100 {
                if let pid = await system.pid(spec.id) { return Plugin(spec: spec, pid: pid) }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw ValidationError(.state, "the WAF plugin container \(spec.id.prefix(12)) does not run: \(controller.containerSystemConfig.containers.first { $0.id == spec.id }.map { _ in "see GET /api/container_system/containers" } ?? "removed")")
        }
        if let stopped = config.containers.first(where: { $0.name == Self.containerName }) {
            try await controller.deleteContainer(id: stopped.id, actor: "waf")
        }
        let image = try await ensureImage()
        config = controller.containerSystemConfig
        let spec = try await controller.startContainer(InputFields(object: [
            "image_uuid": .string(image.id), "name": .string(Self.containerName), "memory_limit_mb": .int(768),
            "description": .string("The WAF: nginx, ModSecurity and the OWASP CRS, configured by Weft (/api/waf/services)"),
        ], endpoint: "the WAF"), actor: "waf")
        for _ in 0..<100 {
            if let pid = await system.pid(spec.id) { return Plugin(spec: spec, pid: pid) }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError(.state, "the WAF plugin container started but has no process")
    }

    func ensureImage() async throws -> ContainerImage {
        func current() -> ContainerImage? {
            controller.containerSystemConfig.images.filter { $0.name == Self.imageName }.sorted { $0.created > $1.created }.first
        }
        if let image = current(), image.status == .ready { return image }
        if current()?.status != .importing {
            guard PluginCatalog().entry(Self.catalogID) != nil else {
                throw ValidationError(.state, name: "WAFImageMissing",
                                      "the WAF plugin image is not in the plugin catalog (\(PluginCatalog.defaultDirectory)): build it with `make plugin-images` (scripts/build-plugin-image waf)")
            }
            for stale in controller.containerSystemConfig.images where stale.name == Self.imageName {
                _ = try? await controller.deleteImage(id: stale.id, force: true, actor: "waf")
            }
            _ = try controller.createImage(InputFields(object: [
                "name": .string(Self.imageName), "url": .string(PluginCatalog.scheme + Self.catalogID),
                "description": .string("The WAF plugin (catalog: \(Self.catalogID))"),
            ], endpoint: "the WAF"), upload: nil, actor: "waf")
        }
        for _ in 0..<1200 {
            guard let image = current() else { break }
            switch image.status {
            case .ready: return image
            case .importing: try await Task.sleep(for: .milliseconds(100))
            default: throw ValidationError(.state, "the WAF plugin image did not import: \(image.statusMessage)")
            }
        }
        throw ValidationError(.state, "the WAF plugin image did not import within 120 s")
    }

    func removeContainer() async throws {
        guard let spec = controller.containerSystemConfig.containers.first(where: { $0.name == Self.containerName }) else {
            state.withLock { $0.active = nil }
            return
        }
        try await controller.deleteContainer(id: spec.id, actor: "waf")
        state.withLock {
            $0.active = nil
            $0.logOffset = nil
        }
    }

    // MARK: Check and activate

    func exec(_ plugin: Plugin, _ argv: [String], timeout: Int = 30) async throws -> ExecResult {
        try await controller.runInContainer(plugin.spec.id, argv, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], timeout: .seconds(timeout))
    }

    /// Writes the generation into the plugin and has nginx check it; a refusal removes it
    /// and throws nginx's reason. Nothing running changes.
    func check(_ config: WAFConfig, in plugin: Plugin) async throws {
        let made = try await exec(plugin, ["mkdir", "-p", config.directory + "/tls", WAFConfig.logDirectory])
        guard made.status == 0 else { throw ValidationError(.state, "the WAF plugin: mkdir failed: \(made.stderr)") }
        for file in config.files {
            do { try RootedFiles.write(root: plugin.root, file.path, Array(file.content.utf8), mode: mode_t(file.mode)) } catch {
                throw ValidationError(.state, "the WAF plugin: cannot write \(file.path): \(error)")
            }
        }
        let test = try await exec(plugin, ["nginx", "-t", "-q", "-c", config.mainFile], timeout: 60)
        guard test.status == 0, !test.timedOut else {
            _ = try? await exec(plugin, ["rm", "-rf", config.directory])
            let reason = (test.stderr + test.stdout).split(separator: "\n").filter { !$0.contains("test failed") }.joined(separator: "; ")
            throw ValidationError(.argument, name: "WAFConfigRefused",
                                  "nginx refused the new WAF configuration, the running one stays: \(reason.isEmpty ? "status \(test.status)" : String(reason.suffix(2000)))")
        }
        state.withLock { $0.checked = (plugin.pid, config.generation) }
    }

    /// Checks `config` (unless it is the running one), makes it current and reloads nginx.
    func activate(_ config: WAFConfig, in plugin: Plugin) async throws {
        let running = state.withLock { $0.active }
        if let running, running.pid == plugin.pid, running.generation == config.generation { return }
        if let refused = state.withLock({ $0.refused }), refused.pid == plugin.pid, refused.generation == config.generation { throw refused.error }
        do { try await activateChecked(config, in: plugin) } catch let error as ValidationError where error.name == "WAFConfigRefused" {
            state.withLock { $0.refused = (plugin.pid, config.generation, error) }
            throw error
        }
        state.withLock { $0.refused = nil }
    }

    private func activateChecked(_ config: WAFConfig, in plugin: Plugin) async throws {
        let checked = state.withLock { $0.checked.map { $0.pid == plugin.pid && $0.generation == config.generation } ?? false }
        if !checked { try await check(config, in: plugin) }
        // www-data (nginx's workers) writes the logs.
        _ = try? await exec(plugin, ["chown", "-R", "www-data:www-data", WAFConfig.logDirectory])
        let previous = try? FileManager.default.destinationOfSymbolicLink(atPath: plugin.root + WAFConfig.root + "/current")
        let errorLog = plugin.root + WAFConfig.logDirectory + "/error.log"
        let logged = (try? FileManager.default.attributesOfItem(atPath: errorLog)[.size] as? Int) ?? 0
        try await switchTo("gen-" + config.generation, plugin)
        // The reload is done when a worker of the new configuration runs. `nginx -t` does not
        // bind: a port it cannot have fails only now, and nginx keeps the old configuration.
        if let problem = await reloadFailure(plugin, errorLog: errorLog, from: logged) {
            if let previous { try? await switchTo(previous, plugin) }
            _ = try? await exec(plugin, ["rm", "-rf", config.directory])
            throw ValidationError(.argument, name: "WAFConfigRefused", "nginx did not load the new WAF configuration, the running one stays: \(problem)")
        }
        _ = try? await exec(plugin, ["find", WAFConfig.root, "-maxdepth", "1", "-name", "gen-*", "!", "-name", "gen-" + config.generation,
                                     "-exec", "rm", "-rf", "{}", "+"])
        state.withLock { $0.active = (plugin.pid, config.generation) }
        controller.logger.notice("WAF configuration loaded", metadata: ["waf.generation": "\(config.generation)"])
    }

    /// Points `current` at `target` and has nginx load it.
    func switchTo(_ target: String, _ plugin: Plugin) async throws {
        let linked = try await exec(plugin, ["ln", "-sfn", target, WAFConfig.root + "/current"])
        guard linked.status == 0 else { throw ValidationError(.state, "the WAF plugin: cannot switch the configuration: \(linked.stderr)") }
        // A just-started nginx takes SIGHUP only once it has set its handlers (for the init
        // of a PID namespace an unhandled signal is dropped): that is when its workers run.
        for _ in 0..<600 where Self.children(plugin.pid).isEmpty {
            try await Task.sleep(for: .milliseconds(50))
        }
        lastChildren = Self.children(plugin.pid)
        guard !lastChildren.isEmpty else { throw ValidationError(.state, "the WAF plugin: nginx (pid \(plugin.pid)) runs no workers after 30 s") }
        guard kill(plugin.pid, SIGHUP) == 0 else { throw ValidationError(.state, "the WAF plugin: nginx (pid \(plugin.pid)) did not take SIGHUP") }
    }

    /// Waits (up to 30 s: nginx loads the CRS first) for a new worker; nil once one runs, else the `[emerg]` nginx logged.
    func reloadFailure(_ plugin: Plugin, errorLog: String, from offset: Int) async -> String? {
        for _ in 0..<600 {
            // New workers run, and the old ones have closed their listening sockets (nginx
            // retitles a worker "… is shutting down" once it has): new connections see the new rules.
            let now = Self.children(plugin.pid)
            if !now.isEmpty, !now.isSubset(of: lastChildren), lastChildren.allSatisfy({ !now.contains($0) || Self.isShuttingDown($0) }) { return nil }
            if let text = Self.tail(errorLog, from: offset), let line = text.split(separator: "\n").first(where: { $0.contains("[emerg]") }) {
                return String(line.suffix(500))
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    static func isShuttingDown(_ pid: Int32) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return true }
        return String(decoding: data, as: UTF8.self).contains("shutting down")
    }

    static func tail(_ path: String, from offset: Int) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        guard let data = try? handle.read(upToCount: 64 << 10), !data.isEmpty else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func children(_ pid: Int32) -> Set<Int32> {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return Set(text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    }

    /// For an API write: the plugin running and the candidate configuration accepted by nginx.
    func prepare(_ services: [WAFService]) async throws -> (Plugin, WAFConfig) {
        let plugin = try await ensureContainer()
        let config = WAFConfig.render(services)
        let same = state.withLock { $0.active.map { $0.pid == plugin.pid && $0.generation == config.generation } ?? false }
        if !same { try await check(config, in: plugin) }
        return (plugin, config)
    }

    // MARK: Events

    func readAuditLog() async {
        guard let spec = controller.containerSystemConfig.containers.first(where: { $0.name == Self.containerName }),
              let pid = await controller.containers?.pid(spec.id) else { return }
        let path = "/proc/\(pid)/root" + WAFConfig.auditLog
        var offset = state.withLock { $0.logOffset?.pid == pid ? $0.logOffset!.offset : 0 }
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let size = Int((try? handle.seekToEnd()) ?? 0)
        if size < offset { offset = 0 }
        guard size > offset else { return }
        try? handle.seek(toOffset: UInt64(offset))
        let data = (try? handle.read(upToCount: min(size - offset, 16 << 20))) ?? Data()
        let bytes = [UInt8](data)
        guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return }
        let ports = Dictionary(controller.wafServices.services.map { ($0.port, $0.name) }, uniquingKeysWith: { a, _ in a })
        let now = Date().timeIntervalSince1970
        for line in bytes[..<lastNewline].split(separator: UInt8(ascii: "\n")) {
            guard let event = WAFEvent.parse(line: line, services: ports, now: now) else { continue }
            record(event)
        }
        var next = offset + lastNewline + 1
        if next > Self.auditLogBound, let plugin = Optional(Plugin(spec: spec, pid: pid)),
           let r = try? await exec(plugin, ["truncate", "-s", "0", WAFConfig.auditLog]), r.status == 0 {
            next = 0
        }
        let reached = next
        state.withLock { $0.logOffset = (pid, reached) }
    }

    func record(_ event: WAFEvent) {
        let now = Date().timeIntervalSince1970
        var suppressed: Int?
        let key = event.service + "/" + event.action.rawValue
        let fresh = state.withLock { st -> Bool in
            if !event.requestID.isEmpty, st.seen.contains(event.requestID) { return false }
            st.seen.insert(event.requestID)
            st.recent.append(event)
            if st.recent.count > Self.keepEvents + Self.keepEvents / 10 {
                let gone = st.recent.prefix(st.recent.count - Self.keepEvents)
                for e in gone { st.seen.remove(e.requestID) }
                st.recent.removeFirst(gone.count)
            }
            if let last = st.lastRaised[key], now - last.time < Self.raiseInterval {
                st.lastRaised[key]!.suppressed += 1
            } else {
                suppressed = st.lastRaised[key]?.suppressed ?? 0
                st.lastRaised[key] = (now, 0)
            }
            return true
        }
        guard fresh else { return }
        events.write(JSONWriter.string(event.json))
        controller.metrics.counter("weft_waf_requests_logged_total", [("service", event.service), ("action", event.action.rawValue)]).increment()
        for rule in event.rules {
            controller.metrics.counter("weft_waf_rule_matches_total", [("service", event.service), ("rule", String(rule.id))]).increment()
        }
        guard let suppressed else { return }
        let name = event.action == .blocked ? "waf_block" : "waf_detect"
        let first = event.rules.first.map { " [\($0.id)] \($0.msg)" } ?? ""
        let message = "WAF \(event.action == .blocked ? "blocked" : "detected") \(event.method) \(event.uri.prefix(200)) from \(event.clientIP) on service \(event.service) (score \(event.anomalyScore))\(first)"
        raise(name, message, [
            "service": event.service, "client_ip": event.clientIP, "method": event.method, "uri": String(event.uri.prefix(500)),
            "status": String(event.status), "anomaly_score": String(event.anomalyScore), "request_id": event.requestID,
            "rules": event.rules.map { String($0.id) }.joined(separator: ","), "suppressed": String(suppressed),
        ])
    }

    /// Events newest first, filtered.
    public func events(service: String? = nil, since: Double? = nil, limit: Int = 100) -> [WAFEvent] {
        let all = state.withLock { $0.recent }
        var out: [WAFEvent] = []
        for e in all.reversed() {
            if let service, e.service != service { continue }
            if let since, e.time < since { continue }
            out.append(e)
            if out.count >= limit { break }
        }
        return out
    }

    /// Reads back an event as `WAFEvent.json` wrote it.
    static func event(json v: JSONValue) -> WAFEvent? {
        guard case .string(let time)? = v["time"], let epoch = RFC3339.parse(time), case .string(let id)? = v["request_id"] else { return nil }
        func s(_ k: String) -> String { if case .string(let x)? = v[k] { x } else { "" } }
        func n(_ k: String) -> Int { if case .int(let x)? = v[k] { x } else { 0 } }
        var rules: [WAFEvent.Match] = []
        if case .array(let items)? = v["rules"] {
            for r in items {
                guard case .int(let rid)? = r["id"] else { continue }
                let msg: String = if case .string(let m)? = r["msg"] { m } else { "" }
                let sev: String = if case .string(let m)? = r["severity"] { m } else { "" }
                rules.append(.init(id: rid, msg: msg, severity: sev))
            }
        }
        return WAFEvent(time: Double(epoch), service: s("service"), requestID: id, clientIP: s("client_ip"), method: s("method"),
                        uri: s("uri"), status: n("status"), action: WAFEvent.Action(rawValue: s("action")) ?? .detected,
                        anomalyScore: n("anomaly_score"), rules: rules)
    }
}
