/// The Suricata options that change how traffic is treated.
public struct EngineOptions: Sendable {
    /// `stream.inline=true`: inspect stream data as it arrives, not once acknowledged.
    public var streamInline = false
    /// `stream.midstream=true`: pick up TCP sessions without a handshake.
    public var midstream = false
    /// `--simulate-ips`: drop rules drop, and imply inline stream inspection.
    public var simulateIPS = false
    /// Reassembly depth per stream direction (Suricata's default 1 MiB).
    public var streamDepth = TCPStream.defaultDepth
    /// In inline mode, bytes of already inspected stream data kept in front of new data, so matches can span segments.
    public var streamOverlap = 2048
    public var maxFlows = 65_536
    /// Prefilter rules by their fast pattern with Hyperscan (off: every rule is evaluated).
    public var useHyperscan = true

    public init() {}

    var inline: Bool { streamInline || simulateIPS }
}

/// One alert, with what the outputs need to write it.
public struct Alert: Sendable {
    public var rule: Rule
    public var packet: Packet
    /// "allowed", or "blocked" for a packet dropped in IPS mode.
    public var action: String
    public var flowID: UInt64?
    public var appProto: String?
    public var isIPS: Bool
    /// The HTTP transaction the rule matched, for the `http` object of the EVE record.
    public var http: HTTPTransaction?
}
