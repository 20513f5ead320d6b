import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import Synchronization
import WeftMesh
import WeftModel
import WeftStore

/// The sending side of the mesh key state: every `interval` (1 s), each peer whose digest is
/// not known to equal this controller's — or every `antiEntropy` (10 s) regardless — gets a
/// push-pull round over the peering link (`169.254.253.<peer>`, the WireGuard link between
/// the two, else the peer's underlay address):
///
/// 1. `POST /weft/v1/mesh/digest` with this controller's pack digests; the answer carries the
///    peer's whole digest and, signed by the peer, its packs that differ — merged here.
/// 2. When the digests still differ, `POST /weft/v1/mesh/state` with this controller's
///    state; the peer merges it and answers its digest.
///
/// Every message is an envelope signed with this controller's keyset-derived key; answers
/// are verified with the peer's. What each peer last agreed to is kept for `GET /api/peering`.
public final class MeshSync: Service, Sendable {
    public struct PeerState: Sendable, Equatable {
        /// When a round last completed (Unix seconds).
        public var lastExchange: Double?
        /// When the two digests were last equal.
        public var lastAgreed: Double?
        public var agreed = false
        /// The last round ended with the peer holding everything this controller held when
        /// it pushed (its digest equals the one sent), though local writes made during the
        /// round may since differ: under a steady stream of local writes the digests never
        /// match at a round's end, yet the peer is not apart.
        public var inStep = false
        /// The newest state version this controller has merged from the peer (HLC milliseconds).
        public var lastVersionApplied: Int64?
        public var peerDigest: String?
        public var error: String?
        public var rounds = 0
        /// Since when the digests have been apart (or no round completed), and whether
        /// `mesh_state_diverged` was raised for it.
        public var divergedSince: Double?
        public var alerted = false
    }

    /// Digests apart this long (seconds) raise `mesh_state_diverged`.
    public static let divergedAlertAfter: Double = 60

    let controller: Controller
    let interval: Duration
    let antiEntropy: Double
    let client: HTTPClient
    private let peers = Mutex<[Int: PeerState]>([:])
    private let verifier = Mutex<MeshAuthenticator?>(nil)

    public init(controller: Controller, interval: Duration = .seconds(1), antiEntropy: Double = 10) {
        self.controller = controller
        self.interval = interval
        self.antiEntropy = antiEntropy
        var tls = TLSConfiguration.makeClientConfiguration()
        // Authenticity and integrity come from the signed envelopes; the link is the peering tunnel.
        tls.certificateVerification = .none
        client = HTTPClient(eventLoopGroupProvider: .singleton,
                            configuration: .init(tlsConfiguration: tls, timeout: .init(connect: .seconds(2), read: .seconds(10))))
    }

    public var status: [Int: PeerState] { peers.withLock { $0 } }

    private let (wakes, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    /// Asks for a round now (a local clientpack write): the change reaches the peers without
    /// waiting up to `interval` for the next pass. Wake-ups during a pass coalesce into one more.
    public func wake() { wakeUp.yield() }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [interval, wakeUp] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        wakeUp.yield()
                    }
                }
                for await _ in wakes { await pass() }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wakeUp.finish()
        }
        try? await client.shutdown()
    }

    /// One round with every peer that needs one, in parallel.
    func pass() async {
        if controller.meshAdmission.expire() {
            controller.logger.warning("admitting clients: no peer answered a key-state exchange within the catch-up bound",
                                      metadata: ["bound_seconds": "\(Int(controller.meshAdmission.current.bound))"])
            controller.reconciler.wake()
        }
        let me = controller.meshControllerID
        let targets = controller.snapshot.peers.peers
        guard me > 0, !targets.isEmpty, let secret = try? controller.meshKeysetSecret(), let local = try? controller.meshState() else { return }
        let digest = local.state.digest
        let now = Date().timeIntervalSince1970
        let due = peers.withLock { known in
            targets.filter { peer in
                guard let p = known[peer.id], p.agreed, p.peerDigest == digest, let last = p.lastExchange else { return true }
                return now - last >= antiEntropy
            }
        }
        guard !due.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            for peer in due {
                group.addTask { await self.round(with: peer, secret: secret) }
            }
        }
        judge(due.map(\.id), now: Date().timeIntervalSince1970)
    }

    /// Raises `mesh_state_diverged` for a peer apart for `divergedAlertAfter`, and
    /// `mesh_state_converged` when it is back in step.
    func judge(_ ids: [Int], now: Double) {
        let verdicts = peers.withLock { all -> [(Int, PeerState.Verdict, PeerState)] in
            var out: [(Int, PeerState.Verdict, PeerState)] = []
            for id in ids {
                guard var p = all[id] else { continue }
                let verdict = p.judge(now: now, after: Self.divergedAlertAfter)
                all[id] = p
                if let verdict { out.append((id, verdict, p)) }
            }
            return out
        }
        for (id, verdict, p) in verdicts {
            let apart = Int(now - (p.divergedSince ?? now))
            let message = verdict == .diverged
                ? "mesh key state with controller \(id) apart for \(apart) s" + (p.error.map { ": \($0)" } ?? "")
                : "mesh key state with controller \(id) in step again"
            controller.logger.warning("\(message)", metadata: ["peer": "\(id)"])
            controller.alerts?.raise(verdict.rawValue, message: message, fields: ["peer_id": String(id), "error": p.error ?? ""])
        }
    }

    func addresses(_ peer: PeeringPeer) -> [String] {
        [PeeringPeers.linkAddress(peer.id), peer.name].filter { !$0.isEmpty }
    }

    func round(with peer: PeeringPeer, secret: [UInt8]) async {
        var lastError = "no address"
        for address in addresses(peer) {
            do {
                try await exchange(with: peer.id, address: address, secret: secret)
                if controller.meshAdmission.caughtUp(with: peer.id) {
                    controller.logger.notice("admitting clients: the key state has caught up", metadata: ["peer": "\(peer.id)"])
                    controller.reconciler.wake()
                }
                return
            } catch {
                lastError = "\(address): \(error)"
            }
        }
        let message = lastError
        peers.withLock {
            $0[peer.id, default: PeerState()].error = message
            $0[peer.id, default: PeerState()].agreed = false
            $0[peer.id, default: PeerState()].inStep = false
        }
    }

    func exchange(with peerID: Int, address: String, secret: [UInt8]) async throws {
        let base = "https://\(address.contains(":") ? "[\(address)]" : address):\(controller.options.port)"
        let local = try controller.meshState()
        let digests = local.state.packDigests
        let answer = try await post(base + "/weft/v1/mesh/digest", payload: String(decoding: try JSONEncoder().encode(digests), as: UTF8.self),
                                    secret: secret, last: local.last)
        guard case .string(let peerDigest)? = answer["digest"] else { throw MeshSyncError("the digest answer has no digest") }
        var applied: Int64?
        if case .object? = answer["state"], let envelopeValue = answer["state"] {
            let envelope = try JSONDecoder().decode(MeshEnvelope.self, from: Data(JSONWriter.bytes(envelopeValue)))
            guard envelope.from == peerID else { throw MeshSyncError("the answer is signed by controller \(envelope.from), not \(peerID)") }
            let payload = try open(envelope, secret: secret)
            let remote = try MeshPayload.decodeState(payload)
            if try controller.mergeMeshState(remote, from: peerID) {
                applied = remote.packs.values.map(\.version.wallMillis).max()
            }
        }
        var agreedDigest = peerDigest
        let mine = try controller.meshState()
        let sent = mine.state.digest
        if mine.state.digest != peerDigest {
            let pushed = try await post(base + "/weft/v1/mesh/state", payload: try MeshPayload.encode(mine.state), secret: secret, last: mine.last)
            if case .string(let d)? = pushed["digest"] { agreedDigest = d }
        }
        let ours = try controller.meshState().state.digest
        let now = Date().timeIntervalSince1970
        peers.withLock { all in
            var p = all[peerID] ?? PeerState()
            p.lastExchange = now
            p.rounds += 1
            p.peerDigest = agreedDigest
            p.agreed = agreedDigest == ours
            p.inStep = p.agreed || agreedDigest == sent
            if p.inStep { p.lastAgreed = now }
            if let applied { p.lastVersionApplied = max(p.lastVersionApplied ?? 0, applied) }
            p.error = nil
            all[peerID] = p
        }
    }

    func open(_ envelope: MeshEnvelope, secret: [UInt8]) throws -> String {
        let keys = MeshKeys(keysetSecret: secret, controllers: controller.meshControllers)
        return try verifier.withLock { (auth) throws -> String in
            if auth == nil { auth = MeshAuthenticator(keys: keys) }
            auth!.keys = keys
            do { return try auth!.open(envelope, physical: MeshRecording.physicalMillis()) } catch let refusal as MeshRefusal {
                throw MeshSyncError("the peer's answer was refused: \(refusal.rawValue)")
            }
        }
    }

    /// POSTs a signed envelope of `payload`; returns the answer's `response` object.
    func post(_ url: String, payload: String, secret: [UInt8], last: HybridTimestamp) async throws -> JSONValue {
        guard let envelope = controller.meshSeal(payload: payload, secret: secret, last: last) else {
            throw MeshSyncError("cannot sign: no key for this controller")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Array(try JSONEncoder().encode(envelope))))
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 << 20)
        let value = try JSONParser.parse(Array(buffer: body))
        guard response.status == .ok else {
            throw MeshSyncError("\(url) answered \(response.status.code): \(String(JSONWriter.string(value).prefix(300)))")
        }
        guard let inner = value["response"] else { throw MeshSyncError("\(url): no response object") }
        return inner
    }
}

struct MeshSyncError: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}
