import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import WeftAPI
@testable import WeftHTTP
import WeftModel

/// The published API description against the router: `docs/openapi.json` is what
/// `GET /api/openapi.json` serves, every route has an operation and every operation a route.
@Suite struct OpenAPIDocumentTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func committed() throws -> String {
        try String(contentsOf: repository.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
    }

    /// `METHOD /path/{}` for each operation of a document.
    static func operations(_ text: String) throws -> Set<String> {
        guard case .object(let paths)? = try JSONParser.parse(Array(text.utf8))["paths"] else { return [] }
        var result = Set<String>()
        for (path, item) in paths.entries {
            guard case .object(let methods) = item else { continue }
            for method in methods.keys where ["get", "put", "post", "delete"].contains(method) { result.insert("\(method.uppercased()) \(blank(path))") }
        }
        return result
    }

    static func blank(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") || $0.hasPrefix("{") ? "{}" : String($0) }.joined(separator: "/")
    }

    @Test func theCommittedDocumentIsTheServedOne() throws {
        #expect(try Self.committed() == APIDocument.text, "run scripts/gen-openapi .build/debug/weft")
    }

    @Test func everyRouteHasAnOperationAndEveryOperationARoute() throws {
        let routes = Set(APIDocument.documented(try APIDocument.routeTable()).map { "\($0.method) \(Self.blank($0.path))" })
        let documented = try Self.operations(Self.committed())
        #expect(routes.count > 100)
        #expect(routes.subtracting(documented).sorted() == [], "routes without an operation (add them to docs/openapi/*.yaml, run scripts/gen-openapi)")
        #expect(documented.subtracting(routes).sorted() == [], "operations without a route")
    }

    @Test func theDocumentIsServedToAnAuthenticatedClientOnly() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "/api/openapi.json", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/api/openapi.json", method: .get, headers: TestController.basic()) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.text == APIDocument.text)
            }
        }
    }

    @Test func anotherMethodOnAKnownPathIs405WithAllow() async throws {
        let harness = try TestController()
        try await harness.test { client in
            for method in [HTTPRequest.Method("TRACE")!, .patch, .delete] {
                try await client.execute(uri: "/api/ipsec", method: method, headers: TestController.basic()) { response in
                    #expect(response.status == .methodNotAllowed, "\(method)")
                    #expect(response.headers[.allow] == "GET, POST, PUT")
                    #expect(response.errorMessage?.contains("not allowed") == true)
                }
            }
            try await client.execute(uri: "/api/ipsec/endpoints/7", method: .patch, headers: TestController.basic()) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "DELETE, GET, PUT")
            }
            try await client.execute(uri: "/api/no-such-thing", method: .get, headers: TestController.basic()) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
