import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import WeftCLI
import WeftModel

/// A small HTTP/1.1 client for one controller's API: one TLS connection per request,
/// the certificate checked by `TLSTrust`, the credentials of `ClientSettings` on every
/// request. Errors come back as `CLIError`s that say what happened in words.
struct APIClient: Sendable {
    struct Response: Sendable {
        let status: Int
        let headers: [(String, String)]
        let body: JSONText
    }

    let settings: ClientSettings
    let endpoint: Endpoint
    let trust: TLSTrust
    let context: NIOSSLContext

    init(_ settings: ClientSettings) throws(CLIError) {
        self.settings = settings
        endpoint = try Endpoint(url: settings.url)
        trust = try TLSTrust(settings)
        do { context = try trust.context() } catch {
            throw .usage("TLS setup: \(error)")
        }
    }

    var url: String { settings.url }

    /// The `response` payload of a 2xx JSON answer; a refusal becomes exit status 1.
    func json(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws(CLIError) -> JSONValue {
        let response = try await send(method, path, body: body.map { JSONWriter.bytes($0) }, contentType: "application/json")
        guard (200..<300).contains(response.status) else { throw .refused(status: response.status, body: response.body) }
        guard let json = response.body.json else { throw CLIError(.refused, "\(method) \(path): the controller's answer is not JSON") }
        return json["response"] ?? json
    }

    /// The raw body of a 2xx answer (downloads).
    func raw(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String = "application/json") async throws(CLIError) -> [UInt8] {
        let response = try await send(method, path, body: body, contentType: contentType)
        guard (200..<300).contains(response.status) else { throw .refused(status: response.status, body: response.body) }
        return response.body.bytes
    }

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?, contentType: String) async throws(CLIError) -> Response {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: endpoint.basePath + path)
        head.headers.add(name: "Host", value: endpoint.isAddress && endpoint.host.contains(":") ? "[\(endpoint.host)]:\(endpoint.port)" : "\(endpoint.host):\(endpoint.port)")
        head.headers.add(name: "User-Agent", value: "weft-cli/\(WeftVersion.weft)")
        head.headers.add(name: "Accept", value: "application/json, application/octet-stream, text/plain")
        head.headers.add(name: "Connection", value: "close")
        if let token = settings.token {
            head.headers.add(name: "api-token", value: token)
        }
        if let password = settings.password {
            head.headers.add(name: "Authorization", value: "Basic " + Data("\(settings.user):\(password)".utf8).base64EncodedString())
        }
        if let body {
            head.headers.add(name: "Content-Type", value: contentType)
            head.headers.add(name: "Content-Length", value: String(body.count))
        }
        let verdict = TLSTrust.Verdict()
        do {
            return try await exchange(head: head, body: body, verdict: verdict)
        } catch let error as CLIError {
            throw error
        } catch {
            throw .unreachable(url, Self.describe(error, verdict: verdict, trust: trust))
        }
    }

    private func exchange(head: HTTPRequestHead, body: [UInt8]?, verdict: TLSTrust.Verdict) async throws -> Response {
        let sni = endpoint.isAddress ? nil : endpoint.host
        let (trust, context) = (self.trust, self.context)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try trust.handler(context: context, serverHostname: sni, verdict: verdict))
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))
            var status = 0
            var headers: [(String, String)] = []
            var bytes: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let response):
                    status = Int(response.status.code)
                    headers = response.headers.map { ($0.name, $0.value) }
                case .body(let buffer):
                    bytes += buffer.readableBytesView
                    guard bytes.count <= 64 << 20 else { throw CLIError(.refused, "the answer is larger than 64 MiB") }
                case .end:
                    return Response(status: status, headers: headers, body: JSONText(bytes: bytes))
                }
            }
            throw CLIError(.unreachable, "cannot connect to \(url): the controller closed the connection before answering")
        }
    }

    /// "connection refused", "certificate fingerprint … does not match the pin …".
    static func describe(_ error: any Error, verdict: TLSTrust.Verdict, trust: TLSTrust) -> String {
        if let reason = verdict.reason { return reason }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let connect = error as? NIOConnectionError {
            if let first = connect.connectionErrors.first?.error { return describe(first, verdict: verdict, trust: trust) }
            if connect.dnsAError != nil || connect.dnsAAAAError != nil { return "cannot resolve \(connect.host)" }
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return "timed out" }
        if let ssl = error as? NIOSSLError {
            if case .handshakeFailed = ssl {
                switch trust {
                case .system: return "the certificate is not trusted (pass --pin with the fingerprint `weft serve` printed, or --ca FILE)"
                default: return "TLS handshake failed: \(ssl)"
                }
            }
            return "TLS: \(ssl)"
        }
        return "\(error)"
    }
}
