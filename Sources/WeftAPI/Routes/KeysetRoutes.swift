import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// `GET/PUT /api/keyset`, and the controller-to-controller transfer under `/weft/v1`
/// (not part of the VNS3 API; authenticated by the topology token alone).
struct KeysetRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("keyset", use: show)
        api.put("keyset", use: start)
    }

    @Sendable func show(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let state = controller.snapshot
        guard state.licensed else { throw SettingsCheck.mustBeLicensed }
        return Reply.ok(status(state))
    }

    /// Generates the keyset, or fetches it from `source`; the SDK polls `GET` until it is there.
    @Sendable func start(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/keyset",
                                                 known: ["token", "source", "topology_name", "sealed_network"])
        let token = try body.string("token", required: true) ?? ""
        try body.unsupported("sealed_network", default: false, reason: "sealed networks are not implemented")
        let source = try body.string("source").map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        let topologyName = try body.string("topology_name").map { try SettingsCheck.name($0, field: "topology_name") }
        let startedAt = try controller.startKeyset(token: token, source: source, topologyName: topologyName, actor: context.principal)
        var payload = status(controller.snapshot)
        if case .object(var object) = payload {
            object["started_at_i"] = .int(startedAt)
            payload = .object(object)
        }
        return Reply.ok(payload)
    }

    func status(_ state: DesiredState) -> JSONValue {
        let progress = controller.keysets.progress
        var object: JSONObject = ["keyset_present": .bool(state.keyset != nil), "in_progress": .bool(progress.inProgress)]
        if let keyset = state.keyset {
            object["created_at"] = .string(Timestamps.iso8601(keyset.createdAt))
            object["created_at_i"] = .int(keyset.createdAt)
            object["checksum"] = .string(keyset.checksum)
            object["uuid"] = .string(keyset.uuid)
            object["clients"] = .int(keyset.clientCount)
            object["source"] = .string(keyset.source.isEmpty ? "generated" : keyset.source)
        } else if let error = progress.lastError {
            object["last_error"] = .string(error)
        }
        if let started = progress.startedAt { object["started_at_i"] = .int(started) }
        return .object(object)
    }

    /// Public routes: the peer proves it knows the topology token (challenge-response).
    func registerTransfer(_ router: Router<WeftRequestContext>, table: RouteTable) {
        let gate = controller.transfers
        router.on(.post, "weft/v1/keyset/challenge", access: .public, table: table) { _, _ in
            let (nonce, salt) = try gate.challenge()
            return Reply.ok(["nonce": .string(Data(nonce).base64EncodedString()), "salt": .string(Data(salt).base64EncodedString())])
        }
        router.on(.post, "weft/v1/keyset/transfer", access: .public, table: table) { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /weft/v1/keyset/transfer",
                                                     known: ["nonce", "cnonce", "proof"])
            guard let nonce = try body.string("nonce", required: true).flatMap({ Data(base64Encoded: $0) }),
                  let clientNonce = try body.string("cnonce", required: true).flatMap({ Data(base64Encoded: $0) }),
                  let proof = try body.string("proof", required: true).flatMap({ Data(base64Encoded: $0) }) else {
                throw APIError.argument("nonce, cnonce and proof must be base64")
            }
            let (serverProof, sealed) = try gate.transfer(nonce: Array(nonce), clientNonce: Array(clientNonce), proof: Array(proof))
            controller.logger.notice("keyset sent to a peer controller", metadata: ["peer": "\(context.remoteIP)"])
            return Reply.ok(["proof": .string(Data(serverProof).base64EncodedString()), "sealed": .string(Data(sealed).base64EncodedString())])
        }
    }
}
