import WeftModel
import WeftStore

/// `GET/PUT /api/ids`: whether the built-in IDS runs, on which interfaces, and how.
public struct IDSConfig: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// A copy of the traffic (libpcap) is inspected; nothing is blocked.
        case passive
        /// The traffic goes through the engine (NFQUEUE); `drop` rules drop.
        case inline
    }

    public var enabled = false
    public var interfaces = ["tun0"]
    public var mode: Mode = .passive
    /// Inline only: while no engine listens on the queue, traffic passes (true) or is dropped.
    public var failOpen = true

    public init() {}

    enum CodingKeys: String, CodingKey { case enabled, interfaces, mode, failOpen = "fail_open" }
}

/// The rule text as uploaded, and the sids switched off (`PUT /api/ids/rules/{sid}`).
public struct IDSRuleText: Codable, Sendable, Equatable {
    public var text = ""
    public var disabled: [UInt32] = []
    public init(text: String = "", disabled: [UInt32] = []) {
        self.text = text
        self.disabled = disabled
    }
}

/// Variables set by the operator (`PUT /api/ids/variables`); the rest keep their defaults.
public struct IDSVariableOverrides: Codable, Sendable, Equatable {
    public var values: [String: String] = [:]
    public init(values: [String: String] = [:]) { self.values = values }
}

extension SettingKey {
    public static var ids: SettingKey<IDSConfig> { .init("ids") }
    public static var idsRules: SettingKey<IDSRuleText> { .init("ids_rules") }
    public static var idsVariables: SettingKey<IDSVariableOverrides> { .init("ids_variables") }
}
