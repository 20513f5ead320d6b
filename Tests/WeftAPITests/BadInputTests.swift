import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI
import WeftModel

@Suite struct BadInputTests {
    static let cases: [(String, HTTPRequest.Method, String, String)] = [
        ("/api/config", .put, "{not json", "Malformed JSON"),
        ("/api/config", .put, "[1,2]", "must be a JSON object"),
        ("/api/config", .put, #"{"topology_name": 5}"#, "\"topology_name\""),
        ("/api/config", .put, #"{"colour": "blue"}"#, "Unknown field \"colour\""),
        ("/api/config", .put, #"{"ntp_hosts": "pool.ntp.org bad;host"}"#, "ntp_hosts"),
        ("/api/license/parameters", .put, #"{"subnet": "10.0.0.0/33"}"#, "Must be licensed first."),
        ("/api/peering/self", .put, #"{"id": "one"}"#, "\"id\""),
        ("/api/peering/self", .put, #"{"force": true}"#, "\"id\" is required"),
        ("/api/access/token", .post, #"{"expires": 0}"#, "\"expires\""),
        ("/api/access/token", .post, #"{"refreshes": "maybe"}"#, "\"refreshes\""),
        ("/api/api_password", .put, #"{}"#, "\"password\" is required"),
        ("/api/keyset", .put, #"{"token": ""}"#, "\"token\""),
        ("/api/keyset", .put, #"{"token": "x", "source": "bad host!"}"#, "\"source\""),
        ("/api/admin_ui", .put, #"{"admin_username": "a b"}"#, "admin_username"),
        ("/api/server", .put, #"{"reboot": "soon"}"#, "\"reboot\""),
    ]

    @Test func ntpHostsOnSeparateLinesAreAccepted() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "/api/config", method: .put, headers: TestController.basic(),
                                     body: body(#"{"ntp_hosts": "0.pool.ntp.org\r\n1.pool.ntp.org\r2.pool.ntp.org"}"#)) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.json["response"]?["ntp_hosts"] == .string("0.pool.ntp.org 1.pool.ntp.org 2.pool.ntp.org"), "\(response.text)")
            }
        }
    }

    @Test func badInputIsRefusedByNameAndChangesNothing() async throws {
        let harness = try TestController()
        try await harness.test { client in
            for (path, method, payload, expected) in Self.cases {
                let before = harness.generation
                try await client.execute(uri: path, method: method, headers: TestController.basic(), body: body(payload)) { response in
                    #expect((400..<500).contains(response.status.code), "\(path) \(payload) -> \(response.status)")
                    #expect(response.headers[.contentType] == "application/json")
                    #expect(!response.text.contains("\n"))
                    #expect(response.errorMessage?.contains(expected) == true, "\(path) \(payload): \(response.errorMessage ?? response.text)")
                }
                #expect(harness.generation == before, "\(path) \(payload) changed the store")
            }
        }
        #expect(harness.controller.restart.reason == nil)
    }

    @Test func licenceParametersAreValidatedBeforeAnythingChanges() async throws {
        let harness = try TestController()
        try await harness.test { client in
            var text = TestController.basic()
            text[.contentType] = "text/plain"
            try await client.execute(uri: "/api/license", method: .put, headers: text, body: body("lic")) { _ in }
            let before = harness.generation
            for payload in [#"{"subnet":"10.0.0.0/30"}"#, #"{"subnet":"10.0.0.1/24"}"#, #"{"subnet":"10.0.0.0/24","asns":"1 2"}"#,
                            #"{"default":true,"subnet":"10.0.0.0/24"}"#, #"{"subnet":"10.0.0.0/24","managers":"10.9.9.9"}"#] {
                try await client.execute(uri: "/api/license/parameters", method: .put, headers: TestController.basic(), body: body(payload)) { response in
                    #expect(response.status == .badRequest, "\(payload)")
                }
            }
            #expect(harness.generation == before)
            #expect(harness.controller.snapshot.license?.finalized == false)
            #expect(harness.controller.restart.reason == nil)
        }
    }

    @Test func oversizedBodiesAreRefused() async throws {
        let harness = try TestController()
        try await harness.test { client in
            let big = "{\"topology_name\":\"" + String(repeating: "x", count: RequestFields.maxBodySize + 10) + "\"}"
            try await client.execute(uri: "/api/config", method: .put, headers: TestController.basic(), body: body(big)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.json["error"]?["name"] == .string("PayloadTooLarge"))
            }
        }
        #expect(harness.generation == 1)
    }

    @Test func lenientStringsAreAccepted() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "/api/access/token", method: .post, headers: TestController.basic(),
                                     body: body(#"{"expires": "3600", "refreshes": "True", "token_name": "old-style"}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.json["response"]?["refreshes"] == .bool(true))
                #expect(response.json["response"]?["name"] == .string("old-style"))
                #expect(response.json["response"]?["lifetime"] == .string("1h"))
            }
        }
    }
}
