import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI
import WeftModel

@Suite struct ContractTests {
    @Test func configReportsASixXVersionTheSDKCanBind() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "/api/config", method: .get, headers: TestController.basic()) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                guard case .string(let version)? = response.json["response"]?["vns3_version"] else { Issue.record("no version"); return }
                let numeric = version.split(separator: "-")[0].split(separator: ".")
                #expect(numeric.count == 3 && numeric[0] == "6" && numeric.allSatisfy { $0.count <= 2 && Int($0) != nil })
                #expect(!version.lowercased().contains("vns3") && !version.lowercased().contains("cohesive"))
                #expect(response.json["response"]?["private_ipaddress"] == .string("198.18.0.11"))
                #expect(response.json["response"]?["licensed"] == .bool(false))
            }
        }
    }

    @Test func licensingDefinesTheTopologyAndAsksForARestart() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "/api/license", method: .get, headers: TestController.basic()) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage == "Must be licensed first.")
            }
            try await client.execute(uri: "/api/keyset", method: .get, headers: TestController.basic()) { response in
                #expect(response.errorMessage?.lowercased().contains("must be licensed") == true)
            }
            var text = TestController.basic()
            text[.contentType] = "text/plain"
            try await client.execute(uri: "/api/license", method: .put, headers: text, body: body("any licence text")) { response in
                #expect(response.json["response"]?["license"] == .string("accepted"))
                #expect(response.json["response"]?["finalized"] == .bool(false))
            }
            try await client.execute(uri: "/api/keyset", method: .get, headers: TestController.basic()) { response in
                #expect(response.json["response"]?["keyset_present"] == .bool(false))
                #expect(response.json["response"]?["in_progress"] == .bool(false))
            }
            #expect(harness.controller.restart.reason == nil)
            try await client.execute(uri: "/api/license/parameters", method: .put, headers: TestController.basic(),
                                     body: body(#"{"subnet":"172.31.1.0/24","managers":"172.31.1.253 172.31.1.252","asns":"65010 65011","clients":"172.31.1.1-172.31.1.20"}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.json["response"]?["finalized"] == .bool(true))
            }
            #expect(harness.controller.restart.reason != nil)
            try await client.execute(uri: "/api/license", method: .get, headers: TestController.basic()) { response in
                #expect(response.json["response"]?["topology"]?["overlay_subnet"] == .string("172.31.1.0/24"))
                #expect(response.json["response"]?["topology"]?["total_clients"] == .int(20))
            }
            try await client.execute(uri: "/api/config", method: .get, headers: TestController.basic()) { response in
                #expect(response.json["response"]?["overlay_ipaddress"] == .string("172.31.1.253"))
                #expect(response.json["response"]?["asn"] == .int(65010))
            }
            try await client.execute(uri: "/api/peering/self", method: .put, headers: TestController.basic(), body: body(#"{"force":true,"id":2}"#)) { response in
                #expect(response.json["response"]?["id"] == .int(2))
                #expect(response.json["response"]?["managers"]?["2"]?["self"] == .bool(true))
            }
            try await client.execute(uri: "/api/peering/self", method: .put, headers: TestController.basic(), body: body(#"{"force":true,"id":3}"#)) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func keysetGenerationFollowsTheSDKStateMachine() async throws {
        let harness = try TestController()
        try await harness.test { client in
            var text = TestController.basic()
            text[.contentType] = "text/plain"
            try await client.execute(uri: "/api/license", method: .put, headers: text, body: body("lic")) { _ in }
            try await client.execute(uri: "/api/license/parameters", method: .put, headers: TestController.basic(), body: body(#"{"default":"True"}"#)) { _ in }
            try await client.execute(uri: "/api/keyset", method: .put, headers: TestController.basic(), body: body(#"{"token":"test-topology-token","sealed_network":true}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.json["error"]?["name"] == .string("NotSupported"))
            }
            try await client.execute(uri: "/api/keyset", method: .put, headers: TestController.basic(), body: body(#"{"token":"test-topology-token","sealed_network":false}"#)) { response in
                #expect(response.json["response"]?["in_progress"] == .bool(true))
                if case .int = response.json["response"]?["started_at_i"] {} else { Issue.record("no started_at_i") }
            }
            // The job runs in the KeysetService, which is not running in this router test: run it here.
            let job = KeysetService.Job.generate(token: "test-topology-token", topology: .default, topologyName: "", actor: "api")
            try await client.execute(uri: "/api/keyset", method: .put, headers: TestController.basic(), body: body(#"{"token":"test-topology-token"}"#)) { response in
                #expect(response.errorMessage == "Keyset setup in progress.")
            }
            await harness.controller.keysets.perform(job)
            try await client.execute(uri: "/api/keyset", method: .put, headers: TestController.basic(), body: body(#"{"token":"test-topology-token"}"#)) { response in
                #expect(response.errorMessage == "Keyset already exists.")
            }
            try await client.execute(uri: "/api/keyset", method: .get, headers: TestController.basic()) { response in
                #expect(response.json["response"]?["keyset_present"] == .bool(true))
                #expect(response.json["response"]?["clients"] == .int(58))
            }
        }
    }
}
