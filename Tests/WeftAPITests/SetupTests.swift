import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI
import WeftModel

/// The first start: weak keyset tokens, the public address, bodies of the wrong type, and
/// the web UI's setup page from a fresh controller to a ready one.
@Suite struct SetupTests {
    static func licensed(_ client: some TestClientProtocol) async throws {
        var text = TestController.basic()
        text[.contentType] = "text/plain"
        try await client.execute(uri: "/api/license", method: .put, headers: text, body: body("lic")) { #expect($0.status == .ok) }
        try await client.execute(uri: "/api/license/parameters", method: .put, headers: TestController.basic(), body: body(#"{"default":true}"#)) {
            #expect($0.status == .ok)
        }
    }

    @Test(arguments: ["t", "short-1", "abcdefghijklmnop", "1234567890123", "aaaaaaaaaaaa1"])
    func weakKeysetTokensAreRefusedWithTheReason(_ token: String) async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await Self.licensed(client)
            let before = harness.generation
            try await client.execute(uri: "/api/keyset", method: .put, headers: TestController.basic(), body: body(#"{"token":"\#(token)"}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage?.hasPrefix("Field \"token\"") == true, "\(response.text)")
            }
            #expect(harness.generation == before)
            #expect(!harness.controller.keysets.progress.inProgress)
        }
    }

    @Test func aStrongTokenStartsTheKeyset() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await Self.licensed(client)
            try await client.execute(uri: "/api/keyset", method: .put, headers: TestController.basic(), body: body(#"{"token":"topology-2026"}"#)) { response in
                #expect(response.json["response"]?["in_progress"] == .bool(true))
            }
        }
    }

    @Test func thePublicAddressIsStoredAndReported() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "/api/config", method: .put, headers: TestController.basic(), body: body(#"{"public_ipaddress":"52.1.2.3"}"#)) { response in
                #expect(response.json["response"]?["public_ipaddress"] == .string("52.1.2.3"))
            }
            #expect(harness.controller.publicAddress?.description == "52.1.2.3")
            let before = harness.generation
            try await client.execute(uri: "/api/config", method: .put, headers: TestController.basic(), body: body(#"{"public_ipaddress":"52.1.2"}"#)) { response in
                #expect(response.status == .badRequest && response.errorMessage?.contains("public_ipaddress") == true)
            }
            #expect(harness.generation == before)
            try await client.execute(uri: "/api/config", method: .put, headers: TestController.basic(), body: body(#"{"public_ipaddress":""}"#)) { response in
                #expect(response.json["response"]?["public_ipaddress"] != .string("52.1.2.3"))
            }
            #expect(try harness.controller.store.audit(limit: 5).contains { $0.detail.contains("public_ipaddress 52.1.2.3 → default") })
        }
    }

    @Test func bodiesOfTheWrongTypeAre415AndChangeNothing() async throws {
        let harness = try TestController()
        try await harness.test { client in
            let cases: [(String, HTTPRequest.Method, String?, String)] = [
                ("/api/config", .put, "text/plain", #"{"topology_name":"x"}"#),
                ("/api/config", .put, "application/x-www-form-urlencoded", "topology_name=x"),
                ("/api/config", .put, nil, #"{"topology_name":"x"}"#),
                ("/api/license", .put, "application/json", "licence text"),
                ("/api/snapshots/running_config", .put, "application/json", "not an archive"),
            ]
            for (path, method, type, payload) in cases {
                var headers = TestController.basic()
                headers[.contentType] = type
                try await client.execute(uri: path, method: method, headers: headers, body: body(payload)) { response in
                    #expect(response.status == .unsupportedMediaType, "\(path) \(type ?? "none") → \(response.status)")
                    #expect(response.json["error"]?["name"] == .string("UnsupportedMediaType"))
                }
            }
            #expect(harness.generation == 1)
            // Without a body the header does not matter (the SDK announces JSON on GETs).
            var text = TestController.basic()
            text[.contentType] = "text/plain"
            try await client.execute(uri: "/api/config", method: .get, headers: text) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/config", method: .put, headers: [.authorization: TestController.basic()[.authorization]!, .contentType: "application/json; charset=utf-8"],
                                     body: body(#"{"controller_name":"c1"}"#)) { #expect($0.status == .ok) }
        }
    }

    // MARK: - The setup page

    struct Browser {
        let cookie: String
        let csrf: String
        var headers: HTTPFields { [.cookie: "\(UISessions.cookieName)=\(cookie)", .contentType: "application/x-www-form-urlencoded"] }
        func form(_ fields: [String: String]) -> ByteBuffer {
            var all = fields
            all["csrf"] = csrf
            return body(all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&"))
        }
    }

    static func browser(_ harness: TestController) throws -> Browser {
        let sessions = harness.ui.sessions
        let cookie = sessions.create(user: "vnscubed")
        guard case .valid(let session) = sessions.lookup(cookie) else { throw CancellationError() }
        return Browser(cookie: cookie, csrf: session.csrf)
    }

    @Test func theSetupPageTakesAFreshControllerToReady() async throws {
        let harness = try TestController()
        try await harness.test { client in
            let browser = try Self.browser(harness)
            try await client.execute(uri: "/ui/", method: .get, headers: browser.headers) { response in
                #expect(response.text.contains("id=\"setup-banner\""))
            }
            try await client.execute(uri: "/ui/setup", method: .get, headers: browser.headers) { response in
                #expect(response.text.contains("data-step=\"1\" data-state=\"current\""))
            }
            // A bad subnet: refused by name, nothing stored.
            try await client.execute(uri: "/ui/setup/topology", method: .post, headers: browser.headers,
                                     body: browser.form(["topology": "custom", "subnet": "10.99.0.1/24"])) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("subnet"))
            }
            #expect(harness.controller.snapshot.license == nil)
            try await client.execute(uri: "/ui/setup/topology", method: .post, headers: browser.headers,
                                     body: browser.form(["topology": "custom", "subnet": "10.99.0.0/24"])) { response in
                #expect(response.status == .ok && response.text.contains("restart-wait"))
            }
            #expect(harness.controller.snapshot.topology?.subnet.description == "10.99.0.0/24")
            #expect(harness.controller.restart.reason != nil)
            try await client.execute(uri: "/ui/clientpacks", method: .get, headers: browser.headers) { response in
                #expect(response.text.contains("no keyset") && !response.text.contains("/download"))
            }
            // Step 2: a weak token, two tokens that differ, then a strong one.
            try await client.execute(uri: "/ui/setup/keyset", method: .post, headers: browser.headers,
                                     body: browser.form(["mode": "generate", "token": "secret", "token_again": "secret"])) { response in
                #expect(response.status == .badRequest && response.text.contains("at least 12"))
            }
            try await client.execute(uri: "/ui/setup/keyset", method: .post, headers: browser.headers,
                                     body: browser.form(["mode": "generate", "token": "topology-2026", "token_again": "topology-2027"])) { response in
                #expect(response.status == .badRequest && response.text.contains("differ"))
            }
            #expect(!harness.controller.keysets.progress.inProgress)
            try await client.execute(uri: "/ui/setup/keyset", method: .post, headers: browser.headers,
                                     body: browser.form(["mode": "generate", "token": "topology-2026", "token_again": "topology-2026"])) { response in
                #expect(response.status == .seeOther)
            }
            try await client.execute(uri: "/ui/setup", method: .get, headers: browser.headers) { response in
                #expect(response.text.contains("keyset-progress"))
            }
            let topology = try #require(harness.controller.snapshot.topology)
            await harness.controller.keysets.perform(.generate(token: "topology-2026", topology: topology, topologyName: "", actor: "ui:vnscubed"))
            // Step 3: a private public address is stored but warned about.
            try await client.execute(uri: "/ui/setup/identity", method: .post, headers: browser.headers,
                                     body: browser.form(["peer_id": "9", "public_ip": "52.1.2.3"])) { response in
                #expect(response.status == .badRequest)
            }
            #expect(harness.controller.snapshot.peering.id == nil && harness.controller.snapshot.controller.publicIP == nil)
            try await client.execute(uri: "/ui/setup/identity", method: .post, headers: browser.headers,
                                     body: browser.form(["peer_id": "1", "public_ip": "10.0.0.5"])) { response in
                #expect(response.status == .seeOther)
            }
            try await client.execute(uri: "/ui/setup", method: .get, headers: browser.headers) { response in
                #expect(response.text.contains("id=\"setup-done\""))
                #expect(response.text.contains("10.0.0.5 is a private address"))
            }
            try await client.execute(uri: "/ui/", method: .get, headers: browser.headers) { response in
                #expect(!response.text.contains("setup-banner"))
                #expect(response.text.contains("id=\"public-ip-warning\""))
            }
            #expect(harness.controller.snapshot.peering.id == 1)
            #expect(harness.controller.publicAddress?.description == "10.0.0.5")
        }
    }
}
