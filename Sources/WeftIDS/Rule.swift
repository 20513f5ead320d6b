/// A parsed Suricata-format rule.
public struct Rule: Sendable {
    public enum Action: String, Sendable { case alert, drop, pass }
    public enum Proto: String, Sendable { case tcp, udp, icmp, ip, http }

    public var action: Action = .alert
    public var proto: Proto = .ip
    public var src: AddressSet = .any
    public var srcPorts: PortSet = .any
    public var dst: AddressSet = .any
    public var dstPorts: PortSet = .any
    public var bidirectional = false

    public var msg = ""
    public var sid: UInt32 = 0
    public var rev: UInt32 = 0
    public var gid: UInt32 = 1
    public var classtype: Classification?
    public var priority: Int?
    public var references: [String] = []
    public var metadata: [String] = []

    /// Match items per buffer, in rule order within each buffer.
    public var lists: [(buffer: Buffer, items: [MatchItem])] = []
    public var flow = FlowOption()
    public var flowbits: [Flowbit] = []
    public var dsize: NumberTest?
    public var ttl: NumberTest?
    public var itype: NumberTest?
    public var icode: NumberTest?
    public var flags: FlagsTest?
    public var threshold: Threshold?
    public var detectionFilter: Threshold?
    /// 1-based line of the rule in its file.
    public var line = 0

    public init() {}

    public var effectivePriority: Int { priority ?? classtype?.priority ?? 3 }

    public func items(for buffer: Buffer) -> [MatchItem] { lists.first { $0.buffer == buffer }?.items ?? [] }
    public var payloadItems: [MatchItem] { items(for: .payload) }
    public var httpLists: [(buffer: Buffer, items: [MatchItem])] { lists.filter { $0.buffer != .payload } }
    public var usesHTTP: Bool { proto == .http || lists.contains { $0.buffer != .payload } }
    public var hasPacketTests: Bool { dsize != nil || ttl != nil || itype != nil || icode != nil || flags != nil }
    /// Suricata's IP-only rules: addresses and protocol only, inspected once per flow direction.
    public var isIPOnly: Bool {
        proto != .http && lists.isEmpty && !flow.isSet && flowbits.isEmpty && !hasPacketTests
            && srcPorts.isAny && dstPorts.isAny
    }
    /// Application-layer rules act on the whole flow in IPS mode.
    public var actsOnFlow: Bool { isIPOnly || (usesHTTP && !httpLists.isEmpty && !hasPacketTests) }
}

public struct Classification: Sendable, Equatable {
    public var name: String
    public var description: String
    public var priority: Int
}

/// A set of addresses as written in a rule header (`any`, CIDRs, lists, negation).
public indirect enum AddressSet: Sendable {
    case any
    case cidr(CIDR)
    case list([AddressSet])
    case not(AddressSet)

    public func contains(_ ip: IPAddress) -> Bool {
        switch self {
        case .any: return true
        case .cidr(let c): return c.contains(ip)
        case .not(let inner): return !inner.contains(ip)
        case .list(let items):
            var positives = false, hit = false
            for item in items {
                if case .not(let inner) = item {
                    if inner.contains(ip) { return false }
                } else {
                    positives = true
                    if item.contains(ip) { hit = true }
                }
            }
            return !positives || hit
        }
    }
}

/// A set of ports (`any`, single ports, `a:b` ranges, lists, negation).
public indirect enum PortSet: Sendable {
    case any
    case range(UInt16, UInt16)
    case list([PortSet])
    case not(PortSet)

    public var isAny: Bool { if case .any = self { return true }; return false }

    public func contains(_ port: UInt16) -> Bool {
        switch self {
        case .any: return true
        case .range(let lo, let hi): return port >= lo && port <= hi
        case .not(let inner): return !inner.contains(port)
        case .list(let items):
            var positives = false, hit = false
            for item in items {
                if case .not(let inner) = item {
                    if inner.contains(port) { return false }
                } else {
                    positives = true
                    if item.contains(port) { hit = true }
                }
            }
            return !positives || hit
        }
    }
}

/// The buffers a content or pcre can inspect.
public enum Buffer: String, Sendable, CaseIterable {
    case payload = "pkt_data"
    case httpMethod = "http.method"
    case httpURI = "http.uri"
    case httpRawURI = "http.uri.raw"
    case httpHost = "http.host"
    case httpUserAgent = "http.user_agent"
    case httpHeader = "http.header"
    case httpCookie = "http.cookie"
    case httpRequestBody = "http.request_body"
    case httpStatCode = "http.stat_code"
    case httpResponseBody = "http.response_body"

    public enum Side: Sendable { case request, response, either }
    public var side: Side {
        switch self {
        case .httpStatCode, .httpResponseBody: return .response
        case .httpHeader, .httpCookie, .payload: return .either
        default: return .request
        }
    }
}

public struct ContentMatch: Sendable {
    public var pattern: [UInt8]
    public var negated = false
    public var nocase = false
    public var offset: Int?
    public var depth: Int?
    public var distance: Int?
    public var within: Int?
    public var startswith = false
    public var endswith = false
    public var fastPattern = false
    public var isRelative: Bool { distance != nil || within != nil }
}

public struct PcreMatch: Sendable {
    public var regex: PCRERegex
    public var negated = false
    public var relative = false
    public var source: String
}

public enum MatchItem: Sendable {
    case content(ContentMatch)
    case pcre(PcreMatch)
}

public struct FlowOption: Sendable {
    public var established: Bool?
    /// true: to_server / from_client; false: to_client / from_server.
    public var toServer: Bool?
    public var onlyStream = false
    public var noStream = false
    public var isSet = false
}

public struct Flowbit: Sendable {
    public enum Op: String, Sendable { case set, isset, isnotset, unset, toggle, noalert }
    public var op: Op
    public var names: [String]
}

/// dsize, ttl, itype, icode: `N`, `<N`, `>N`, `<=N`, `>=N`, `!N`, `A<>B` (exclusive).
public struct NumberTest: Sendable {
    public enum Op: Sendable { case eq, ne, lt, le, gt, ge, range }
    public var op: Op
    public var a: Int
    public var b: Int = 0
    public func matches(_ v: Int) -> Bool {
        switch op {
        case .eq: return v == a
        case .ne: return v != a
        case .lt: return v < a
        case .le: return v <= a
        case .gt: return v > a
        case .ge: return v >= a
        case .range: return v > a && v < b
        }
    }
}

/// `flags:[!*+]FLAGS[,IGNORED]`.
public struct FlagsTest: Sendable {
    public enum Mode: Sendable { case exact, all, any, not }
    public var mode: Mode
    public var mask: UInt8
    public var ignore: UInt8 = 0
    public func matches(_ f: UInt8) -> Bool {
        let v = f & ~ignore
        switch mode {
        case .exact: return v == mask
        case .all: return v & mask == mask
        case .any: return mask == 0 ? v == 0 : v & mask != 0
        case .not: return v & mask == 0
        }
    }
}

public struct Threshold: Sendable {
    public enum Kind: String, Sendable { case limit, threshold, both, detectionFilter }
    public enum Track: String, Sendable { case bySrc = "by_src", byDst = "by_dst", byRule = "by_rule", byFlow = "by_flow", byBoth = "by_both" }
    public var kind: Kind
    public var track: Track
    public var count: Int
    public var seconds: Int
}
