import Foundation

/// A rule file, parsed: the rules and, when unsupported rules were skipped, why.
public struct RuleSet: Sendable {
    public var rules: [Rule]
    public var warnings: [String]

    /// Parses a rule file. Any bad or unsupported rule refuses the file, naming the line,
    /// unless `skipUnsupported` is set: then rules with an unknown keyword are skipped with a warning.
    public static func parse(_ text: String, variables: RuleVariables = .suricataDefaults,
                             classifications: [String: Classification] = Classifications.stock,
                             skipUnsupported: Bool = false) throws -> RuleSet {
        var rules: [Rule] = []
        var warnings: [String] = []
        var seen = Set<UInt64>()
        let parser = RuleParser(variables: variables, classifications: classifications)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var i = 0
        while i < lines.count {
            let startLine = i + 1
            var logical = String(lines[i]).trimmingCharacters(in: .whitespaces)
            if logical.hasSuffix("\r") { logical.removeLast() }
            while logical.hasSuffix("\\"), i + 1 < lines.count {
                logical.removeLast()
                i += 1
                logical += String(lines[i]).trimmingCharacters(in: .whitespaces)
            }
            i += 1
            let trimmed = logical.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do {
                var rule = try parser.parse(trimmed)
                rule.line = startLine
                let key = UInt64(rule.gid) << 32 | UInt64(rule.sid)
                guard seen.insert(key).inserted else {
                    throw IDSError(.ruleDuplicateSid, "duplicate sid \(rule.sid) (gid \(rule.gid))")
                }
                rules.append(rule)
            } catch let e as IDSError {
                if skipUnsupported && e.code == .ruleUnknownKeyword {
                    warnings.append("line \(startLine): skipped: \(e.reason)")
                    continue
                }
                throw e.at(line: startLine)
            }
        }
        return RuleSet(rules: rules, warnings: warnings)
    }
}

/// Parses one rule: header, then `(key:value; ...)` options.
public struct RuleParser: Sendable {
    public var variables: RuleVariables
    public var classifications: [String: Classification]

    public init(variables: RuleVariables = .suricataDefaults, classifications: [String: Classification] = Classifications.stock) {
        self.variables = variables
        self.classifications = classifications
    }

    public func parse(_ text: String) throws -> Rule {
        guard let open = text.firstIndex(of: "(") else { throw IDSError(.ruleSyntax, "no '(' starting the rule options") }
        let trimmedEnd = text.trimmingCharacters(in: .whitespaces)
        guard trimmedEnd.hasSuffix(")") else { throw IDSError(.ruleSyntax, "the rule options do not end with ')'") }
        var rule = Rule()
        try parseHeader(String(text[..<open]), into: &rule)
        let closeIdx = trimmedEnd.index(before: trimmedEnd.endIndex)
        let body = String(trimmedEnd[trimmedEnd.index(after: open)..<closeIdx])
        let options = try splitOptions(body)
        var state = OptionState()
        for (key, value) in options {
            try apply(key: key, value: value, to: &rule, state: &state)
        }
        rule.lists = RuleParser.group(state.entries)
        guard rule.sid != 0 else { throw IDSError(.ruleValue, "rule has no sid") }
        return rule
    }

    // MARK: header

    func parseHeader(_ header: String, into rule: inout Rule) throws {
        let f = header.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard f.count == 7 else { throw IDSError(.ruleSyntax, "rule header needs 7 fields (action proto src sport dir dst dport), found \(f.count)") }
        guard let action = Rule.Action(rawValue: f[0]) else {
            throw IDSError(.ruleUnknownKeyword, "unsupported action '\(f[0])'")
        }
        rule.action = action
        guard let proto = Rule.Proto(rawValue: f[1].lowercased()) else {
            throw IDSError(.ruleUnknownKeyword, "unsupported protocol '\(f[1])'")
        }
        rule.proto = proto
        rule.src = try parseAddress(f[2], depth: 0)
        rule.srcPorts = try parsePorts(f[3], depth: 0)
        switch f[4] {
        case "->": rule.bidirectional = false
        case "<>": rule.bidirectional = true
        default: throw IDSError(.ruleSyntax, "direction must be '->' or '<>', found '\(f[4])'")
        }
        rule.dst = try parseAddress(f[5], depth: 0)
        rule.dstPorts = try parsePorts(f[6], depth: 0)
    }

    /// Splits `[a,[b,c],!d]` at top-level commas.
    func splitList(_ s: Substring) throws -> [Substring] {
        var out: [Substring] = []
        var level = 0
        var start = s.startIndex
        for i in s.indices {
            switch s[i] {
            case "[": level += 1
            case "]": level -= 1; if level < 0 { throw IDSError(.ruleSyntax, "unbalanced ']' in '\(s)'") }
            case "," where level == 0: out.append(s[start..<i]); start = s.index(after: i)
            default: break
            }
        }
        guard level == 0 else { throw IDSError(.ruleSyntax, "unbalanced '[' in '\(s)'") }
        out.append(s[start...])
        return out.map { Substring($0.trimmingCharacters(in: .whitespaces)) }
    }

    func parseAddress(_ raw: String, depth: Int) throws -> AddressSet {
        guard depth < 16 else { throw IDSError(.ruleValue, "address variables nest too deeply") }
        var s = Substring(raw.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("!") { s.removeFirst(); return .not(try parseAddress(String(s), depth: depth + 1)) }
        if s == "any" { return .any }
        if s.hasPrefix("$") {
            guard let v = variables.addresses[String(s.dropFirst())] else { throw IDSError(.ruleValue, "unknown address variable \(s)") }
            return try parseAddress(v, depth: depth + 1)
        }
        if s.hasPrefix("[") {
            guard s.hasSuffix("]") else { throw IDSError(.ruleSyntax, "unbalanced '[' in address '\(s)'") }
            let inner = s.dropFirst().dropLast()
            return .list(try splitList(inner).map { try parseAddress(String($0), depth: depth + 1) })
        }
        guard let c = CIDR(s) else { throw IDSError(.ruleValue, "bad address '\(s)'") }
        return .cidr(c)
    }

    func parsePorts(_ raw: String, depth: Int) throws -> PortSet {
        guard depth < 16 else { throw IDSError(.ruleValue, "port variables nest too deeply") }
        var s = Substring(raw.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("!") { s.removeFirst(); return .not(try parsePorts(String(s), depth: depth + 1)) }
        if s == "any" { return .any }
        if s.hasPrefix("$") {
            guard let v = variables.ports[String(s.dropFirst())] else { throw IDSError(.ruleValue, "unknown port variable \(s)") }
            return try parsePorts(v, depth: depth + 1)
        }
        if s.hasPrefix("[") {
            guard s.hasSuffix("]") else { throw IDSError(.ruleSyntax, "unbalanced '[' in ports '\(s)'") }
            return .list(try splitList(s.dropFirst().dropLast()).map { try parsePorts(String($0), depth: depth + 1) })
        }
        func port(_ t: Substring) throws -> UInt16 {
            guard let v = UInt16(t) else { throw IDSError(.ruleValue, "bad port '\(t)'") }
            return v
        }
        if let colon = s.firstIndex(of: ":") {
            let a = s[..<colon], b = s[s.index(after: colon)...]
            let lo = a.isEmpty ? 0 : try port(a)
            let hi = b.isEmpty ? 65535 : try port(b)
            guard lo <= hi else { throw IDSError(.ruleValue, "port range '\(s)' is reversed") }
            return .range(lo, hi)
        }
        let p = try port(s)
        return .range(p, p)
    }

    // MARK: options

    /// Splits the option body at unquoted, unescaped ';' into (keyword, value) pairs.
    func splitOptions(_ body: String) throws -> [(String, String?)] {
        var out: [(String, String?)] = []
        var cur = ""
        var inQuote = false
        var escaped = false
        for ch in body {
            if escaped { cur.append(ch); escaped = false; continue }
            if ch == "\\" { cur.append(ch); escaped = true; continue }
            if ch == "\"" { inQuote.toggle(); cur.append(ch); continue }
            if ch == ";" && !inQuote {
                try appendOption(cur, &out)
                cur = ""
                continue
            }
            cur.append(ch)
        }
        if inQuote { throw IDSError(.ruleSyntax, "unbalanced quotes in the rule options") }
        if !cur.trimmingCharacters(in: .whitespaces).isEmpty {
            throw IDSError(.ruleSyntax, "the last option '\(cur.trimmingCharacters(in: .whitespaces))' is not closed by ';'")
        }
        return out
    }

    private func appendOption(_ raw: String, _ out: inout [(String, String?)]) throws {
        let t = raw.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return }
        if let colon = t.firstIndex(of: ":") {
            let k = t[..<colon].trimmingCharacters(in: .whitespaces)
            let v = t[t.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            out.append((k, v))
        } else {
            out.append((t, nil))
        }
    }

    struct OptionState {
        var sticky: Buffer = .payload
        /// Every content and pcre in rule order, with the buffer it inspects.
        var entries: [(buffer: Buffer, item: MatchItem)] = []
        var lastWasContent = false
    }

    static let stickyBuffers: [String: Buffer] = [
        "http.method": .httpMethod, "http.uri": .httpURI, "http.uri.raw": .httpRawURI, "http.host": .httpHost,
        "http.user_agent": .httpUserAgent, "http.header": .httpHeader, "http.cookie": .httpCookie,
        "http.request_body": .httpRequestBody, "http.stat_code": .httpStatCode, "http.response_body": .httpResponseBody,
        "pkt_data": .payload,
    ]
    static let legacyModifiers: [String: Buffer] = [
        "http_uri": .httpURI, "http_raw_uri": .httpRawURI, "http_method": .httpMethod, "http_host": .httpHost,
        "http_user_agent": .httpUserAgent, "http_header": .httpHeader, "http_cookie": .httpCookie,
        "http_client_body": .httpRequestBody, "http_stat_code": .httpStatCode, "http_server_body": .httpResponseBody,
    ]

    static func group(_ entries: [(buffer: Buffer, item: MatchItem)]) -> [(buffer: Buffer, items: [MatchItem])] {
        var out: [(buffer: Buffer, items: [MatchItem])] = []
        for e in entries {
            if let i = out.firstIndex(where: { $0.buffer == e.buffer }) { out[i].items.append(e.item) } else { out.append((e.buffer, [e.item])) }
        }
        return out
    }

    func apply(key: String, value: String?, to rule: inout Rule, state: inout OptionState) throws {
        func need() throws -> String {
            guard let v = value, !v.isEmpty else { throw IDSError(.ruleValue, "\(key) needs a value") }
            return v
        }
        func lastContent(_ body: (inout ContentMatch) throws -> Void) throws {
            guard state.lastWasContent, let last = state.entries.last, case .content(var c) = last.item else {
                throw IDSError(.ruleValue, "\(key) without a preceding content")
            }
            try body(&c)
            state.entries[state.entries.count - 1].item = .content(c)
        }
        func int(_ s: String) throws -> Int {
            guard let v = Int(s.trimmingCharacters(in: .whitespaces)) else { throw IDSError(.ruleValue, "\(key): '\(s)' is not a number") }
            return v
        }
        if let b = RuleParser.stickyBuffers[key] {
            guard value == nil else { throw IDSError(.ruleValue, "\(key) takes no value") }
            state.sticky = b
            state.lastWasContent = false
            return
        }
        if let b = RuleParser.legacyModifiers[key] {
            guard state.lastWasContent, let last = state.entries.last else {
                throw IDSError(.ruleValue, "\(key) without a preceding content")
            }
            guard last.buffer == .payload else {
                throw IDSError(.ruleValue, "\(key) cannot apply to a content in \(last.buffer.rawValue)")
            }
            state.entries[state.entries.count - 1].buffer = b
            return
        }
        switch key {
        case "msg":
            rule.msg = unquote(try need())
        case "sid":
            guard let v = UInt32(try need()), v > 0 else { throw IDSError(.ruleValue, "sid must be a positive number") }
            rule.sid = v
        case "rev":
            guard let v = UInt32(try need()) else { throw IDSError(.ruleValue, "rev must be a number") }
            rule.rev = v
        case "gid":
            guard let v = UInt32(try need()) else { throw IDSError(.ruleValue, "gid must be a number") }
            rule.gid = v
        case "classtype":
            let name = try need()
            guard let c = classifications[name] else { throw IDSError(.ruleValue, "unknown classtype '\(name)'") }
            rule.classtype = c
        case "priority":
            let p = try int(try need())
            guard p >= 1, p <= 255 else { throw IDSError(.ruleValue, "priority must be 1-255") }
            rule.priority = p
        case "reference":
            rule.references.append(try need())
        case "metadata":
            rule.metadata += try need().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        case "content":
            var v = try need()
            var negated = false
            if v.hasPrefix("!") { negated = true; v = String(v.dropFirst()).trimmingCharacters(in: .whitespaces) }
            guard v.count >= 2, v.hasPrefix("\""), v.hasSuffix("\"") else { throw IDSError(.ruleValue, "content must be quoted") }
            let pattern = try ContentPattern.decode(String(v.dropFirst().dropLast()))
            guard !pattern.isEmpty else { throw IDSError(.ruleValue, "content is empty") }
            state.entries.append((state.sticky, .content(ContentMatch(pattern: pattern, negated: negated))))
            state.lastWasContent = true
        case "nocase": try lastContent { $0.nocase = true }
        case "depth":
            let n = try int(try need())
            guard n > 0 else { throw IDSError(.ruleValue, "depth must be positive") }
            try lastContent { c in
                guard !c.startswith else { throw IDSError(.ruleValue, "depth cannot be combined with startswith") }
                c.depth = n
            }
        case "offset":
            let n = try int(try need())
            guard n >= 0 else { throw IDSError(.ruleValue, "offset must not be negative") }
            try lastContent { $0.offset = n }
        case "distance": let n = try int(try need()); try lastContent { $0.distance = n }
        case "within":
            let n = try int(try need())
            guard n > 0 else { throw IDSError(.ruleValue, "within must be positive") }
            try lastContent { c in
                guard n >= c.pattern.count else { throw IDSError(.ruleValue, "within \(n) is shorter than the content") }
                c.within = n
            }
        case "startswith": try lastContent { $0.startswith = true }
        case "endswith": try lastContent { $0.endswith = true }
        case "fast_pattern": try lastContent { $0.fastPattern = true }
        case "pcre":
            let (item, buffer) = try parsePcre(try need())
            state.entries.append((buffer ?? state.sticky, .pcre(item)))
            state.lastWasContent = false
        case "flow": rule.flow = try parseFlow(try need())
        case "flowbits": rule.flowbits.append(try parseFlowbit(try need()))
        case "dsize": rule.dsize = try parseNumber(try need(), key: key)
        case "ttl": rule.ttl = try parseNumber(try need(), key: key)
        case "itype": rule.itype = try parseNumber(try need(), key: key)
        case "icode": rule.icode = try parseNumber(try need(), key: key)
        case "flags": rule.flags = try parseFlags(try need())
        case "threshold": rule.threshold = try parseThreshold(try need(), detectionFilter: false)
        case "detection_filter": rule.detectionFilter = try parseThreshold(try need(), detectionFilter: true)
        default:
            throw IDSError(.ruleUnknownKeyword, "unsupported keyword '\(key)'")
        }
    }

    func unquote(_ s: String) -> String {
        var t = s
        if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") { t = String(t.dropFirst().dropLast()) }
        var out = ""
        var esc = false
        for ch in t {
            if esc { out.append(ch); esc = false } else if ch == "\\" { esc = true } else { out.append(ch) }
        }
        return out
    }

    func parsePcre(_ raw: String) throws -> (PcreMatch, Buffer?) {
        var v = raw
        var negated = false
        if v.hasPrefix("!") { negated = true; v = String(v.dropFirst()) }
        if v.hasPrefix("\"") {
            guard v.count >= 2, v.hasSuffix("\"") else { throw IDSError(.ruleSyntax, "pcre has unbalanced quotes") }
            v = String(v.dropFirst().dropLast())
        }
        // Inside the quotes, \" and \; stand for themselves.
        v = v.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\;", with: ";")
        guard v.hasPrefix("/"), let last = v.lastIndex(of: "/"), last != v.startIndex else {
            throw IDSError(.rulePcre, "pcre must look like /regex/modifiers")
        }
        let pattern = String(v[v.index(after: v.startIndex)..<last])
        let mods = v[v.index(after: last)...]
        var opts: PCRERegex.Options = []
        var relative = false
        var buffer: Buffer?
        for m in mods {
            switch m {
            case "i": opts.insert(.caseless)
            case "s": opts.insert(.dotall)
            case "m": opts.insert(.multiline)
            case "x": opts.insert(.extended)
            case "A": opts.insert(.anchored)
            case "E": opts.insert(.dollarEndOnly)
            case "G": opts.insert(.ungreedy)
            case "R": relative = true
            case "O", "B": break
            case "U": buffer = .httpURI
            case "I": buffer = .httpRawURI
            case "M": buffer = .httpMethod
            case "H": buffer = .httpHeader
            case "P": buffer = .httpRequestBody
            case "C": buffer = .httpCookie
            case "V": buffer = .httpUserAgent
            case "W": buffer = .httpHost
            case "S": buffer = .httpStatCode
            case "Q": buffer = .httpResponseBody
            case ",": throw IDSError(.ruleUnknownKeyword, "unsupported keyword 'pcre' capture variables")
            default: throw IDSError(.rulePcre, "unknown pcre modifier '\(m)'")
            }
        }
        let regex = try PCRERegex(pattern, options: opts)
        return (PcreMatch(regex: regex, negated: negated, relative: relative, source: raw), buffer)
    }

    func parseFlow(_ v: String) throws -> FlowOption {
        var f = FlowOption()
        f.isSet = true
        for part in v.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            switch part {
            case "established": f.established = true
            case "not_established": f.established = false
            case "to_server", "from_client": f.toServer = true
            case "to_client", "from_server": f.toServer = false
            case "stateless": break
            case "only_stream": f.onlyStream = true
            case "no_stream": f.noStream = true
            default: throw IDSError(.ruleUnknownKeyword, "unsupported flow option '\(part)'")
            }
        }
        return f
    }

    func parseFlowbit(_ v: String) throws -> Flowbit {
        let parts = v.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let op = Flowbit.Op(rawValue: parts[0]) else { throw IDSError(.ruleValue, "unknown flowbits operation '\(parts[0])'") }
        if op == .noalert { return Flowbit(op: op, names: []) }
        guard parts.count == 2, !parts[1].isEmpty else { throw IDSError(.ruleValue, "flowbits:\(op.rawValue) needs a name") }
        let names = parts[1].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        if names.count > 1, op != .isset, op != .isnotset { throw IDSError(.ruleValue, "flowbits:\(op.rawValue) takes one name") }
        return Flowbit(op: op, names: names)
    }

    func parseNumber(_ raw: String, key: String) throws -> NumberTest {
        let v = raw.replacingOccurrences(of: " ", with: "")
        func n(_ s: Substring) throws -> Int {
            guard let x = Int(s), x >= 0 else { throw IDSError(.ruleValue, "\(key): bad number '\(s)'") }
            return x
        }
        if let r = v.range(of: "<>") {
            let a = try n(v[..<r.lowerBound]), b = try n(v[r.upperBound...])
            guard a < b else { throw IDSError(.ruleValue, "\(key): range \(v) is empty") }
            return NumberTest(op: .range, a: a, b: b)
        }
        for (prefix, op) in [("<=", NumberTest.Op.le), (">=", .ge), ("<", .lt), (">", .gt), ("!", .ne), ("=", .eq)] where v.hasPrefix(prefix) {
            return NumberTest(op: op, a: try n(v.dropFirst(prefix.count)))
        }
        return NumberTest(op: .eq, a: try n(Substring(v)))
    }

    func parseFlags(_ raw: String) throws -> FlagsTest {
        let parts = raw.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        func bits(_ s: Substring) throws -> UInt8 {
            var m: UInt8 = 0
            for ch in s {
                switch ch {
                case "F": m |= TCPFlag.fin
                case "S": m |= TCPFlag.syn
                case "R": m |= TCPFlag.rst
                case "P": m |= TCPFlag.psh
                case "A": m |= TCPFlag.ack
                case "U": m |= TCPFlag.urg
                case "E", "2": m |= TCPFlag.ece
                case "C", "1": m |= TCPFlag.cwr
                case "0": break
                default: throw IDSError(.ruleValue, "flags: unknown flag '\(ch)'")
                }
            }
            return m
        }
        var s = Substring(parts[0])
        var mode = FlagsTest.Mode.exact
        while let first = s.first, "+*!".contains(first) {
            switch first {
            case "+": mode = .all
            case "*": mode = .any
            default: mode = .not
            }
            s.removeFirst()
        }
        // A modifier may also trail the flags ("SA+").
        while let last = s.last, "+*!".contains(last) {
            mode = last == "+" ? .all : last == "*" ? .any : .not
            s.removeLast()
        }
        var t = FlagsTest(mode: mode, mask: try bits(s))
        if parts.count == 2 { t.ignore = try bits(Substring(parts[1])) }
        return t
    }

    func parseThreshold(_ raw: String, detectionFilter: Bool) throws -> Threshold {
        var kind: Threshold.Kind? = detectionFilter ? .detectionFilter : nil
        var track: Threshold.Track?
        var count: Int?, seconds: Int?
        for part in raw.split(separator: ",") {
            let kv = part.split(separator: " ", omittingEmptySubsequences: true)
            guard kv.count == 2 else { throw IDSError(.ruleValue, "bad threshold part '\(part)'") }
            switch kv[0] {
            case "type" where !detectionFilter:
                guard let k = Threshold.Kind(rawValue: String(kv[1])), k != .detectionFilter else { throw IDSError(.ruleValue, "bad threshold type '\(kv[1])'") }
                kind = k
            case "track":
                guard let t = Threshold.Track(rawValue: String(kv[1])) else { throw IDSError(.ruleValue, "bad track '\(kv[1])'") }
                track = t
            case "count": count = Int(kv[1])
            case "seconds": seconds = Int(kv[1])
            default: throw IDSError(.ruleValue, "bad threshold part '\(part)'")
            }
        }
        guard let kind, let track, let count, let seconds, count >= 1 else {
            throw IDSError(.ruleValue, "\(detectionFilter ? "detection_filter" : "threshold") needs type, track, count and seconds")
        }
        return Threshold(kind: kind, track: track, count: count, seconds: seconds)
    }
}
