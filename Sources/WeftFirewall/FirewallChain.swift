/// The chains a VNS3 rule may start with, and where each one lives in the kernel.
public enum CustomerChain: String, Sendable, CaseIterable, Codable {
    case input = "INPUT_CUST"
    case output = "OUTPUT_CUST"
    case forward = "FORWARD_CUST"
    case prerouting = "PREROUTING_CUST"
    case postrouting = "POSTROUTING_CUST"
    case macro = "MACRO_CUST"

    public var table: NetfilterTable {
        switch self {
        case .input, .output, .forward: .filter
        case .prerouting, .postrouting, .macro: .nat
        }
    }

    /// The built-in chain this one is evaluated from.
    public var builtin: String {
        switch self {
        case .input: "INPUT"
        case .output: "OUTPUT"
        case .forward: "FORWARD"
        case .prerouting: "PREROUTING"
        case .postrouting, .macro: "POSTROUTING"
        }
    }

    /// Prefix of the subgroup chains a rule in this chain may jump to.
    /// The family of a subgroup chain name (`INP_C_admins` → `.input`), if it has one.
    public static func family(ofSubgroup name: String) -> CustomerChain? {
        allCases.first { chain in
            guard let prefix = chain.subgroupPrefix else { return false }
            return name.hasPrefix(prefix) && name.count > prefix.count
        }
    }

    public var subgroupPrefix: String? {
        switch self {
        case .input: "INP_C_"
        case .output: "OUT_C_"
        case .forward: "FWD_C_"
        case .prerouting: "PRE_C_"
        case .postrouting: "PST_C_"
        case .macro: nil
        }
    }
}

public enum NetfilterTable: String, Sendable, CaseIterable {
    case filter, nat, mangle
}
