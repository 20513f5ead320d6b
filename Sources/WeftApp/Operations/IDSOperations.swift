import Foundation
import WeftIDS
import WeftModel
import WeftStore

/// The built-in IDS's writes: configuration, rules (replaced whole, atomically), a rule
/// switched on or off, variables. Each validates everything first, commits one
/// transaction with an audit row, then hands the result to the running service.
extension Controller {
    public static let idsFields: Set<String> = ["enabled", "interfaces", "mode", "fail_open"]

    public var idsConfig: IDSConfig { ((try? store.get(.ids)) ?? nil) ?? IDSConfig() }
    public var idsRuleText: IDSRuleText { ((try? store.get(.idsRules)) ?? nil) ?? IDSRuleText() }
    public var idsVariableOverrides: IDSVariableOverrides { ((try? store.get(.idsVariables)) ?? nil) ?? IDSVariableOverrides() }

    /// Reads `PUT /api/ids` fields over `current`: unknown fields, wrong types and unknown modes are refused.
    public static func idsConfig(_ fields: InputFields, over current: IDSConfig) throws -> IDSConfig {
        for key in fields.object.keys where !idsFields.contains(key) {
            throw ValidationError(field: key, "Unknown field \"\(key)\" for \(fields.endpoint); known fields: \(idsFields.sorted().joined(separator: ", "))")
        }
        var config = current
        if let enabled = try fields.bool("enabled") { config.enabled = enabled }
        if let failOpen = try fields.bool("fail_open") { config.failOpen = failOpen }
        if let mode = try fields.string("mode") {
            guard let m = IDSConfig.Mode(rawValue: mode) else {
                throw ValidationError(field: "mode", "Field \"mode\" of \(fields.endpoint) must be one of passive, inline; got \"\(mode)\"")
            }
            config.mode = m
        }
        switch fields.object["interfaces"] {
        case nil, .null?: break
        case .array(let items)?:
            var names: [String] = []
            for item in items {
                guard case .string(let name) = item else {
                    throw ValidationError(field: "interfaces", "Field \"interfaces\" of \(fields.endpoint) must be a list of interface names, got \(item.typeName) in it")
                }
                guard Self.isInterfaceName(name) else {
                    throw ValidationError(field: "interfaces", "\"\(name)\" is not a valid interface name")
                }
                if !names.contains(name) { names.append(name) }
            }
            guard !names.isEmpty, names.count <= 16 else {
                throw ValidationError(field: "interfaces", "Field \"interfaces\" of \(fields.endpoint) must name 1 to 16 interfaces")
            }
            config.interfaces = names
        case let other?:
            throw ValidationError(field: "interfaces", "Field \"interfaces\" of \(fields.endpoint) must be a list of interface names, got \(other.typeName)")
        }
        return config
    }

    static func isInterfaceName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 15 && name != "." && name != ".."
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }
    }

    @discardableResult
    public func setIDSConfig(_ fields: InputFields, actor: String?) throws -> IDSConfig {
        let old = idsConfig
        let config = try Self.idsConfig(fields, over: old)
        try commit(actor, "ids.config", detail: Self.describe(old, config)) { db in try Store.set(.ids, config, in: db) }
        ids?.reload()
        return config
    }

    static func describe(_ old: IDSConfig, _ new: IDSConfig) -> String {
        var parts: [String] = []
        if old.enabled != new.enabled { parts.append("enabled \(old.enabled) → \(new.enabled)") }
        if old.interfaces != new.interfaces { parts.append("interfaces \(old.interfaces.joined(separator: ",")) → \(new.interfaces.joined(separator: ","))") }
        if old.mode != new.mode { parts.append("mode \(old.mode.rawValue) → \(new.mode.rawValue)") }
        if old.failOpen != new.failOpen { parts.append("fail_open \(old.failOpen) → \(new.failOpen)") }
        return parts.isEmpty ? "unchanged" : parts.joined(separator: "; ")
    }

    /// The variables the rules are parsed with: Suricata's defaults, HOME_NET as the
    /// overlay and the controller's local networks, then the operator's values.
    public var idsVariables: RuleVariables {
        var v = RuleVariables.suricataDefaults
        var home: [String] = []
        if let subnet = snapshot.topology?.subnet { home.append(subnet.description) }
        for link in facts.facts.interfaces where link.name != "lo" {
            for a in link.addresses {
                if let net = IPv4Network("\(a.address)/\(a.prefixLength)"), !home.contains(net.description) { home.append(net.description) }
            }
        }
        if !home.isEmpty { v.addresses["HOME_NET"] = "[" + home.joined(separator: ",") + "]" }
        for (name, value) in idsVariableOverrides.values {
            if Self.isPortVariable(name) { v.ports[name] = value } else { v.addresses[name] = value }
        }
        return v
    }

    static func isPortVariable(_ name: String) -> Bool { name.hasSuffix("_PORTS") || name.hasSuffix("_PORT") }

    /// Parses a rule text whole; a bad rule refuses all of it, naming its line.
    public static func parseIDSRules(_ text: String, variables: RuleVariables) throws -> RuleSet {
        // Browsers send CRLF (and old Macs CR): one line end for the parser.
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        do { return try RuleSet.parse(normalized, variables: variables) } catch {
            throw ValidationError(field: "rules", name: "IDSRuleError", "rule set refused, the running rules stay: \(error)")
        }
    }

    /// `PUT /api/ids/rules`: the whole rule text, parsed fully before anything changes.
    @discardableResult
    public func setIDSRules(_ text: String, actor: String?) throws -> RuleSet {
        let set = try Self.parseIDSRules(text, variables: idsVariables)
        var stored = idsRuleText
        let sids = Set(set.rules.map(\.sid))
        stored.text = text.replacingOccurrences(of: "\r\n", with: "\n")
        stored.disabled = stored.disabled.filter { sids.contains($0) }
        let value = stored
        try commit(actor, "ids.rules", detail: "\(set.rules.count) rule(s)") { db in try Store.set(.idsRules, value, in: db) }
        ids?.reload()
        return set
    }

    /// `PUT /api/ids/rules/{sid} {enabled}`.
    public func setIDSRuleEnabled(sid text: String, _ fields: InputFields, actor: String?) throws {
        for key in fields.object.keys where key != "enabled" {
            throw ValidationError(field: key, "Unknown field \"\(key)\" for \(fields.endpoint); known fields: enabled")
        }
        guard let enabled = try fields.bool("enabled", required: true) else { return }
        guard let sid = UInt32(text) else { throw ValidationError(field: "sid", "\"\(text)\" is not a signature id") }
        var stored = idsRuleText
        let set = try Self.parseIDSRules(stored.text, variables: idsVariables)
        guard set.rules.contains(where: { $0.sid == sid }) else { throw ValidationError(.notFound, field: "sid", "No rule with sid \(sid)") }
        stored.disabled.removeAll { $0 == sid }
        if !enabled { stored.disabled.append(sid) }
        let value = stored
        try commit(actor, "ids.rules.\(sid)", detail: "enabled \(enabled)") { db in try Store.set(.idsRules, value, in: db) }
        ids?.reload()
    }

    /// `PUT /api/ids/variables {NAME: value, ...}`: each value must parse, and the current
    /// rules must still parse with them; a value of null or "" returns a variable to its default.
    public func setIDSVariables(_ fields: InputFields, actor: String?) throws -> RuleVariables {
        var overrides = idsVariableOverrides
        for (name, value) in fields.object.entries {
            guard !name.isEmpty, name.utf8.count <= 64,
                  name.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
                throw ValidationError(field: name, "\"\(name)\" is not a variable name (A-Z, 0-9 and _)")
            }
            switch value {
            case .null: overrides.values[name] = nil
            case .string(let text) where text.trimmingCharacters(in: .whitespaces).isEmpty: overrides.values[name] = nil
            case .string(let text):
                guard !text.contains("\n"), !text.contains("("), !text.contains(";") else {
                    throw ValidationError(field: name, "\(name): \"\(text)\" is not an address or port list")
                }
                overrides.values[name] = text.trimmingCharacters(in: .whitespaces)
            default:
                throw ValidationError(field: name, "Field \"\(name)\" of \(fields.endpoint) must be a string, got \(value.typeName)")
            }
        }
        var v = RuleVariables.suricataDefaults
        v.addresses = idsVariables.addresses
        v.ports = idsVariables.ports
        for (name, value) in overrides.values {
            if Self.isPortVariable(name) { v.ports[name] = value } else { v.addresses[name] = value }
        }
        // Each variable must parse where it is used: as the source of a probe rule.
        for (name, _) in overrides.values {
            let probe = Self.isPortVariable(name) ? "alert tcp any $\(name) -> any any (sid:1;)" : "alert ip $\(name) any -> any any (sid:1;)"
            do { _ = try RuleParser(variables: v).parse(probe) } catch {
                throw ValidationError(field: name, "\(name): \(error)")
            }
        }
        do { _ = try RuleSet.parse(idsRuleText.text, variables: v) } catch {
            throw ValidationError(field: "rules", name: "IDSRuleError", "the current rules do not parse with these variables: \(error)")
        }
        let value = overrides
        try commit(actor, "ids.variables", detail: value.values.keys.sorted().joined(separator: ", ")) { db in try Store.set(.idsVariables, value, in: db) }
        ids?.reload()
        return idsVariables
    }
}
