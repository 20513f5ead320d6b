import Foundation

/// HTTP/1.x parsing for one flow: requests from the client's stream, responses from the
/// server's, paired in order. Parsing is incremental: feed each new stream chunk.
public struct HTTPState: Sendable {
    public var transactions: [HTTPTransaction] = []
    var requestBuffer: [UInt8] = []
    var responseBuffer: [UInt8] = []
    var requestPhase = Phase.line
    var responsePhase = Phase.line
    var responseIndex = 0
    public static let maxBody = 1 << 20
    public static let maxHeaderBlock = 64 << 10

    enum Phase: Sendable {
        case line
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkTrailer
        case untilClose
        case done
    }

    public init() {}

    /// Whether the first bytes of a stream look like HTTP/1.
    public static func looksLikeHTTP(_ data: [UInt8], response: Bool) -> Bool {
        if response { return data.starts(with: Array("HTTP/".utf8)) }
        for m in ["GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "TRACE ", "PATCH ", "PROPFIND ", "SEARCH "] {
            let mb = Array(m.utf8)
            if data.count >= mb.count ? data.starts(with: mb) : mb.starts(with: data) { return true }
        }
        return false
    }

    public mutating func feedRequest(_ bytes: ArraySlice<UInt8>) {
        requestBuffer += bytes
        parse(response: false)
    }

    public mutating func feedResponse(_ bytes: ArraySlice<UInt8>) {
        responseBuffer += bytes
        parse(response: true)
    }

    /// At the end of the flow: whatever body was seen is final.
    public mutating func finish() {
        // A header block cut short by the close still counts, as in libhtp.
        for response in [false, true] {
            let phase = response ? responsePhase : requestPhase
            guard case .headers = phase else { continue }
            let idx = response ? responseIndex : transactions.count - 1
            guard idx >= 0, idx < transactions.count else { continue }
            let rest = response ? responseBuffer : requestBuffer
            var line = rest[...]
            while let l = line.last, l == 10 || l == 13 { line = line.dropLast() }
            if let colon = line.firstIndex(of: 58) {
                let name = Array(line[..<colon])
                let value = Array(line[(colon + 1)...].drop { $0 == 32 || $0 == 9 })
                if response { transactions[idx].responseHeaders.append((name, value)) } else { transactions[idx].requestHeaders.append((name, value)) }
            }
            if response { transactions[idx].responseHeadersDone = true; responseBuffer = [] } else { transactions[idx].requestHeadersDone = true; requestBuffer = [] }
        }
        for i in transactions.indices {
            if transactions[i].requestHeadersDone { complete(i, response: false) }
            if transactions[i].responseHeadersDone { complete(i, response: true) }
        }
    }

    private static func lineEnd(_ b: [UInt8], from: Int) -> (Int, Int)? {
        guard from < b.count else { return nil }
        guard let nl = b[from...].firstIndex(of: 10) else { return nil }
        let end = nl > from && b[nl - 1] == 13 ? nl - 1 : nl
        return (end, nl + 1)
    }

    private mutating func parse(response: Bool) {
        var buf = response ? responseBuffer : requestBuffer
        var phase = response ? responsePhase : requestPhase
        var pos = 0
        var idx = response ? responseIndex : transactions.count - 1
        loop: while true {
            switch phase {
            case .done:
                phase = .line
            case .line:
                // Skip blank lines between messages.
                guard let (end, next) = HTTPState.lineEnd(buf, from: pos) else {
                    if buf.count - pos > HTTPState.maxHeaderBlock { pos = buf.count }
                    break loop
                }
                let line = Array(buf[pos..<end])
                pos = next
                if line.isEmpty { continue }
                if response {
                    if idx >= transactions.count { transactions.append(HTTPTransaction()) }
                    let parts = line.split(separator: 32, maxSplits: 2, omittingEmptySubsequences: true)
                    transactions[idx].statusCode = parts.count > 1 ? Array(parts[1]) : []
                    transactions[idx].responseLineDone = true
                } else {
                    transactions.append(HTTPTransaction())
                    idx = transactions.count - 1
                    let parts = line.split(separator: 32, omittingEmptySubsequences: true)
                    transactions[idx].method = parts.first.map(Array.init) ?? []
                    let raw = parts.count > 1 ? Array(parts[1]) : []
                    transactions[idx].rawURI = raw
                    transactions[idx].requestProtocol = parts.count > 2 ? Array(parts[2]) : []
                    transactions[idx].uri = HTTPTransaction.normalizeURI(raw)
                    transactions[idx].requestLineDone = true
                }
                phase = .headers
            case .headers:
                guard let (end, next) = HTTPState.lineEnd(buf, from: pos) else { break loop }
                let line = Array(buf[pos..<end])
                pos = next
                if line.isEmpty {
                    phase = bodyPhase(idx, response: response)
                    if response { transactions[idx].responseHeadersDone = true } else { transactions[idx].requestHeadersDone = true }
                    if case .done = phase { complete(idx, response: response); if response { idx += 1 } }
                    continue
                }
                if let colon = line.firstIndex(of: 58) {
                    var value = line[(colon + 1)...].drop { $0 == 32 || $0 == 9 }
                    while let l = value.last, l == 32 || l == 9 { value = value.dropLast() }
                    let name = Array(line[..<colon])
                    if response { transactions[idx].responseHeaders.append((name, Array(value))) } else { transactions[idx].requestHeaders.append((name, Array(value))) }
                }
            case .body(let remaining):
                let take = min(remaining, buf.count - pos)
                appendBody(idx, response: response, buf[pos..<pos + take])
                pos += take
                if take < remaining { phase = .body(remaining: remaining - take); break loop }
                phase = .done
                complete(idx, response: response)
                if response { idx += 1 }
            case .chunkSize:
                guard let (end, next) = HTTPState.lineEnd(buf, from: pos) else { break loop }
                let hex = buf[pos..<end].prefix { ContentPattern.hexValue($0) != nil }
                pos = next
                let size = hex.reduce(0) { min($0 * 16 + Int(ContentPattern.hexValue($1)!), 1 << 30) }
                phase = size == 0 ? .chunkTrailer : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let take = min(remaining, buf.count - pos)
                appendBody(idx, response: response, buf[pos..<pos + take])
                pos += take
                if take < remaining { phase = .chunkData(remaining: remaining - take); break loop }
                // The CRLF after the chunk.
                guard let (_, next) = HTTPState.lineEnd(buf, from: pos) else { phase = .chunkSize; break loop }
                pos = next
                phase = .chunkSize
            case .chunkTrailer:
                guard let (end, next) = HTTPState.lineEnd(buf, from: pos) else { break loop }
                let empty = end == pos
                pos = next
                if empty {
                    phase = .done
                    complete(idx, response: response)
                    if response { idx += 1 }
                }
            case .untilClose:
                appendBody(idx, response: response, buf[pos...])
                pos = buf.count
                break loop
            }
        }
        buf.removeFirst(min(pos, buf.count))
        if response { responseBuffer = buf; responsePhase = phase; responseIndex = idx } else { requestBuffer = buf; requestPhase = phase }
    }

    private func bodyPhase(_ idx: Int, response: Bool) -> Phase {
        let t = transactions[idx]
        let headers = response ? t.responseHeaders : t.requestHeaders
        if let te = HTTPTransaction.header(headers, "transfer-encoding"), te.map(PayloadMatcher.lower).starts(with: Array("chunked".utf8)) {
            return .chunkSize
        }
        if let cl = HTTPTransaction.header(headers, "content-length"), let n = Int(String(decoding: cl, as: UTF8.self).trimmingCharacters(in: .whitespaces)), n >= 0 {
            return n == 0 ? .done : .body(remaining: n)
        }
        if response {
            let code = Int(String(decoding: t.statusCode, as: UTF8.self)) ?? 0
            if t.method == Array("HEAD".utf8) || code == 204 || code == 304 || (100..<200).contains(code) { return .done }
            return .untilClose
        }
        return .done
    }

    private mutating func appendBody(_ idx: Int, response: Bool, _ bytes: ArraySlice<UInt8>) {
        guard idx >= 0, idx < transactions.count else { return }
        if response {
            let room = HTTPState.maxBody - transactions[idx].responseBody.count
            if room > 0 { transactions[idx].responseBody += bytes.prefix(room) }
        } else {
            let room = HTTPState.maxBody - transactions[idx].requestBody.count
            if room > 0 { transactions[idx].requestBody += bytes.prefix(room) }
        }
    }

    private mutating func complete(_ idx: Int, response: Bool) {
        guard idx >= 0, idx < transactions.count else { return }
        if response {
            guard !transactions[idx].responseDone else { return }
            transactions[idx].responseDone = true
            if let enc = HTTPTransaction.header(transactions[idx].responseHeaders, "content-encoding") {
                transactions[idx].responseBody = HTTPDecompression.decode(transactions[idx].responseBody, encoding: enc)
            }
        } else {
            guard !transactions[idx].requestDone else { return }
            transactions[idx].requestDone = true
            if let enc = HTTPTransaction.header(transactions[idx].requestHeaders, "content-encoding") {
                transactions[idx].requestBody = HTTPDecompression.decode(transactions[idx].requestBody, encoding: enc)
            }
        }
    }
}
