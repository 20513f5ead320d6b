/// The firewall presets of plugin instances (`PUT /api/plugin-instances/{id}/firewall`):
/// rules Weft generates into its own chains, apart from the customer's policy.
public struct PluginFirewall: Sendable, Equatable, Codable {
    public var rules: [PluginPortRule]
    /// The plugin network (CIDR) when the rules were written: not masqueraded towards itself.
    public var network: String?
    public init(rules: [PluginPortRule] = [], network: String? = nil) {
        self.rules = rules
        self.network = network
    }
}

/// One preset of one instance: `port_map`/`ssh` (host port → the instance's port) or
/// `internet` (the instance's traffic masqueraded on its way out).
public struct PluginPortRule: Sendable, Equatable, Codable {
    /// `waf`: a WAF service's port steered to the WAF plugin (instance id 0, Weft's own).
    public enum Preset: String, Sendable, Codable, CaseIterable { case ssh, internet, portMap = "port_map", waf }
    public var instanceID: Int
    public var preset: Preset
    /// The instance's address on the plugin network.
    public var address: String
    public var hostPort: Int?
    public var containerPort: Int?
    /// "tcp" or "udp".
    public var proto: String

    public init(instanceID: Int, preset: Preset, address: String, hostPort: Int? = nil, containerPort: Int? = nil, proto: String = "tcp") {
        self.instanceID = instanceID
        self.preset = preset
        self.address = address
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.proto = proto
    }
}
