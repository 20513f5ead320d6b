/// One parsed VNS3 firewall rule.
public struct FirewallRule: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// An iptables rule in the chain's table, `arguments` ready for `-A CHAIN`.
        case iptables
        /// `MACRO_CUST -o IF -s NET -j MASQUERADE`: source NAT out of an interface.
        case masqueradeMacro
        /// `MACRO_CUST -j COPY --from IF --to IP [--bidirectional]`: a copy of the traffic
        /// through the kernel TEE target.
        case copy(from: String, to: String, bidirectional: Bool)
    }

    /// The customer chain, or for a subgroup rule the chain family its prefix names.
    public let chain: CustomerChain
    /// The kernel chain the rule goes into: the customer chain or the subgroup chain.
    public let kernelChain: String
    public let kind: Kind
    /// iptables arguments after the chain, dashes normalised, service names resolved.
    public let arguments: [String]
    /// The rule as stored and shown: the chain and the words as written (dashes normalised).
    public let text: String
    /// The target (`ACCEPT`, `DNAT`, a subgroup chain, ...).
    public let target: String
    /// ipset names the rule matches with `-m set --match-set`.
    public let setReferences: [String]
    /// Matches: source / destination networks as written (for lint), ports, protocol.
    public let sources: [String]
    public let destinations: [String]
    public let destinationPorts: [String]
    public let protocolName: String?
    public let inInterface: String?
    /// True when the rule has no match at all besides the chain (it hits every packet).
    public let matchesEverything: Bool
}

/// A refused rule: where, which word, and why.
public struct RuleError: Error, Equatable, Sendable, CustomStringConvertible {
    public var position: Int?
    public let token: String?
    public let reason: String
    public let rule: String

    public init(position: Int? = nil, token: String?, reason: String, rule: String) {
        self.position = position
        self.token = token
        self.reason = reason
        self.rule = rule
    }

    public var description: String {
        var text = position.map { "rule \($0)" } ?? "rule"
        if let token { text += ", at \"\(token)\"" }
        return text + ": \(reason) (in \"\(rule)\")"
    }
}
