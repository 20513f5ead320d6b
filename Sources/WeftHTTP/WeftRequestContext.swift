import Hummingbird
import Logging
import NIOCore

/// Per-request context: who is calling (set by the auth middleware) and from where.
public struct WeftRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: String?
    public let remoteIP: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Request bodies are capped: JSON and licence text alike.
    public var maxUploadSize: Int { Self.largeBodySize }
    /// Bulk endpoints (a whole firewall) take up to 8 MiB.
    public static let largeBodySize = 8 << 20
}

extension Request {
    /// A query parameter, percent-decoded.
    public func query(_ name: String) -> String? {
        uri.queryParameters[Substring(name)].map(String.init)
    }
}
