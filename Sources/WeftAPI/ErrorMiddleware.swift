import Hummingbird
import Logging
import WeftApp
import WeftHTTP
import WeftModel

/// Turns every failure into the VNS3 error envelope, including Hummingbird's own
/// (unknown route → 404, oversized body → 413) and unexpected errors (500, logged).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = WeftRequestContext
    /// For 405: a path the table knows with another method answers `Allow` with its methods.
    var table: RouteTable? = nil

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
                if let allowed = table?.methods(path: request.uri.path), !allowed.isEmpty {
                    var response = APIError.envelope(.init(.methodNotAllowed, "MethodNotAllowed", "\(request.method) is not allowed on \(request.uri.path); allowed: \(allowed.joined(separator: ", "))"))
                    response.headers[.allow] = allowed.joined(separator: ", ")
                    return response
                }
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
