import Hummingbird
import Logging
import NIOCore
import WeftApp

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
    public var maxUploadSize: Int { RequestFields.largeBodySize }
}
