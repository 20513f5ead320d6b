import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import WeftApp
import WeftHTTP

/// Refuses an ambiguous request target (`RequestTarget`) with 400 before anything routes
/// it, logs the refusal and counts it (`weft_api_targets_refused_total`).
struct RequestTargetMiddleware: RouterMiddleware {
    typealias Context = WeftRequestContext
    let metrics: WeftMetrics
    /// Carries the target exactly as the client sent it (set by `RawTargetRecorder`, which
    /// drops any copy the client sent). Without it (router tests) the request's path is used.
    static let rawTargetHeader = HTTPField.Name("weft-raw-target")!
    static let hostHeader = HTTPField.Name("Host")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let raw = request.headers[Self.rawTargetHeader] ?? request.head.path ?? "/"
        let host = request.headers[Self.hostHeader] ?? request.head.authority
        switch RequestTarget.judge(raw, host: host) {
        case .accepted:
            return try await next(request, context)
        case .refused(let reason):
            metrics.countRefusedTarget()
            context.logger.notice("request target refused", metadata: [
                "http.target": "\(raw.prefix(256))", "http.method": "\(request.method)", "client": "\(context.remoteIP)", "reason": "\(reason)",
            ])
            throw APIError(.badRequest, "BadRequestTarget", "Request target refused: \(reason). Send the path in its plain form (no //, /./, /../ or encoded /, . or NUL).")
        }
    }
}

/// Sits in the HTTP/1 pipeline between NIO's request decoder and the conversion to
/// HTTPTypes (which rewrites an absolute-form target to its path and forgets the host),
/// and records the raw target in `weft-raw-target` for `RequestTargetMiddleware`.
final class RawTargetRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    static let name = "weft-raw-target"

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        head.headers.remove(name: Self.name)
        head.headers.add(name: Self.name, value: head.uri)
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}

/// Hummingbird adds its extra channel handlers after the HTTPTypes conversion; this one
/// puts a `RawTargetRecorder` right after NIO's HTTP/1 request decoder, then stays as a
/// pass-through.
final class RawTargetRecorderInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Never

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        do {
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(RawTargetRecorder(), position: .after(decoder))
        } catch {
            // No HTTP/1 decoder in this pipeline: without the recorder the middleware judges the
            // converted path, which still catches every ambiguous origin-form target.
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }
}

/// `Strict-Transport-Security` on every response: the server speaks HTTPS only.
struct TransportSecurityMiddleware: RouterMiddleware {
    typealias Context = WeftRequestContext
    static let header = HTTPField.Name("Strict-Transport-Security")!
    static let value = "max-age=31536000"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[Self.header] = Self.value
        return response
    }
}
