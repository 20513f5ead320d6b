import HTTPTypes
import Hummingbird
import Synchronization

/// Who may call a route. Every route is protected unless it is registered as `.public`;
/// what is not in the table at all (an unknown path) is protected too.
public enum RouteAccess: String, Sendable, Hashable {
    /// HTTP Basic for the API user, an `api-token` header or `Authorization: Bearer`.
    case apiCredentials
    /// A live web-UI session cookie (everything under `/ui`).
    case uiSession
    /// No credentials: the UI's login page and static assets, and the
    /// controller-to-controller keyset transfer (which checks its own token).
    case `public`
    /// A controller of the mesh (`/weft/v1/mesh/...`): no user credentials; the handler
    /// verifies the message's HMAC with the sending controller's keyset-derived key.
    case controllerCredentials
}

/// Every route as registered, with its access, so the auth middleware can tell the few
/// public ones from the rest, tests can walk every route, and docs can list them.
public final class RouteTable: Sendable {
    public struct Entry: Sendable, Hashable {
        public let method: String
        public let path: String
        public let access: RouteAccess
    }

    private let entries = Mutex<[Entry]>([])
    private let publicPatterns = Mutex<[(method: String, segments: [Substring], access: RouteAccess)]>([])
    public init() {}

    public var all: [Entry] { entries.withLock { $0 } }

    public func add(_ method: HTTPRequest.Method, _ path: String, access: RouteAccess) {
        let normalised = "/" + path.split(separator: "/").joined(separator: "/")
        entries.withLock { $0.append(Entry(method: method.rawValue, path: normalised, access: access)) }
        if access == .public || access == .controllerCredentials {
            publicPatterns.withLock { $0.append((method.rawValue, normalised.split(separator: "/"), access)) }
        }
    }

    /// The access a request needs, decided on the path the router matches: its non-empty
    /// segments, case-sensitive, `:name` matching any one segment.
    public func access(method: HTTPRequest.Method, path: String) -> RouteAccess {
        let segments = path.split(separator: "/")
        let open = publicPatterns.withLock { patterns in
            patterns.first { pattern in pattern.method == method.rawValue && Self.matches(pattern.segments, segments) }?.access
        }
        if let open { return open }
        return segments.first == "ui" ? .uiSession : .apiCredentials
    }

    /// The methods registered for a path (matched as `access` matches), for `405` and `Allow`.
    public func methods(path: String) -> [String] {
        let segments = path.split(separator: "/")
        let found = entries.withLock { entries in
            entries.filter { Self.matches($0.path.split(separator: "/"), segments) }.map(\.method)
        }
        return Array(Set(found)).sorted()
    }

    public static func matches(_ pattern: [Substring], _ segments: [Substring]) -> Bool {
        guard pattern.count == segments.count else { return false }
        return zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}

extension Router<WeftRequestContext> {
    /// Registers a route and records it, with its access, in the table.
    public func on(_ method: HTTPRequest.Method, _ path: String, access: RouteAccess, table: RouteTable,
            use handler: @escaping @Sendable (Request, WeftRequestContext) async throws -> Response) {
        table.add(method, path, access: access)
        on(RouterPath(path), method: method, use: handler)
    }
}
