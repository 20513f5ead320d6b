/// One HTTP/1.x request and its response, with the buffers the sticky keywords inspect.
public struct HTTPTransaction: Sendable {
    public var method: [UInt8] = []
    public var rawURI: [UInt8] = []
    public var requestProtocol: [UInt8] = []
    public var uri: [UInt8] = []
    public var requestHeaders: [(name: [UInt8], value: [UInt8])] = []
    public var requestBody: [UInt8] = []
    public var requestLineDone = false
    public var requestHeadersDone = false
    public var requestDone = false

    public var statusCode: [UInt8] = []
    public var responseHeaders: [(name: [UInt8], value: [UInt8])] = []
    public var responseBody: [UInt8] = []
    public var responseLineDone = false
    public var responseHeadersDone = false
    public var responseDone = false

    public init() {}

    static func header(_ list: [(name: [UInt8], value: [UInt8])], _ name: String) -> [UInt8]? {
        let want = Array(name.utf8)
        for h in list where h.name.count == want.count && zip(h.name, want).allSatisfy({ PayloadMatcher.lower($0) == $1 }) {
            return h.value
        }
        return nil
    }

    /// The header block: `Name: value\r\n` per header, in the order received, without the
    /// cookie header of its side (Cookie in requests, Set-Cookie in responses), as Suricata builds it.
    static func headerBlock(_ list: [(name: [UInt8], value: [UInt8])], skipping cookie: String) -> [UInt8] {
        var out: [UInt8] = []
        let skip = Array(cookie.utf8)
        for h in list {
            if h.name.count == skip.count && zip(h.name, skip).allSatisfy({ PayloadMatcher.lower($0) == $1 }) { continue }
            out += h.name; out += [58, 32]; out += h.value; out += [13, 10]
        }
        return out
    }

    /// The bytes of `buffer` for this transaction, or nil when that part has not been seen yet.
    /// `response` picks the response side for buffers that exist on both sides.
    public func buffer(_ b: Buffer, response: Bool) -> [UInt8]? {
        switch b {
        case .payload: return nil
        case .httpMethod: return requestLineDone ? method : nil
        case .httpURI: return requestLineDone ? uri : nil
        case .httpRawURI: return requestLineDone ? rawURI : nil
        case .httpHost:
            guard requestHeadersDone, let h = HTTPTransaction.header(requestHeaders, "host") else { return nil }
            return HTTPTransaction.normalizeHost(h)
        case .httpUserAgent:
            guard requestHeadersDone else { return nil }
            return HTTPTransaction.header(requestHeaders, "user-agent")
        case .httpHeader:
            if response { return responseHeadersDone ? HTTPTransaction.headerBlock(responseHeaders, skipping: "set-cookie") : nil }
            return requestHeadersDone ? HTTPTransaction.headerBlock(requestHeaders, skipping: "cookie") : nil
        case .httpCookie:
            if response { return responseHeadersDone ? HTTPTransaction.header(responseHeaders, "set-cookie") : nil }
            return requestHeadersDone ? HTTPTransaction.header(requestHeaders, "cookie") : nil
        case .httpRequestBody: return requestDone ? requestBody : nil
        case .httpStatCode: return responseLineDone ? statusCode : nil
        case .httpResponseBody: return responseDone ? responseBody : nil
        }
    }

    /// Whether the part holding `b` is complete, so a miss there is final.
    public func isFinal(_ b: Buffer, response: Bool) -> Bool {
        switch b {
        case .httpMethod, .httpURI, .httpRawURI: return requestLineDone
        case .httpHost, .httpUserAgent: return requestHeadersDone
        case .httpHeader, .httpCookie: return response ? responseHeadersDone : requestHeadersDone
        case .httpRequestBody: return requestDone
        case .httpStatCode: return responseLineDone
        case .httpResponseBody: return responseDone
        case .payload: return true
        }
    }

    static func normalizeHost(_ h: [UInt8]) -> [UInt8] {
        var v = h.map(PayloadMatcher.lower)
        if v.first == UInt8(ascii: "[") { return v }  // IPv6 literal: keep as is
        if let colon = v.lastIndex(of: UInt8(ascii: ":")) { v = Array(v[..<colon]) }
        while v.last == UInt8(ascii: ".") { v.removeLast() }
        return v
    }

    /// libhtp-style URI normalisation: percent-decoding of the path and query,
    /// removal of `.` and `..` segments, and collapsing of repeated slashes.
    static func normalizeURI(_ raw: [UInt8]) -> [UInt8] {
        var u = raw
        // Absolute form: drop scheme and authority.
        if let r = findSub(u, Array("://".utf8)), r < 16 {
            let after = r + 3
            if let slash = u[after...].firstIndex(of: UInt8(ascii: "/")) { u = Array(u[slash...]) } else { u = [UInt8(ascii: "/")] }
        }
        let q = u.firstIndex(of: UInt8(ascii: "?"))
        var path = q.map { Array(u[..<$0]) } ?? u
        let query = q.map { Array(u[$0...]) } ?? []
        path = removeDotSegments(collapseSlashes(percentDecode(path)))
        return path + percentDecode(query)
    }

    static func percentDecode(_ s: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == UInt8(ascii: "%"), i + 2 < s.count + 0, i + 2 <= s.count - 1,
               let hi = ContentPattern.hexValue(s[i + 1]), let lo = ContentPattern.hexValue(s[i + 2]) {
                out.append(hi << 4 | lo); i += 3
            } else { out.append(s[i]); i += 1 }
        }
        return out
    }

    static func collapseSlashes(_ s: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for b in s where !(b == UInt8(ascii: "/") && out.last == UInt8(ascii: "/")) { out.append(b) }
        return out
    }

    /// RFC 3986 section 5.2.4.
    static func removeDotSegments(_ input: [UInt8]) -> [UInt8] {
        let slash = UInt8(ascii: "/")
        var segs: [[UInt8]] = []
        let absolute = input.first == slash
        let parts = input.split(separator: slash, omittingEmptySubsequences: false).map(Array.init)
        let trailing = input.count > 1 && (input.last == slash || parts.last == [46] || parts.last == [46, 46])
        for (i, p) in parts.enumerated() {
            if i == 0 && absolute { continue }
            if p == [46] { continue }
            if p == [46, 46] { if !segs.isEmpty { segs.removeLast() }; continue }
            if p.isEmpty && i == parts.count - 1 { continue }
            segs.append(p)
        }
        var out: [UInt8] = absolute ? [slash] : []
        out += Array(segs.joined(separator: [slash]))
        if trailing && out.last != slash { out.append(slash) }
        return out
    }

    static func findSub(_ h: [UInt8], _ n: [UInt8]) -> Int? {
        guard n.count <= h.count else { return nil }
        for i in 0...(h.count - n.count) where h[i..<i + n.count].elementsEqual(n) { return i }
        return nil
    }
}
