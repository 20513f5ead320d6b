import Hummingbird
import Logging
import WeftApp
import WeftHTTP
import WeftModel

/// Turns every failure into the VNS3 error envelope, including Hummingbird's own
/// (unknown route → 404, oversized body → 413) and unexpected errors (500, logged).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = WeftRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return APIError.envelope(error)
        } catch let error as ValidationError {
            return APIError.envelope(.from(error))
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                return APIError.envelope(.notFound("No route for \(request.method) \(request.uri.path)"))
            case .contentTooLarge:
                return APIError.envelope(.init(.contentTooLarge, "PayloadTooLarge", "Request body larger than \(RequestFields.largeBodySize) bytes"))
            default:
                return APIError.envelope(.init(error.status, "HTTPError", error.body ?? error.status.reasonPhrase))
            }
        } catch {
            context.logger.error("request failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"])
            return APIError.envelope(.init(.internalServerError, "InternalError", "Internal error: \(error)"))
        }
    }
}
