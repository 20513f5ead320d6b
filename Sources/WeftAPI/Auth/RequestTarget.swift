/// The request target as the client sent it, judged before routing. A target that two
/// components could read as two different paths is refused: the router collapses empty
/// segments, a proxy or a log reader may resolve dot segments or decode `%2F`, and what
/// the auth check sees must be exactly what the router matches.
///
/// Accepted: origin-form (`/api/config?x=1`), with an optional trailing `/`, and
/// absolute-form (`https://host:8000/api/config`) whose authority is the `Host` header.
/// Refused (400): empty segments (`//`), dot segments (`.`, `..`, also percent-encoded),
/// a percent-encoded `/`, `\`, `.` or control character (NUL included), a malformed or
/// double percent-encoding, a backslash or control character anywhere in the path, the
/// asterisk and authority forms, and an absolute-form target for another host.
enum RequestTarget {
    enum Verdict: Equatable, Sendable {
        /// The path (without the query), exactly as the router will match it.
        case accepted(path: String)
        case refused(reason: String)
    }

    static func judge(_ target: String, host: String?) -> Verdict {
        var rest = Substring(target)
        if !rest.hasPrefix("/") {
            switch absolutePath(rest, host: host) {
            case .success(let path): rest = path
            case .failure(let refusal): return .refused(reason: refusal.reason)
            }
        }
        let path = rest.prefix { $0 != "?" && $0 != "#" }
        if rest.dropFirst(path.count).first == "#" { return .refused(reason: "a fragment (#) in the request target") }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            if let reason = problem(in: segment, isLast: index == segments.count - 1) {
                return .refused(reason: reason)
            }
        }
        return .accepted(path: String(path))
    }

    struct Refusal: Error { let reason: String }

    /// `http(s)://authority/path` → `/path`, if the authority is the Host header's.
    private static func absolutePath(_ target: Substring, host: String?) -> Result<Substring, Refusal> {
        let lowered = target.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lowered.hasPrefix($0) }) else {
            return .failure(Refusal(reason: target == "*" ? "the asterisk form (*)" : "a request target that is neither a path nor an absolute URL"))
        }
        let afterScheme = target.dropFirst(scheme.count)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let host, !authority.isEmpty, authority.lowercased() == host.lowercased() else {
            return .failure(Refusal(reason: "an absolute-form target for \"\(authority)\", which is not the Host header's \"\(host ?? "")\""))
        }
        let path = afterScheme.dropFirst(authority.count)
        return .success(path.hasPrefix("/") ? path : "/" + path)
    }

    /// Why one path segment is ambiguous, or nil.
    private static func problem(in segment: Substring, isLast: Bool) -> String? {
        if segment.isEmpty { return isLast ? nil : "an empty path segment (//)" }
        var decoded: [UInt8] = []
        var bytes = segment.utf8[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "\\") { return "a backslash in the path" }
            if byte < 0x21 || byte == 0x7f { return "a control character or space in the path" }
            guard byte == UInt8(ascii: "%") else { decoded.append(byte); continue }
            guard let high = bytes.popFirst().flatMap(hexValue), let low = bytes.popFirst().flatMap(hexValue) else {
                return "a malformed percent-encoding in the path"
            }
            let value = high << 4 | low
            switch value {
            case UInt8(ascii: "/"): return "a percent-encoded / in a path segment"
            case UInt8(ascii: "\\"): return "a percent-encoded backslash in a path segment"
            case UInt8(ascii: "."): return "a percent-encoded . in a path segment"
            case 0: return "a percent-encoded NUL in the path"
            case ..<0x20, 0x7f: return "a percent-encoded control character in the path"
            default: decoded.append(value)
            }
        }
        if decoded == [UInt8(ascii: ".")] || decoded == [UInt8(ascii: "."), UInt8(ascii: ".")] {
            return "a dot segment (. or ..) in the path"
        }
        if containsEscape(decoded) { return "a double percent-encoding in the path" }
        return nil
    }

    private static func containsEscape(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 3 else { return false }
        for index in 0...(bytes.count - 3) where bytes[index] == UInt8(ascii: "%") {
            if hexValue(bytes[index + 1]) != nil && hexValue(bytes[index + 2]) != nil { return true }
        }
        return false
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
