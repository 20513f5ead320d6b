import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI
import WeftModel

/// What an attacker tries: every route in the table (API, metrics, UI), spelled every way
/// a path can be spelled, with no credentials or the wrong ones. Nothing answers 2xx.
@Suite struct PathSpellingTests {
    /// Other spellings of `path` (which starts with `/`).
    static func spellings(_ path: String) -> [String] {
        let rest = String(path.dropFirst())
        let segments = rest.split(separator: "/").map(String.init)
        let first = segments.first ?? ""
        let tail = segments.dropFirst().joined(separator: "/")
        var result = [
            "/" + path, "/./" + rest, "/%2f" + rest, "/%2F" + rest, path + "/", path + "//", path + ";p", path + "%00", path + ".",
            path + "/.", path + "/..", path + "%2e", "/" + first.uppercased() + (tail.isEmpty ? "" : "/" + tail), "/%2e/" + rest,
            "/x/../" + rest, path.replacingOccurrences(of: "/", with: "\\"), path + "?x=1", "/%252f" + rest, path + "%252e",
            "https://evil.example" + path,
        ]
        if !tail.isEmpty {
            result += ["/\(first)//\(tail)", "/\(first)/./\(tail)", "/\(first)%2f\(tail)", "/\(first)%252f\(tail)", "/\(first)\\\(tail)"]
        }
        return result.map { $0.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix(":") ? "1" : $0 }.joined(separator: "/") }
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

    @Test func noSpellingOfAProtectedRouteAnswersWithoutValidCredentials() async throws {
        let harness = try TestController()
        try await harness.test { client in
            // An expired token and a live UI session: valid somewhere, never on these routes.
            let created = try await client.execute(uri: "/api/access/token", method: .post, headers: TestController.basic(),
                                                   body: body(#"{"expires": 600}"#)) { $0.json }
            guard case .string(let token)? = created["response"]?["token"], case .int(let id)? = created["response"]?["id"] else {
                Issue.record("no token"); return
            }
            try await client.execute(uri: "/api/access/token/\(id)", method: .put, headers: TestController.basic(), body: body(#"{"expired": true}"#)) { _ in }
            let cookie = harness.ui.sessions.create(user: "vnscubed")
            let uiCookie: HTTPFields = [.cookie: "\(UISessions.cookieName)=\(cookie)", .contentType: "application/x-www-form-urlencoded"]

            let routes = harness.table.all.filter { $0.access != .public }
            #expect(routes.contains { $0.path == "/metrics" } && routes.contains { $0.access == .uiSession } && routes.count > 100)
            var tried = 0
            for route in routes {
                let method = HTTPRequest.Method(route.method)!
                let credentials: [HTTPFields] = route.access == .uiSession
                    ? [[:], TestController.basic(), TestController.basic("wrong"), Self.bearer(token)]
                    : [[:], TestController.basic("wrong"), Self.bearer(token), uiCookie, TestController.basic(user: "vnscubed")]
                for spelling in Self.spellings(route.path) {
                    for headers in credentials {
                        try await client.execute(uri: spelling, method: method, headers: headers, body: body("{}")) { response in
                            #expect(!(200..<300).contains(response.status.code), "\(route.method) \(spelling) \(headers) → \(response.status)")
                            if response.status == .seeOther { #expect(response.headers[.location]?.hasPrefix("/ui/login") == true) }
                        }
                        tried += 1
                    }
                }
            }
            #expect(tried > 10_000)
        }
    }

    /// Any path the router resolves: without credentials it is either a public route or refused.
    @Test func randomPathsReachOnlyPublicRoutesWithoutCredentials() async throws {
        let harness = try TestController()
        try await harness.test { client in
            let words = Set(harness.table.all.flatMap { $0.path.split(separator: "/").map(String.init) })
                .union(["", ".", "..", "%2e", "%2f", "%2F", "%00", "API", "Ui", "1", "x;y", "%252f", "\\", "metrics", "login"])
                .sorted()
            var generator = SplitMix64(seed: 0x5eed)
            var reached = 0
            for _ in 0..<3000 {
                let count = Int.random(in: 1...5, using: &generator)
                let path = "/" + (0..<count).map { _ in words.randomElement(using: &generator)! }.joined(separator: "/")
                let method: HTTPRequest.Method = [.get, .post, .put, .delete].randomElement(using: &generator)!
                try await client.execute(uri: path, method: method, headers: [.contentType: "application/json"], body: body("{}")) { response in
                    guard (200..<300).contains(response.status.code) else { return }
                    reached += 1
                    #expect(harness.table.access(method: method, path: path) == .public, "\(method) \(path) → \(response.status)")
                }
            }
            _ = reached
        }
    }

    @Test func publicRoutesAreExactlyTheDeclaredOnes() {
        let table = RouteTable()
        let controller = try? TestController()
        _ = controller.map { HTTPServer.router(controller: $0.controller, table: table) }
        let open = Set(table.all.filter { $0.access == .public }.map { "\($0.method) \($0.path)" })
        #expect(open == ["GET /", "GET /ui/static/app.css", "GET /ui/static/app.js", "GET /ui/login", "POST /ui/login", "GET /ui/ping",
                         "POST /weft/v1/keyset/challenge", "POST /weft/v1/keyset/transfer"])
        #expect(table.access(method: .get, path: "/ui/login/") == .public)
        #expect(table.access(method: .get, path: "/UI/login") == .apiCredentials)
        #expect(table.access(method: .get, path: "/ui/logins") == .uiSession)
        #expect(table.access(method: .post, path: "/ui/static/app.js") == .uiSession)
    }

    @Test func refusedTargetsAre400AndCounted() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "//api/config", method: .get, headers: TestController.basic()) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage?.contains("empty path segment") == true)
                #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000")
            }
            try await client.execute(uri: "/metrics", method: .get, headers: TestController.basic()) { response in
                #expect(response.text.contains("weft_api_targets_refused_total 1"))
            }
        }
    }

    @Test func everyResponseCarriesHSTS() async throws {
        let harness = try TestController()
        try await harness.test { client in
            for uri in ["/ui/login", "/ui/", "/api/config", "/api/no/such"] {
                try await client.execute(uri: uri, method: .get, headers: TestController.basic()) { response in
                    #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000", "\(uri)")
                }
            }
        }
    }
}

/// A small seeded generator, so a failing random path can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
