import Foundation
import Hummingbird
import Synchronization
import WeftApp
import WeftHTTP
import WeftMesh
import WeftModel

/// Controller-to-controller key state (issue 26): `POST /weft/v1/mesh/state` takes a peer's
/// signed state and merges it; `POST /weft/v1/mesh/digest` takes a peer's signed pack
/// digests and answers with this controller's whole digest and, signed, the packs that
/// differ. Authenticated by the sending controller's keyset-derived key
/// (`.controllerCredentials`), not by API users' credentials.
struct MeshRoutes {
    let controller: Controller
    let gate = MeshGate()

    func register(_ router: Router<WeftRequestContext>, table: RouteTable) {
        router.on(.post, "weft/v1/mesh/state", access: .controllerCredentials, table: table, use: receiveState)
        router.on(.post, "weft/v1/mesh/digest", access: .controllerCredentials, table: table, use: receiveDigest)
    }

    @Sendable func receiveState(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let (envelope, payload) = try await open(request, context: context, endpoint: "POST /weft/v1/mesh/state")
        let remote: MeshState
        do { remote = try MeshPayload.decodeState(payload) } catch { throw APIError.argument("The payload is not a mesh state") }
        let applied = try controller.mergeMeshState(remote, from: envelope.from)
        return Reply.ok(["applied": .bool(applied), "digest": .string(try controller.meshState().state.digest)])
    }

    @Sendable func receiveDigest(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let (_, payload) = try await open(request, context: context, endpoint: "POST /weft/v1/mesh/digest")
        guard let digests = try? JSONDecoder().decode([String: String].self, from: Data(payload.utf8)) else {
            throw APIError.argument("The payload is not a map of pack digests")
        }
        let local = try controller.meshState()
        let reply = local.state.packs(differingFrom: digests)
        guard let secret = try controller.meshKeysetSecret(),
              let sealed = controller.meshSeal(payload: try MeshPayload.encode(reply), secret: secret, last: local.last)
        else { throw APIError(.conflict, "Conflict", "This controller has no keyset or peering id yet") }
        let envelope = try JSONEncoder().encode(sealed)
        return Reply.ok(["digest": .string(local.state.digest),
                         "state": (try? JSONParser.parse(Array(envelope))) ?? .null])
    }

    /// Reads and verifies the envelope; a refusal is counted and answered 403, and nothing is applied.
    func open(_ request: Request, context: WeftRequestContext, endpoint: String) async throws -> (MeshEnvelope, String) {
        let bytes = try await RequestFields.rawBody(request, context: context, limit: RequestFields.largeBodySize, type: .json, endpoint: endpoint)
        guard let envelope = try? JSONDecoder().decode(MeshEnvelope.self, from: Data(bytes)) else {
            gate.count(.malformed)
            throw APIError.argument("The body of \(endpoint) must be a signed mesh envelope (from, sent_at, nonce, payload, mac)")
        }
        guard let secret = try controller.meshKeysetSecret() else {
            throw APIError(.conflict, "Conflict", "This controller has no keyset yet")
        }
        do {
            let payload = try gate.open(envelope, secret: secret, controllers: controller.meshControllers,
                                        physical: MeshRecording.physicalMillis())
            return (envelope, payload)
        } catch {
            controller.logger.warning("mesh state message refused", metadata: ["reason": "\(error.rawValue)", "from": "\(envelope.from)", "peer": "\(context.remoteIP)"])
            throw APIError(.forbidden, "Forbidden", "Mesh state message refused: \(error.rawValue)")
        }
    }
}

/// The receiving side's authenticator (replay window, refusal counts), rekeyed when the
/// keyset or the topology changes.
final class MeshGate: Sendable {
    private let state = Mutex<(fingerprint: [UInt8], authenticator: MeshAuthenticator?, early: [MeshRefusal: Int])>(([], nil, [:]))

    func open(_ envelope: MeshEnvelope, secret: [UInt8], controllers: [Int], physical: Int64) throws(MeshRefusal) -> String {
        try state.withLock { (state) throws(MeshRefusal) -> String in
            let fingerprint = secret + controllers.flatMap { withUnsafeBytes(of: Int64($0).bigEndian, Array.init) }
            let keys = MeshKeys(keysetSecret: secret, controllers: controllers)
            if state.authenticator == nil { state.authenticator = MeshAuthenticator(keys: keys) }
            if state.fingerprint != fingerprint { state.authenticator!.keys = keys; state.fingerprint = fingerprint }
            return try state.authenticator!.open(envelope, physical: physical)
        }
    }

    func count(_ refusal: MeshRefusal) { state.withLock { $0.early[refusal, default: 0] += 1 } }

    var refusals: [MeshRefusal: Int] {
        state.withLock { state in state.early.merging(state.authenticator?.refusals ?? [:], uniquingKeysWith: +) }
    }
}
