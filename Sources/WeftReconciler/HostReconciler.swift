import WeftModel
import WeftStore
import WeftSystem

/// Host settings the controller owns: IP forwarding, reverse-path filtering, and TCP MSS
/// clamping for traffic forwarded through tunnels (mangle chain `WEFT_MSS`, hooked from
/// FORWARD).
public struct HostReconciler: SubsystemReconciler {
    public let name = "host"
    let sysctl: any Sysctl
    let netfilter: any Netfilter

    public static let mssChain = "WEFT_MSS"

    public init(sysctl: any Sysctl, netfilter: any Netfilter) {
        self.sysctl = sysctl
        self.netfilter = netfilter
    }

    /// Desired sysctl values.
    static func sysctls(_ settings: HostSettings) -> [(String, String)] {
        [("net.ipv4.ip_forward", settings.ipForward ? "1" : "0"),
         ("net.ipv4.conf.all.rp_filter", String(settings.rpFilter)),
         ("net.ipv4.conf.default.rp_filter", String(settings.rpFilter))]
    }

    /// The chain's rules, written exactly as `iptables-save` prints them so that the
    /// read-back compares equal.
    static func mssRules(_ settings: HostSettings) -> [String] {
        settings.mssClampInterfaces.flatMap { pattern in
            ["-i \(pattern) -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
             "-o \(pattern) -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu"]
        }
    }

    /// Rules of `chain` and whether FORWARD jumps to it, from `iptables-save -t mangle`.
    static func observe(mangle text: String) -> (rules: [String]?, hooked: Bool) {
        var rules: [String]?
        var hooked = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix(":\(mssChain) ") { rules = rules ?? [] }
            if line.hasPrefix("-A \(mssChain) ") { rules = (rules ?? []) + [String(line.dropFirst("-A \(mssChain) ".count))] }
            if line == "-A FORWARD -j \(mssChain)" { hooked = true }
        }
        return (rules, hooked)
    }

    public func reconcile(_ desired: DesiredState, apply: Bool) async throws -> [Change] {
        var changes: [Change] = []
        var sysctlWrites: [(String, String)] = []
        for (key, value) in Self.sysctls(desired.host) {
            let current = (try? sysctl.get(key)) ?? "?"
            if current != value {
                sysctlWrites.append((key, value))
                changes.append(Change(name, "sysctl \(key) \(current) -> \(value)"))
            }
        }
        let wanted = Self.mssRules(desired.host)
        // Planning without applying must work without root or iptables: plan from nothing.
        let mangle = apply ? try await netfilter.save(table: "mangle") : ((try? await netfilter.save(table: "mangle")) ?? "")
        let observed = Self.observe(mangle: mangle)
        var payload: [String] = []
        if observed.rules != wanted {
            payload.append(":\(Self.mssChain) - [0:0]")
            payload += wanted.map { "-A \(Self.mssChain) \($0)" }
            changes.append(Change(name, "mangle \(Self.mssChain): \(wanted.count) MSS clamp rule(s)"))
        }
        if !observed.hooked {
            if observed.rules == nil && payload.isEmpty { payload.append(":\(Self.mssChain) - [0:0]") }
            payload.append("-A FORWARD -j \(Self.mssChain)")
            changes.append(Change(name, "mangle FORWARD -> \(Self.mssChain)"))
        }
        guard apply, !changes.isEmpty else { return changes }

        // Tables first (checked with --test before anything changes), then sysctls.
        if !payload.isEmpty {
            try await netfilter.restore((["*mangle"] + payload + ["COMMIT"]).joined(separator: "\n") + "\n")
        }
        for (key, value) in sysctlWrites { try sysctl.set(key, value) }

        // Read back.
        for (key, value) in Self.sysctls(desired.host) {
            let now = try sysctl.get(key)
            guard now == value else { throw SystemError.io("sysctl \(key) reads \(now) after writing \(value)") }
        }
        let after = Self.observe(mangle: try await netfilter.save(table: "mangle"))
        guard after.rules == wanted, after.hooked else {
            throw SystemError.io("mangle \(Self.mssChain) differs from the desired rules after apply")
        }
        return changes
    }
}
