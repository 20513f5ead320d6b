import Foundation
import Hummingbird
import Logging
import WeftApp
import WeftHTTP
import WeftStore
import WeftSystem

/// `GET /api/openapi.json`: the OpenAPI 3.1 description of the API, the same bytes as
/// `docs/openapi.json` (`scripts/gen-openapi` writes both; `OpenAPIDocumentTests` checks
/// that they are equal and that every route has an operation and every operation a route).
struct APIDocumentRoutes {
    func register(_ api: APIGroup) {
        api.get("openapi.json", use: document)
    }

    @Sendable func document(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: APIDocument.text)))
    }
}

public enum APIDocument {
    /// The routes the document describes: every one in the table except the web UI's (and `/`, its redirect).
    public static func documented(_ table: RouteTable) -> [RouteTable.Entry] {
        table.all.filter { $0.access != .uiSession && !$0.path.hasPrefix("/ui/") && $0.path != "/ui" && $0.path != "/" }
    }

    /// The route table of a controller on an in-memory store that touches nothing
    /// (`weft api-routes`, for the document's generator).
    public static func routeTable() throws -> RouteTable {
        var options = ControllerOptions(dataDirectory: NSTemporaryDirectory(), apply: false)
        options.loginFailureLimit = 1
        let controller = try Controller(store: try Store(), options: options, subsystems: [],
                                        inventory: IPRouteInventory(runner: ProcessRunner()), logger: Logger(label: "api-routes"))
        let table = RouteTable()
        _ = HTTPServer.router(controller: controller, table: table)
        return table
    }
}
