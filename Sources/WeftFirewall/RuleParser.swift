import WeftModel

/// Parses VNS3 rules (iptables arguments without `-A`, starting with a customer chain) into
/// `FirewallRule`s, table-driven: every option names the module it belongs to, whether `!`
/// may precede it, and how its value is checked. A refused rule names the word and why.
public struct RuleParser: Sendable {
    /// What a rule may refer to besides itself.
    public struct Context: Sendable {
        public var sets: Set<String>
        public var subgroups: Set<String>
        public var services: ServiceNames
        public init(sets: Set<String> = [], subgroups: Set<String> = [], services: ServiceNames = ServiceNames()) {
            self.sets = sets
            self.subgroups = subgroups
            self.services = services
        }
    }

    public let context: Context
    public init(context: Context = Context()) { self.context = context }

    enum Value {
        case networks, interface, proto, port, portList, states(Set<String>), setMatch, text, rate, integer
        case rejectType, logLevel, natAddress, netmap, address, portRange
        case none
    }

    struct Option {
        let canonical: String
        let module: String?   // nil: always available; "tcp|udp": implied by -p
        let negatable: Bool
        let value: Value
    }

    static let conntrackStates: Set<String> = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"]
    static let ctStates: Set<String> = conntrackStates.union(["SNAT", "DNAT"])

    static let matchOptions: [String: Option] = {
        var table: [String: Option] = [:]
        func add(_ names: [String], _ module: String?, _ negatable: Bool, _ value: Value) {
            for name in names { table[name] = Option(canonical: names[0], module: module, negatable: negatable, value: value) }
        }
        add(["-s", "--source", "--src"], nil, true, .networks)
        add(["-d", "--destination", "--dst"], nil, true, .networks)
        add(["-i", "--in-interface"], nil, true, .interface)
        add(["-o", "--out-interface"], nil, true, .interface)
        add(["-p", "--protocol"], nil, true, .proto)
        add(["--dport", "--destination-port"], "port", true, .port)
        add(["--sport", "--source-port"], "port", true, .port)
        add(["--tcp-flags"], "tcp", true, .text)
        add(["--syn"], "tcp", true, .none)
        add(["--icmp-type"], "icmp", true, .text)
        add(["--state"], "state", true, .states(conntrackStates))
        add(["--ctstate"], "conntrack", true, .states(ctStates))
        add(["--match-set"], "set", true, .setMatch)
        add(["--comment"], "comment", false, .text)
        add(["--dports", "--destination-ports"], "multiport", true, .portList)
        add(["--sports", "--source-ports"], "multiport", true, .portList)
        add(["--ports"], "multiport", true, .portList)
        add(["--limit"], "limit", false, .rate)
        add(["--limit-burst"], "limit", false, .integer)
        add(["--src-range"], "iprange", true, .text)
        add(["--dst-range"], "iprange", true, .text)
        add(["--mac-source"], "mac", true, .text)
        return table
    }()

    static let modules: Set<String> = ["tcp", "udp", "icmp", "state", "conntrack", "set", "comment", "multiport", "limit", "iprange", "mac"]
    static let portProtocols: Set<String> = ["tcp", "udp", "sctp", "udplite"]
    static let protocols: Set<String> = ["tcp", "udp", "icmp", "all", "gre", "esp", "ah", "sctp", "udplite", "ospf", "vrrp"]

    /// Target → its options, and the chains it is allowed in.
    static let targets: [String: (options: [String: Option], chains: Set<CustomerChain>)] = {
        let filter: Set<CustomerChain> = [.input, .output, .forward]
        let nat: Set<CustomerChain> = [.prerouting, .postrouting]
        func option(_ name: String, _ value: Value) -> Option { Option(canonical: name, module: nil, negatable: false, value: value) }
        return [
            "ACCEPT": ([:], filter.union(nat)),
            "DROP": ([:], filter),
            "RETURN": ([:], filter.union(nat)),
            "REJECT": (["--reject-with": option("--reject-with", .rejectType)], filter),
            "LOG": (["--log-prefix": option("--log-prefix", .text), "--log-level": option("--log-level", .logLevel)], filter.union(nat)),
            "MASQUERADE": (["--to-ports": option("--to-ports", .portRange)], [.postrouting, .macro]),
            "SNAT": (["--to-source": option("--to-source", .natAddress), "--to": option("--to-source", .natAddress)], [.postrouting]),
            "DNAT": (["--to-destination": option("--to-destination", .natAddress), "--to": option("--to-destination", .natAddress)], [.prerouting]),
            "NETMAP": (["--to": option("--to", .netmap)], nat),
            "COPY": (["--from": option("--from", .interface), "--to": option("--to", .address), "--bidirectional": option("--bidirectional", .none)], [.macro]),
        ]
    }()

    static let rejectTypes: Set<String> = [
        "icmp-net-unreachable", "icmp-host-unreachable", "icmp-port-unreachable", "icmp-proto-unreachable",
        "icmp-net-prohibited", "icmp-host-prohibited", "icmp-admin-prohibited", "tcp-reset",
    ]

    // MARK: - Parsing

    public func parse(_ line: String, position: Int? = nil) throws(RuleError) -> FirewallRule {
        let trimmed = line.trimmingWhitespace
        func fail(_ token: String?, _ reason: String) -> RuleError {
            RuleError(position: position, token: token, reason: reason, rule: trimmed)
        }
        let words: [String]
        do { words = try RuleLexer.words(trimmed) } catch { throw fail(nil, error.message) }
        guard let chainWord = words.first else { throw fail(nil, "empty rule") }
        let rest = words.dropFirst()
        if chainWord == "-A" || chainWord == "-I" {
            throw fail(chainWord, "rules start with the chain, without -A or -I (e.g. \"INPUT_CUST -p tcp --dport 22 -j ACCEPT\")")
        }
        let chain: CustomerChain
        if let named = CustomerChain(rawValue: chainWord) {
            chain = named
        } else if let family = CustomerChain.family(ofSubgroup: chainWord) {
            guard context.subgroups.contains(chainWord) else { throw fail(chainWord, "subgroup chain \(chainWord) does not exist") }
            chain = family
        } else {
            throw fail(chainWord, "unknown chain; use INPUT_CUST, OUTPUT_CUST, FORWARD_CUST, PREROUTING_CUST, POSTROUTING_CUST, MACRO_CUST or a subgroup (INP_C_, OUT_C_, FWD_C_, PRE_C_, PST_C_)")
        }

        var arguments: [String] = []
        var modules: Set<String> = []
        var proto: String?
        var target: String?
        var targetOptions: [String: Option] = [:]
        var seenTargetOptions: [String: String] = [:]
        var sets: [String] = []
        var sources: [String] = [], destinations: [String] = [], dports: [String] = []
        var inInterface: String?
        var matchCount = 0
        var negate = false
        var index = rest.startIndex
        arguments.reserveCapacity(rest.count)

        func next(_ option: String) throws(RuleError) -> String {
            index += 1
            guard index < rest.endIndex else { throw fail(option, "missing value") }
            return rest[index]
        }

        while index < rest.endIndex {
            let word = rest[index]
            if word == "!" {
                guard !negate else { throw fail(word, "double negation") }
                negate = true
                arguments.append("!")
                index += 1
                continue
            }
            if let target {
                // Target options follow the target.
                guard let option = targetOptions[word] else {
                    throw fail(word, "unknown option for target \(target)")
                }
                guard seenTargetOptions[option.canonical] == nil else { throw fail(word, "option given twice") }
                let value = try option.value.isFlag ? "" : checkValue(option.value, try next(word), option: word, fail: fail)
                seenTargetOptions[option.canonical] = value
                if target != "COPY" {
                    arguments.append(option.canonical)
                    if !option.value.isFlag { arguments.append(value) }
                }
                index += 1
                continue
            }
            switch word {
            case "-m", "--match":
                guard !negate else { throw fail(word, "\"!\" cannot negate -m") }
                let name = try next(word)
                guard Self.modules.contains(name) else { throw fail(name, "unknown match module (known: \(Self.modules.sorted().joined(separator: ", ")))") }
                modules.insert(name)
                arguments.append("-m")
                arguments.append(name)
            case "-j", "--jump":
                guard !negate else { throw fail(word, "\"!\" cannot negate -j") }
                let name = try next(word)
                if let known = Self.targets[name] {
                    guard known.chains.contains(chain) else {
                        throw fail(name, "target \(name) is not allowed in \(chain.rawValue)")
                    }
                    targetOptions = known.options
                } else if let prefix = chain.subgroupPrefix, name.hasPrefix(prefix), name.count > prefix.count {
                    guard context.subgroups.contains(name) else { throw fail(name, "subgroup chain \(name) does not exist") }
                    guard name != chainWord else { throw fail(name, "a subgroup cannot jump to itself") }
                } else {
                    throw fail(name, "unknown target for \(chain.rawValue)")
                }
                target = name
                arguments.append("-j")
                arguments.append(name)
            case "-g", "--goto":
                throw fail(word, "-g is not supported; use -j")
            default:
                guard let option = Self.matchOptions[word] else {
                    throw fail(word, word.hasPrefix("-") ? "unknown option" : "unexpected word")
                }
                if negate && !option.negatable { throw fail(word, "\"!\" cannot negate \(word)") }
                switch option.module {
                case nil: break
                case "port":
                    guard let proto, Self.portProtocols.contains(proto) else {
                        throw fail(word, "\(word) needs -p tcp or -p udp before it")
                    }
                case "tcp", "icmp":
                    guard proto == option.module || modules.contains(option.module!) else {
                        throw fail(word, "\(word) needs -p \(option.module!) before it")
                    }
                case let module?:
                    guard modules.contains(module) else { throw fail(word, "\(word) needs -m \(module) before it") }
                    if module == "multiport", !Self.portProtocols.contains(proto ?? "") {
                        throw fail(word, "multiport needs -p tcp or -p udp")
                    }
                }
                var value = ""
                if case .setMatch = option.value {
                    let name = try next(word)
                    let flags = try next(word)
                    guard context.sets.contains(name) else { throw fail(name, "set \(name) does not exist") }
                    guard flags.split(separator: ",").allSatisfy({ $0 == "src" || $0 == "dst" }), !flags.isEmpty else {
                        throw fail(flags, "--match-set flags must be src, dst or a comma list of them")
                    }
                    sets.append(name)
                    arguments += [option.canonical, name, flags]
                } else if option.canonical == "--tcp-flags" {
                    let mask = try next(word), comp = try next(word)
                    arguments += [option.canonical, mask, comp]
                } else if option.value.isFlag {
                    arguments.append(option.canonical)
                } else {
                    value = try checkValue(option.value, try next(word), option: word, fail: fail)
                    arguments.append(option.canonical)
                    arguments.append(value)
                }
                switch option.canonical {
                case "-p":
                    proto = negate ? nil : value
                case "-s": sources.append(rest[index])
                case "-d": destinations.append(rest[index])
                case "--dport", "--dports": dports.append(rest[index])
                case "-i": inInterface = negate ? nil : value
                default: break
                }
                if option.canonical != "--comment" { matchCount += 1 }
            }
            negate = false
            index += 1
        }
        if negate { throw fail("!", "\"!\" at the end of the rule") }
        guard let target else { throw fail(nil, "missing target (-j ACCEPT, -j DROP, ...)") }

        var kind = FirewallRule.Kind.iptables
        if chain == .macro {
            if target == "COPY" {
                guard let from = seenTargetOptions["--from"], let to = seenTargetOptions["--to"] else {
                    throw fail("COPY", "COPY needs --from INTERFACE and --to ADDRESS")
                }
                guard matchCount == 0 else { throw fail("COPY", "COPY takes no matches; only --from, --to and --bidirectional") }
                kind = .copy(from: from, to: to, bidirectional: seenTargetOptions["--bidirectional"] != nil)
                arguments.removeAll()
            } else {
                guard arguments.contains("-o") else { throw fail("MASQUERADE", "the MACRO_CUST masquerade needs -o INTERFACE") }
                kind = .masqueradeMacro
            }
        } else if target == "NETMAP", seenTargetOptions["--to"] == nil {
            throw fail("NETMAP", "NETMAP needs --to NETWORK")
        } else if target == "DNAT", seenTargetOptions["--to-destination"] == nil {
            throw fail("DNAT", "DNAT needs --to-destination ADDRESS[:PORT]")
        } else if target == "SNAT", seenTargetOptions["--to-source"] == nil {
            throw fail("SNAT", "SNAT needs --to-source ADDRESS")
        }
        return FirewallRule(chain: chain, kernelChain: chainWord, kind: kind, arguments: arguments,
                            text: Self.text(chain: chain, words: rest), target: target,
                            setReferences: sets, sources: sources, destinations: destinations,
                            destinationPorts: dports, protocolName: proto, inInterface: inInterface,
                            matchesEverything: matchCount == 0)
    }

    // MARK: - Values

    func checkValue(_ kind: Value, _ raw: String, option: String, fail: (String?, String) -> RuleError) throws(RuleError) -> String {
        switch kind {
        case .networks:
            if !raw.utf8.contains(UInt8(ascii: ",")) {
                guard IPv4Network(raw) != nil || IPv4Address(raw) != nil else {
                    throw fail(raw, "\(option) needs an IPv4 address or CIDR (comma list allowed)")
                }
                return raw
            }
            for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
                guard IPv4Address(part) != nil || IPv4Network(part) != nil else {
                    throw fail(raw, "\(option) needs an IPv4 address or CIDR (comma list allowed)")
                }
            }
            return raw
        case .address:
            guard IPv4Address(raw) != nil else { throw fail(raw, "\(option) needs an IPv4 address") }
            return raw
        case .interface:
            guard !raw.isEmpty, raw.count <= 15, raw.allSatisfy({ $0.isLetter || $0.isNumber || "._-+:@".contains($0) }),
                  !raw.hasPrefix("-") else { throw fail(raw, "\(option) needs an interface name") }
            return raw
        case .proto:
            let lower = raw.lowercased()
            guard Self.protocols.contains(lower) || (Int(lower).map { (0...255).contains($0) } ?? false) else {
                throw fail(raw, "unknown protocol")
            }
            return lower
        case .port:
            return try portSpec(raw, separator: ":", fail: fail, option: option)
        case .portRange:
            return try portSpec(raw, separator: "-", fail: fail, option: option)
        case .portList:
            let parts = raw.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count <= 15 else { throw fail(raw, "multiport takes at most 15 ports") }
            return try parts.map { (part) throws(RuleError) -> String in try portSpec(String(part), separator: ":", fail: fail, option: option) }
                .joined(separator: ",")
        case .states(let allowed):
            for state in raw.split(separator: ",", omittingEmptySubsequences: false) where !allowed.contains(String(state)) {
                throw fail(raw, "unknown state \"\(state)\" (known: \(allowed.sorted().joined(separator: ",")))")
            }
            return raw
        case .text:
            guard raw.count <= 256 else { throw fail(option, "text longer than 256 characters") }
            return raw
        case .rate:
            let parts = raw.split(separator: "/")
            guard parts.count <= 2, let n = Int(parts[0]), n > 0,
                  parts.count == 1 || ["s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"].contains(String(parts[1])) else {
                throw fail(raw, "--limit needs a rate like 10/second")
            }
            return raw
        case .integer:
            guard let n = Int(raw), n >= 0 else { throw fail(raw, "\(option) needs a number") }
            return raw
        case .rejectType:
            guard Self.rejectTypes.contains(raw) else { throw fail(raw, "unknown --reject-with type") }
            return raw
        case .logLevel:
            guard (Int(raw).map { (0...7).contains($0) } ?? false) ||
                  ["emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"].contains(raw) else {
                throw fail(raw, "unknown log level")
            }
            return raw
        case .natAddress:
            // ADDRESS[-ADDRESS][:PORT[-PORT]]
            let pieces = raw.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let addresses = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(addresses.count), addresses.allSatisfy({ IPv4Address($0) != nil }) else {
                throw fail(raw, "\(option) needs ADDRESS[-ADDRESS][:PORT[-PORT]]")
            }
            if pieces.count == 2 { _ = try portSpec(String(pieces[1]), separator: "-", fail: fail, option: option) }
            return raw
        case .netmap:
            guard IPv4Network(raw) != nil else { throw fail(raw, "NETMAP --to needs a network in CIDR notation") }
            return raw
        case .setMatch, .none:
            return raw
        }
    }

    /// A port, a service name, or a range `LOW<sep>HIGH`; names resolved to numbers.
    func portSpec(_ raw: String, separator: Character, fail: (String?, String) -> RuleError, option: String) throws(RuleError) -> String {
        if let n = Self.plainPort(raw) { return n }
        let bounds = raw.split(separator: separator, maxSplits: 1, omittingEmptySubsequences: false)
        var numbers: [Int] = []
        for bound in bounds {
            if let n = Int(bound), (0...65535).contains(n) {
                numbers.append(n)
            } else if !bound.isEmpty, let n = context.services.port(String(bound)) {
                numbers.append(n)
            } else {
                throw fail(raw, "\(option) needs a port number, a range or a known service name")
            }
        }
        if numbers.count == 2, numbers[0] > numbers[1] { throw fail(raw, "port range runs backwards") }
        return numbers.map(String.init).joined(separator: String(separator))
    }
}

extension RuleParser {
    /// A port written as plain digits without a leading zero ("443"): returned as it is.
    static func plainPort(_ raw: String) -> String? {
        var n = 0
        var count = 0
        for byte in raw.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), count < 5 else { return nil }
            if count == 1 && n == 0 { return nil }
            n = n * 10 + Int(byte - UInt8(ascii: "0"))
            count += 1
        }
        return count > 0 && n <= 65535 ? raw : nil
    }

    /// The rule's display text: the chain's canonical name, then the words, quoted where needed.
    static func text(chain: CustomerChain, words: ArraySlice<String>) -> String {
        var text = chain.rawValue
        text.reserveCapacity(words.reduce(text.utf8.count) { $0 + $1.utf8.count + 1 })
        for word in words {
            text.append(" ")
            text.append(RuleLexer.quoted(word))
        }
        return text
    }
}

extension RuleParser.Value {
    /// An option that takes no value (`--syn`, `--bidirectional`).
    var isFlag: Bool { if case .none = self { true } else { false } }
}

extension String {
    var trimmingWhitespace: String {
        let bytes = utf8
        if let first = bytes.first, let last = bytes.last, first > 0x20, last > 0x20 { return self }
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
