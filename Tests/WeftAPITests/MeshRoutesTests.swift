import Crypto
import Testing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import WeftApp
import WeftMesh
import WeftModel
import WeftStore

/// `POST /weft/v1/mesh/state` between two controllers that share a keyset: a signed state
/// from controller 1 is merged and enforced; forged, replayed, unknown-controller and
/// future-clock messages are refused (403), counted, and change nothing.
@Suite struct MeshRoutesTests {
    static let address = "100.127.255.193"
    static let caKey = "-----BEGIN PRIVATE KEY-----\nshared by the mesh\n-----END PRIVATE KEY-----\n"

    static func withKeyset(_ harness: TestController) throws {
        try harness.controller.store.write(actor: "test", action: "keyset.seed") { db in
            try db.execute(sql: """
                INSERT INTO keyset (id, uuid, created_at, checksum, ca_cert_pem, ca_key_pem, transfer_salt, transfer_key)
                VALUES (1, 'u', 0, 'c', '', ?, x'00', x'00')
                """, arguments: [caKey])
        }
    }

    static func envelope(_ state: MeshState, from: Int = 1, wall: Int64 = MeshRecording.physicalMillis(),
                         secret: [UInt8] = Array(SHA256.hash(data: Array(caKey.utf8)))) throws -> String {
        let sealed = MeshAuthenticator(keys: MeshKeys(keysetSecret: secret, controllers: [from]))
            .seal(payload: try MeshPayload.encode(state), from: from, at: HybridTimestamp(wallMillis: wall, counter: 0, controller: from))!
        return String(decoding: try JSONEncoder().encode(sealed), as: UTF8.self)
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    @Test func aSignedDisableIsMergedAndForgeriesAndReplaysAreRefused() async throws {
        let sender = try TestController(), receiver = try TestController()
        try Self.withKeyset(sender)
        try Self.withKeyset(receiver)
        try await sender.controller.updateClientpack(IPv4Address(Self.address)!, enabled: false, checkedOut: nil, regenerate: false,
                                                     identity: .init(), principal: "api")
        let state = try sender.controller.meshState().state
        #expect(state.packs[Self.address]?.enabled?.value == EnabledFlag(false))
        let message = try Self.envelope(state)

        try await receiver.test { client in
            try await client.execute(uri: "/weft/v1/mesh/state", method: .post, headers: Self.json, body: ByteBuffer(string: message)) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.json["response"]?["applied"] == .bool(true))
                #expect(response.json["response"]?["digest"] == .string(state.digest))
            }
            #expect(receiver.controller.snapshot.clientpacks.state(Self.address).enabled == false)
            let generation = receiver.generation

            // Replayed, tampered, from an unknown controller, signed with another keyset, clock an hour ahead.
            var enabled = MeshState()
            enabled.packs[Self.address] = PackRecord(enabled: Register(EnabledFlag(true), at: HybridTimestamp(wallMillis: MeshRecording.physicalMillis() + 1, counter: 0, controller: 1)))
            let tampered = message.replacingOccurrences(of: #"enabled\":false"#, with: #"enabled\":true"#)
            #expect(tampered != message)
            let refused = [message, tampered, try Self.envelope(enabled, from: 7),
                           try Self.envelope(enabled, secret: Array("another keyset".utf8)),
                           try Self.envelope(enabled, wall: MeshRecording.physicalMillis() + 3_600_000)]
            for body in refused {
                try await client.execute(uri: "/weft/v1/mesh/state", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .forbidden, "\(response.text)")
                }
            }
            try await client.execute(uri: "/weft/v1/mesh/state", method: .post, headers: Self.json, body: ByteBuffer(string: #"{"from": 1}"#)) { response in
                #expect(response.status == .badRequest)
            }
            #expect(receiver.generation == generation, "nothing applied")
            #expect(receiver.controller.snapshot.clientpacks.state(Self.address).enabled == false)
        }
    }

    @Test func theDigestExchangeSendsWhatThePeerLacks() async throws {
        let harness = try TestController()
        try Self.withKeyset(harness)
        _ = try harness.controller.commitReturningGeneration("test", "peering.self") { db in try Store.set(.peering, PeeringSelf(id: 1), in: db) }
        try await harness.controller.tagClientpack(IPv4Address(Self.address)!, key: "site", value: "east", principal: "api")
        let local = try harness.controller.meshState().state
        let secret = Array(SHA256.hash(data: Array(Self.caKey.utf8)))
        let ask = MeshAuthenticator(keys: MeshKeys(keysetSecret: secret, controllers: [1]))
            .seal(payload: "{}", from: 1, at: HybridTimestamp(wallMillis: MeshRecording.physicalMillis(), counter: 0, controller: 1))!
        try await harness.test { client in
            try await client.execute(uri: "/weft/v1/mesh/digest", method: .post, headers: Self.json,
                                     body: ByteBuffer(string: String(decoding: try JSONEncoder().encode(ask), as: UTF8.self))) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.json["response"]?["digest"] == .string(local.digest))
                guard case .string(let payload)? = response.json["response"]?["state"]?["payload"] else { Issue.record("no state"); return }
                #expect((try? MeshPayload.decodeState(payload))?.packs[Self.address]?.state.tags == ["site": "east"])
            }
        }
    }
}
