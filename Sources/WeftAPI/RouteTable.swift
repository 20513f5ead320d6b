import HTTPTypes
import Hummingbird
import Synchronization

/// The `/api` routes as registered, so tests can walk every one (auth must refuse all
/// of them without credentials) and docs can list them.
public final class RouteTable: Sendable {
    public struct Entry: Sendable, Hashable {
        public let method: String
        public let path: String
    }

    private let entries = Mutex<[Entry]>([])
    public init() {}
    public var all: [Entry] { entries.withLock { $0 } }
    func add(_ method: HTTPRequest.Method, _ path: String) { entries.withLock { $0.append(Entry(method: method.rawValue, path: path)) } }
}

/// A router group under `/api` that records what it registers.
struct APIGroup {
    typealias Handler = @Sendable (Request, WeftRequestContext) async throws -> Response
    let group: RouterGroup<WeftRequestContext>
    let table: RouteTable
    var prefix = "/api/"

    private func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        table.add(method, prefix + path)
        group.on(RouterPath(path), method: method, use: handler)
    }

    func get(_ path: String, use handler: @escaping Handler) { on(.get, path, handler) }
    func put(_ path: String, use handler: @escaping Handler) { on(.put, path, handler) }
    func post(_ path: String, use handler: @escaping Handler) { on(.post, path, handler) }
    func delete(_ path: String, use handler: @escaping Handler) { on(.delete, path, handler) }
}
