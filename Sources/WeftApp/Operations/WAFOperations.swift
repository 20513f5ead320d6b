import Foundation
import WeftFirewall
import WeftModel
import WeftStore
import WeftWAF

extension SettingKey {
    /// The WAF's protected services.
    public static var wafServices: SettingKey<WAFServices> { .init("waf_services") }
}

/// The WAF's writes (`POST /api/waf/services`, `PUT|DELETE /api/waf/services/{name}`). Each
/// one: every field checked; the plugin running and the whole new configuration accepted by
/// `nginx -t` inside it; then one store transaction (the services and the steering rules
/// in Weft's plugin chains) applied with the firewall in the same checked
/// `iptables-restore`; then the configuration made current and nginx reloaded. A refusal
/// at any step before the transaction changes nothing.
extension Controller {
    public static let wafFields: Set<String> = [
        "name", "port", "backend", "mode", "paranoia", "tls_cert", "tls_key", "anomaly_inbound", "anomaly_outbound",
        "exclusions", "body_limit_kb",
    ]
    /// The instance id the WAF's steering rules carry in the plugin firewall document.
    public static let wafInstanceID = 0

    public var wafServices: WAFServices { ((try? store.get(.wafServices)) ?? nil) ?? WAFServices() }

    public func wafService(_ name: String) throws -> WAFService {
        guard let found = wafServices.service(name) else { throw ValidationError(.notFound, field: "name", "No WAF service \(name)") }
        return found
    }

    /// Reads the fields over `current` (nil: a new service, `name`, `port` and `backend`
    /// required): types, ranges and shapes only.
    public static func wafService(_ fields: InputFields, over current: WAFService?) throws -> WAFService {
        for key in fields.object.keys where !wafFields.contains(key) {
            throw ValidationError(field: key, "Unknown field \"\(key)\" for \(fields.endpoint); known fields: \(wafFields.sorted().joined(separator: ", "))")
        }
        let name = try fields.string("name", required: current == nil)
        if let name {
            guard WAFService.isName(name) else {
                throw ValidationError(field: "name", "name must be 1-32 of a-z, 0-9 and -, starting with a letter; got \"\(name.prefix(40))\"")
            }
            if let current, current.name != name { throw ValidationError(field: "name", "a service cannot be renamed (delete it and create \(name))") }
        }
        let port = try fields.int("port", required: current == nil)
        let backends = try wafBackends(fields, required: current == nil)
        var s = current ?? WAFService(name: name!, port: port!, backends: backends!)
        if let port {
            guard (1...65535).contains(port) else { throw ValidationError(field: "port", "port must be 1-65535, got \(port)") }
            s.port = port
        }
        if let backends { s.backends = backends }
        if let mode = try fields.string("mode") {
            guard let m = WAFService.Mode(rawValue: mode) else { throw ValidationError(field: "mode", "mode must be block or detect, got \"\(mode.prefix(32))\"") }
            s.mode = m
        }
        if let p = try fields.int("paranoia") {
            guard (1...4).contains(p) else { throw ValidationError(field: "paranoia", "paranoia must be 1-4 (the CRS paranoia levels), got \(p)") }
            s.paranoia = p
        }
        if let n = try fields.int("anomaly_inbound") {
            guard (1...10_000).contains(n) else { throw ValidationError(field: "anomaly_inbound", "anomaly_inbound must be 1-10000, got \(n)") }
            s.anomalyInbound = n
        }
        if let n = try fields.int("anomaly_outbound") {
            guard (1...10_000).contains(n) else { throw ValidationError(field: "anomaly_outbound", "anomaly_outbound must be 1-10000, got \(n)") }
            s.anomalyOutbound = n
        }
        if let n = try fields.int("body_limit_kb") {
            guard (1...1_048_576).contains(n) else { throw ValidationError(field: "body_limit_kb", "body_limit_kb must be 1-1048576 (1 GiB), got \(n)") }
            s.bodyLimitKB = n
        }
        if fields.object["exclusions"] != nil { s.exclusions = try wafExclusions(fields) }
        // TLS: both or neither; an empty string takes TLS off.
        let cert = try fields.string("tls_cert"), key = try fields.string("tls_key")
        if cert != nil || key != nil {
            let c = (cert ?? s.tlsCert ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let k = (key ?? s.tlsKey ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            switch (c.isEmpty, k.isEmpty) {
            case (true, true):
                s.tlsCert = nil
                s.tlsKey = nil
            case (false, false):
                _ = try CertificateCheck.check(certificatePEM: c, privateKeyPEM: k)
                s.tlsCert = c.replacingOccurrences(of: "\r\n", with: "\n")
                s.tlsKey = k.replacingOccurrences(of: "\r\n", with: "\n")
            case (true, false): throw ValidationError(field: "tls_cert", "tls_key was given without tls_cert: give both for HTTPS, or neither")
            case (false, true): throw ValidationError(field: "tls_key", "tls_cert was given without tls_key: give both for HTTPS, or neither")
            }
        }
        return s
    }

    static func wafBackends(_ fields: InputFields, required: Bool) throws -> [WAFBackend]? {
        var texts: [String]
        switch fields.object["backend"] {
        case nil, .null?:
            if required { throw ValidationError(field: "backend", "Field \"backend\" is required for \(fields.endpoint)") }
            return nil
        case .string(let t)?: texts = [t]
        case .array(let items)?:
            texts = try items.map { item in
                guard case .string(let t) = item else {
                    throw ValidationError(field: "backend", "Field \"backend\" must be a URL or a list of URLs, got \(item.typeName) in the list")
                }
                return t
            }
        case let other?: throw ValidationError(field: "backend", "Field \"backend\" must be a URL or a list of URLs, got \(other.typeName)")
        }
        guard (1...32).contains(texts.count) else { throw ValidationError(field: "backend", "backend must name 1 to 32 URLs") }
        var out: [WAFBackend] = []
        for t in texts {
            guard let b = WAFBackend.parse(t.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError(field: "backend", "backend \"\(t.prefix(80))\" is not http://IP:PORT or https://IP:PORT (an IPv4 address)")
            }
            if !out.contains(b) { out.append(b) }
        }
        guard Set(out.map(\.scheme)).count == 1 else { throw ValidationError(field: "backend", "the backends of one service must all be http or all https") }
        return out
    }

    static func wafExclusions(_ fields: InputFields) throws -> [WAFService.Exclusion] {
        guard case .array(let items)? = fields.object["exclusions"] else {
            if case .null? = fields.object["exclusions"] { return [] }
            throw ValidationError(field: "exclusions", "Field \"exclusions\" must be a list of {rule_id, path_prefix}, got \(fields.object["exclusions"]?.typeName ?? "nothing")")
        }
        guard items.count <= 500 else { throw ValidationError(field: "exclusions", "at most 500 exclusions") }
        var out: [WAFService.Exclusion] = []
        for (index, item) in items.enumerated() {
            guard case .object(let o) = item else {
                throw ValidationError(field: "exclusions", "exclusion \(index + 1) must be an object {rule_id, path_prefix}, got \(item.typeName)")
            }
            let inner = InputFields(object: o, endpoint: "exclusion \(index + 1)")
            for key in o.keys where key != "rule_id" && key != "path_prefix" {
                throw ValidationError(field: "exclusions", "exclusion \(index + 1): unknown field \"\(key)\" (known: rule_id, path_prefix)")
            }
            guard let id = try inner.int("rule_id", required: true), (1...999_999).contains(id) else {
                throw ValidationError(field: "exclusions", "exclusion \(index + 1): rule_id must be a CRS rule id")
            }
            let path = try inner.string("path_prefix")
            if let path, !WAFService.isPathPrefix(path) {
                throw ValidationError(field: "exclusions", "exclusion \(index + 1): path_prefix \"\(path.prefix(80))\" must start with / and hold no spaces, quotes, backslashes or ;{}#$`")
            }
            let e = WAFService.Exclusion(ruleID: id, pathPrefix: path?.isEmpty == true ? nil : path)
            if !out.contains(e) { out.append(e) }
        }
        return out
    }

    /// The networks a backend may be on, each with what it is.
    public var wafKnownNetworks: [(network: IPv4Network, what: String)] {
        var out: [(IPv4Network, String)] = []
        if let subnet = snapshot.topology?.subnet { out.append((subnet, "the overlay")) }
        for link in facts.facts.interfaces where link.name != "lo" {
            for a in link.addresses {
                if let net = IPv4Network("\(a.address)/\(a.prefixLength)") { out.append((net, "interface \(link.name)")) }
            }
        }
        out.append((containerSystemConfig.subnet, "the plugin network"))
        for endpoint in snapshot.ipsec.endpoints {
            for t in endpoint.tunnels {
                if let net = IPv4Network(t.remoteSubnet) { out.append((net, "IPsec remote subnet of \(endpoint.name)")) }
            }
        }
        for r in snapshot.routes.routes where r.enabled {
            if let net = IPv4Network(r.cidr), net.prefixLength > 0 { out.append((net, "route \(r.cidr)")) }
        }
        return out
    }

    /// What the controller's state must allow: the port free and not one the controller
    /// needs, each backend on a network it knows.
    func checkWAFService(_ s: WAFService, others: [WAFService]) throws {
        let services = firewall?.controllerServices ?? FirewallCompiler.Services(apiPort: options.port)
        if let reason = PluginPresets.reservedReason(hostPort: s.port, proto: "tcp", services: services) {
            throw ValidationError(.argument, field: "port", reason)
        }
        if let other = others.first(where: { $0.port == s.port }) {
            throw ValidationError(.conflict, field: "port", "port \(s.port) is already WAF service \(other.name)'s")
        }
        if let mapped = snapshot.pluginFirewall.rules.first(where: { $0.instanceID != Self.wafInstanceID && $0.preset != .internet && $0.proto == "tcp" && $0.hostPort == s.port }) {
            throw ValidationError(.conflict, field: "port", "TCP port \(s.port) is mapped to plugin instance \(mapped.instanceID) already")
        }
        let known = wafKnownNetworks
        for b in s.backends where !known.contains(where: { $0.network.contains(b.address) }) {
            let list = known.map { "\($0.network) (\($0.what))" }.joined(separator: ", ")
            throw ValidationError(field: "backend", "backend \(b) is on no network the controller knows: \(list)")
        }
    }

    /// The DNAT of each service's port to the plugin, and the plugin's way out to the backends (masqueraded).
    static func wafSteering(_ services: [WAFService], address: String) -> [PluginPortRule] {
        guard !services.isEmpty else { return [] }
        var rules = services.sorted { $0.port < $1.port }.map {
            PluginPortRule(instanceID: wafInstanceID, preset: .waf, address: address, hostPort: $0.port, containerPort: $0.port, proto: "tcp")
        }
        rules.append(PluginPortRule(instanceID: wafInstanceID, preset: .internet, address: address))
        return rules
    }

    public func createWAFService(_ fields: InputFields, actor: String?) async throws -> WAFService {
        var s = try Self.wafService(fields, over: nil)
        let list = wafServices.services
        if list.contains(where: { $0.name == s.name }) { throw ValidationError(.conflict, field: "name", "a WAF service named \(s.name) exists already") }
        try checkWAFService(s, others: list)
        s.created = Store.now()
        try await writeWAF(actor, "waf.services.create", detail: "\(s.name): port \(s.port) → \(s.backends.map(\.description).joined(separator: ", ")), \(s.mode.rawValue)", list + [s])
        return s
    }

    public func updateWAFService(_ name: String, _ fields: InputFields, actor: String?) async throws -> WAFService {
        let current = try wafService(name)
        let s = try Self.wafService(fields, over: current)
        var list = wafServices.services.filter { $0.name != name }
        try checkWAFService(s, others: list)
        list.append(s)
        try await writeWAF(actor, "waf.services.update", detail: "\(name): \(Self.describe(current, s))", list)
        return s
    }

    public func deleteWAFService(_ name: String, actor: String?) async throws -> WAFService {
        let current = try wafService(name)
        try await writeWAF(actor, "waf.services.delete", detail: name, wafServices.services.filter { $0.name != name })
        return current
    }

    static func describe(_ old: WAFService, _ new: WAFService) -> String {
        var parts: [String] = []
        if old.port != new.port { parts.append("port \(old.port) → \(new.port)") }
        if old.backends != new.backends { parts.append("backend → \(new.backends.map(\.description).joined(separator: ", "))") }
        if old.mode != new.mode { parts.append("mode \(old.mode.rawValue) → \(new.mode.rawValue)") }
        if old.paranoia != new.paranoia { parts.append("paranoia \(old.paranoia) → \(new.paranoia)") }
        if old.anomalyInbound != new.anomalyInbound || old.anomalyOutbound != new.anomalyOutbound {
            parts.append("thresholds \(new.anomalyInbound)/\(new.anomalyOutbound)")
        }
        if old.exclusions != new.exclusions { parts.append("exclusions: \(new.exclusions.count)") }
        if old.bodyLimitKB != new.bodyLimitKB { parts.append("body_limit_kb \(new.bodyLimitKB)") }
        if old.tls != new.tls || old.tlsCert != new.tlsCert { parts.append(new.tls ? "TLS certificate set" : "TLS off") }
        return parts.isEmpty ? "unchanged" : parts.joined(separator: "; ")
    }

    /// Checks, commits and activates the new service list (see the type's comment).
    func writeWAF(_ actor: String?, _ action: String, detail: String, _ list: [WAFService]) async throws {
        let stored = WAFServices(services: list.sorted { $0.name < $1.name })
        guard let runtime = waf else {
            // --no-apply: the store only.
            try commit(actor, action, detail: detail) { db in try Store.set(.wafServices, stored, in: db) }
            return
        }
        try await runtime.gate.run {
            var prepared: (WAFRuntime.Plugin, WAFConfig)?
            if !list.isEmpty {
                let (plugin, config) = try await runtime.prepare(list)
                try self.checkWAFExclusions(list, root: plugin.root)
                prepared = (plugin, config)
            }
            let address = prepared?.0.spec.address
            try await self.changePluginFirewall(actor: actor, action, detail: detail, also: { db in
                try Store.set(.wafServices, stored, in: db)
            }) { rules in
                rules.removeAll { $0.instanceID == Self.wafInstanceID }
                if let address { rules += Self.wafSteering(list, address: address) }
            }
            if let (plugin, config) = prepared {
                try await runtime.activate(config, in: plugin)
            } else {
                try await runtime.removeContainer()
            }
        }
    }

    /// Every excluded rule id exists in the CRS of the plugin.
    func checkWAFExclusions(_ list: [WAFService], root: String) throws {
        let ids = list.flatMap { $0.exclusions.map(\.ruleID) }
        guard !ids.isEmpty else { return }
        let index = Self.crsIndex(root: root)
        guard index.count > 0 else { throw ValidationError(.state, "the WAF plugin holds no CRS rules (\(root)/usr/share/modsecurity-crs/rules)") }
        for s in list {
            for e in s.exclusions where !index.contains(e.ruleID) {
                throw ValidationError(field: "exclusions", "rule_id \(e.ruleID) is not a rule of the OWASP CRS in the WAF plugin (service \(s.name))")
            }
        }
    }

    static func crsIndex(root: String) -> CRSRuleIndex {
        var index = CRSRuleIndex()
        let dir = root + "/usr/share/modsecurity-crs/rules"
        for file in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() where file.hasSuffix(".conf") {
            if let text = try? String(contentsOfFile: dir + "/" + file, encoding: .utf8) { index.add(conf: text) }
        }
        return index
    }
}
