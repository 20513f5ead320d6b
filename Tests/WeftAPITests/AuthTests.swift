import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI
import WeftModel

@Suite struct AuthTests {
    @Test func everyAPIRouteRefusesMissingOrWrongCredentials() async throws {
        let harness = try TestController()
        try await harness.test { client in
            let routes = harness.table.all.filter { $0.access == .apiCredentials }
            #expect(routes.count >= 20)
            for route in routes {
                let path = route.path.replacingOccurrences(of: ":id", with: "1")
                let method = HTTPRequest.Method(route.method)!
                for headers: HTTPFields in [[:], TestController.basic("wrong-password"), [HTTPField.Name("api-token")!: "nope"],
                                            TestController.basic(user: "vnscubed")] {
                    try await client.execute(uri: path, method: method, headers: headers, body: body("{}")) { response in
                        #expect(response.status == .unauthorized, "\(route.method) \(path) answered \(response.status)")
                        #expect(response.headers[.contentType] == "application/json")
                        #expect(response.errorMessage?.contains("Authentication required") == true)
                    }
                }
            }
        }
        #expect(harness.generation == 1)
    }

    @Test func unknownRoutesAnswer404InTheEnvelope() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "/api/no/such/thing", method: .get, headers: TestController.basic()) { response in
                #expect(response.status == .notFound)
                #expect(response.text == #"{"error":{"name":"NotFound","message":"No route for GET /api/no/such/thing"}}"#)
            }
            // A known path with another method: 405 with the methods it takes (issue 28).
            try await client.execute(uri: "/api/config", method: .delete, headers: TestController.basic()) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, PUT")
            }
        }
    }

    @Test func tokensWorkAloneAndStopWhenExpiredOrDeleted() async throws {
        let harness = try TestController()
        try await harness.test { client in
            let created = try await client.execute(uri: "/api/access/token", method: .post, headers: TestController.basic(),
                                                   body: body(#"{"expires": 600, "name": "ci"}"#)) { $0.json }
            guard case .string(let token)? = created["response"]?["token"], case .int(let id)? = created["response"]?["id"] else {
                Issue.record("no token in \(created)"); return
            }
            let tokenHeader: HTTPFields = [HTTPField.Name("api-token")!: token]
            try await client.execute(uri: "/api/config", method: .get, headers: tokenHeader) { #expect($0.status == .ok) }
            // Both headers present, only one valid: accepted.
            var both = TestController.basic("wrong")
            both[HTTPField.Name("api-token")!] = token
            try await client.execute(uri: "/api/config", method: .get, headers: both) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/access/tokens", method: .get, headers: tokenHeader) { response in
                #expect(!response.text.contains(token))
                #expect(response.text.contains("\"last_accessed_ip\""))
            }
            try await client.execute(uri: "/api/access/token/\(id)", method: .put, headers: TestController.basic(), body: body(#"{"expired": true}"#)) {
                #expect($0.json["response"]?["expired"] == .bool(true))
            }
            try await client.execute(uri: "/api/config", method: .get, headers: tokenHeader) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/access/token/\(id)", method: .delete, headers: TestController.basic()) {
                #expect($0.json["response"] == .string("Token deleted"))
            }
            try await client.execute(uri: "/api/access/token/\(id)", method: .get, headers: TestController.basic()) { #expect($0.status == .notFound) }
        }
    }

    @Test func repeatedFailuresAreThrottled() async throws {
        let harness = try TestController(loginFailureLimit: 3)
        try await harness.test { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/api/config", method: .get, headers: TestController.basic("guess")) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(uri: "/api/config", method: .get, headers: TestController.basic("guess")) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.errorMessage?.contains("Too many failed logins") == true)
            }
        }
    }

    @Test func changingThePasswordRevokesTheOldOneAtOnce() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "/api/config", method: .get, headers: TestController.basic()) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/api_password", method: .put, headers: TestController.basic(), body: body(#"{"password":"new-password-1"}"#)) {
                #expect($0.json["response"]?["password_reset"] == .string("ok"))
            }
            try await client.execute(uri: "/api/config", method: .get, headers: TestController.basic()) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/config", method: .get, headers: TestController.basic("new-password-1")) { #expect($0.status == .ok) }
            let before = harness.generation
            try await client.execute(uri: "/api/api_password", method: .put, headers: TestController.basic("new-password-1"), body: body(#"{"password":"short"}"#)) {
                #expect($0.status == .badRequest)
            }
            #expect(harness.generation == before)
        }
    }
}
