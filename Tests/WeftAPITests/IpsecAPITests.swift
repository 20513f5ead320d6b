import Foundation
import HummingbirdTesting
import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI
import WeftModel
import WeftReconciler

/// `extra_config` through `POST /api/ipsec/endpoints`: the accepted phase-2 forms reach
/// strongSwan's proposal syntax in the plan charon is given; nonsense is refused by field.
@Suite struct IpsecAPITests {
    func create(_ client: some TestClientProtocol, extra: String, pfs: Bool = true, address: String) async throws -> TestResponse {
        let fields: JSONValue = ["name": "dc", "ipaddress": .string(address), "secret": "a-long-enough-psk", "pfs": .bool(pfs),
                                 "ike_version": .int(2), "extra_config": .string(extra)]
        return try await client.execute(uri: "/api/ipsec/endpoints", method: .post, headers: TestController.basic(),
                                        body: body(JSONWriter.string(fields)))
    }

    /// The `esp_proposals` charon would be given for a tunnel of the stored endpoint.
    func espProposals(_ harness: TestController) throws -> [String]? {
        var config = harness.controller.snapshot.ipsec
        config.endpoints[0].tunnels = [IpsecTunnel(id: 1, localSubnet: "10.1.0.0/24", remoteSubnet: "10.2.0.0/24")]
        let plan = IpsecPlan(config, localAddress: "198.18.0.11", mode: .libipsec)
        let name = try #require(plan.connections.first?.name)
        return plan.connections.first?.message.section(name)?.section("children")?.section("t1")?.list("esp_proposals")
    }

    @Test(arguments: [
        ("phase1=aes256-sha2_256-dh14 phase2=aes256-sha2_256-dh14", true, ["aes256-sha256-modp2048"]),
        ("phase1=aes256-sha2_256-dh14\r\nphase2=aes256-sha2_256-dh19", true, ["aes256-sha256-ecp256"]),
        ("phase1=aes256-sha2_256-dh20\rphase2=aes128-sha1", true, ["aes128-sha1-ecp384"]),
        ("phase1=aes256-sha2_256-dh20\nphase2=aes128-sha1", false, ["aes128-sha1"]),
        ("phase2=aes256_gcm-dh31", true, ["aes256gcm16-curve25519"]),
    ])
    func acceptedFormsReachStrongSwanProposals(_ extra: String, _ pfs: Bool, _ expected: [String]) async throws {
        let harness = try TestController()
        try await harness.test { client in
            let response = try await create(client, extra: extra, pfs: pfs, address: "198.51.100.2")
            #expect(response.status == .ok, "\(response.text)")
            #expect(harness.controller.snapshot.ipsec.endpoints.count == 1)
            #expect(harness.controller.snapshot.ipsec.endpoints.first?.extraConfig.contains("\r") == false, "stored with LF line ends")
            #expect(try espProposals(harness) == expected)
        }
    }

    @Test(arguments: [
        ("phase2=aes256-sha2_256-dh99", true, "phase2"),
        ("phase2=aes256-dh14", true, "phase2"),
        ("phase2=aes256_gcm-sha1-dh14", true, "AEAD"),
        ("phase1=aes256-sha2_256-dh14 phase2=aes256-sha2_256-dh14", false, "\"pfs\" is false"),
    ])
    func nonsenseIsRefusedWithTheFieldNamed(_ extra: String, _ pfs: Bool, _ expected: String) async throws {
        let harness = try TestController()
        try await harness.test { client in
            let generation = harness.generation
            let response = try await create(client, extra: extra, pfs: pfs, address: "198.51.100.3")
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.contains("extra_config") == true, "\(response.text)")
            #expect(response.errorMessage?.contains(expected) == true, "\(response.text)")
            #expect(harness.generation == generation)
        }
    }
}
