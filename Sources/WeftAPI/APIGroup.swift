import HTTPTypes
import Hummingbird
import WeftHTTP

/// A router group under `/api` that records what it registers (all `.apiCredentials`).
struct APIGroup {
    typealias Handler = @Sendable (Request, WeftRequestContext) async throws -> Response
    let group: RouterGroup<WeftRequestContext>
    let table: RouteTable
    var prefix = "/api/"

    private func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        table.add(method, prefix + path, access: .apiCredentials)
        group.on(RouterPath(path), method: method, use: handler)
    }

    func get(_ path: String, use handler: @escaping Handler) { on(.get, path, handler) }
    func put(_ path: String, use handler: @escaping Handler) { on(.put, path, handler) }
    func post(_ path: String, use handler: @escaping Handler) { on(.post, path, handler) }
    func delete(_ path: String, use handler: @escaping Handler) { on(.delete, path, handler) }
}
