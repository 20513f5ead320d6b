import Hummingbird
import WeftApp
import WeftHTTP

/// Records every request's method, final status and duration (outermost middleware).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = WeftRequestContext
    let metrics: WeftMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.recordRequest(method: request.method.rawValue, status: Int(response.status.code), duration: ContinuousClock.now - start)
            return response
        } catch {
            metrics.recordRequest(method: request.method.rawValue, status: 500, duration: ContinuousClock.now - start)
            throw error
        }
    }
}
