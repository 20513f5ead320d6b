/// Inline intrusion prevention: the packets of the inspected interfaces go to an NFQUEUE
/// queue, where the IDS engine gives each its verdict. The rules sit in Weft's own mangle
/// chain `WEFT_IDS`, jumped to from mangle INPUT, FORWARD and OUTPUT, so the filter
/// table (customer rules and the protective default) still decides after the engine
/// accepted a packet. Without steering the chain is empty.
public struct IDSSteering: Sendable, Equatable {
    public var interfaces: [String]
    public var queue: Int
    /// `--queue-bypass`: while no engine listens, the kernel accepts the packets (fail-open);
    /// without it it drops them (fail-closed).
    public var bypass: Bool

    public init(interfaces: [String], queue: Int, bypass: Bool) {
        self.interfaces = interfaces
        self.queue = queue
        self.bypass = bypass
    }

    public static let chain = "WEFT_IDS"

    /// The chain's rules, as iptables-save prints them.
    public var rules: [String] {
        let target = "-j NFQUEUE --queue-num \(queue)" + (bypass ? " --queue-bypass" : "")
        return interfaces.flatMap { ["-i \($0) \(target)", "-o \($0) \(target)"] }
    }
}

extension FirewallCompiler {
    /// The hooks of `WEFT_IDS` (mangle, appended after Weft's COPY hooks).
    static let idsHooks: [(NetfilterTable, String, String)] = [
        (.mangle, "INPUT", IDSSteering.chain), (.mangle, "FORWARD", IDSSteering.chain), (.mangle, "OUTPUT", IDSSteering.chain),
    ]
}
