import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import WeftModel
import WeftStore

/// Makes or fetches the keyset in the background (VNS3's `PUT /api/keyset` returns at
/// once and clients poll `GET /api/keyset`). One job at a time.
public final class KeysetService: Service, Sendable {
    public enum Job: Sendable {
        case generate(token: String, topology: Topology, topologyName: String, actor: String)
        case fetch(source: String, token: String, actor: String)
    }

    public struct Progress: Sendable, Equatable {
        public var inProgress = false
        public var startedAt: Int?
        public var lastError: String?
    }

    public enum StartError: Error, Equatable { case inProgress, exists }

    public let store: Store
    public let logger: Logger
    private let progressState = Mutex(Progress())
    private let installedHook = Mutex<(@Sendable () -> Void)?>(nil)
    private let jobs: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation

    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
        (jobs, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    public func onInstalled(_ hook: @escaping @Sendable () -> Void) { installedHook.withLock { $0 = hook } }

    public var progress: Progress { progressState.withLock { $0 } }

    /// Starts a job unless one runs or a keyset exists; returns the attempt's start time.
    public func start(_ job: Job) -> Result<Int, StartError> {
        let exists = (try? store.read { db in try Store.keysetSummary(in: db) }) != nil
        let now = Store.now()
        let refusal = progressState.withLock { state -> StartError? in
            if state.inProgress { return .inProgress }
            if exists { return .exists }
            state = Progress(inProgress: true, startedAt: now, lastError: nil)
            return nil
        }
        if let refusal { return .failure(refusal) }
        continuation.yield(job)
        return .success(now)
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await job in jobs {
                await perform(job)
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }

    public func perform(_ job: Job) async {
        do {
            switch job {
            case .generate(let token, let topology, let topologyName, let actor):
                let keyset = try KeysetFactory.generate(topology: topology, topologyName: topologyName)
                let key = try KeysetTransfer.transferKey(token: token, salt: keyset.transferSalt)
                try install(keyset, key: key, source: "", actor: actor, action: "keyset.generate")
            case .fetch(let source, let token, let actor):
                let (keyset, key) = try await KeysetFetcher.fetch(source: source, token: token)
                try install(keyset, key: key, source: source, actor: actor, action: "keyset.fetch")
            }
            progressState.withLock { $0.inProgress = false }
        } catch {
            logger.error("keyset job failed", metadata: ["error": "\(error)"])
            progressState.withLock {
                $0.inProgress = false
                $0.lastError = "\(error)"
            }
        }
    }

    private func install(_ keyset: Keyset, key: SymmetricKey, source: String, actor: String, action: String) throws {
        try store.write(actor: actor, action: action, detail: "keyset \(keyset.uuid) (\(keyset.clients.count) clients)\(source.isEmpty ? "" : " from \(source)")") { db in
            try Store.installKeyset(keyset, transferKey: key, source: source, in: db)
        }
        logger.notice("keyset installed", metadata: ["keyset.uuid": "\(keyset.uuid)", "keyset.clients": "\(keyset.clients.count)",
                                                     "keyset.source": "\(source.isEmpty ? "generated" : source)"])
        installedHook.withLock { $0 }?()
    }
}

/// The target side of the controller-to-controller keyset transfer (see `KeysetTransfer`).
public enum KeysetFetcher {
    public struct FetchError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func baseURL(_ source: String) -> String {
        var host = source.trimmed
        for prefix in ["https://", "http://"] where host.hasPrefix(prefix) { host = String(host.dropFirst(prefix.count)) }
        while host.hasSuffix("/") { host.removeLast() }
        let hasPort = host.contains(":") && !host.hasPrefix("[")
        return "https://\(host)\(hasPort ? "" : ":8000")"
    }

    public static func fetch(source: String, token: String) async throws -> (Keyset, SymmetricKey) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none  // authenticity comes from the token-derived proofs
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(tlsConfiguration: tls, timeout: .init(connect: .seconds(5), read: .seconds(30))))
        do {
            let result = try await exchange(client, source: source, token: token)
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    public static func exchange(_ client: HTTPClient, source: String, token: String) async throws -> (Keyset, SymmetricKey) {
        let base = baseURL(source)

        let challenge = try await post(client, base + "/weft/v1/keyset/challenge", body: [:])
        guard case .string(let nonceText)? = challenge["nonce"], case .string(let saltText)? = challenge["salt"],
              let nonce = Data(base64Encoded: nonceText), let salt = Data(base64Encoded: saltText) else {
            throw FetchError(description: "source \(source) sent a malformed challenge")
        }
        let key = try KeysetTransfer.transferKey(token: token, salt: Array(salt))
        let clientNonce = KeysetTransfer.randomBytes(32)
        let proof = KeysetTransfer.proof(role: "client", key: key, nonce: Array(nonce), clientNonce: clientNonce)
        let answer = try await post(client, base + "/weft/v1/keyset/transfer", body: [
            "nonce": .string(nonceText), "cnonce": .string(Data(clientNonce).base64EncodedString()),
            "proof": .string(Data(proof).base64EncodedString()),
        ])
        guard case .string(let serverProofText)? = answer["proof"], case .string(let sealedText)? = answer["sealed"],
              let serverProof = Data(base64Encoded: serverProofText), let sealed = Data(base64Encoded: sealedText) else {
            throw FetchError(description: "source \(source) sent a malformed keyset")
        }
        guard KeysetTransfer.verify(proof: Array(serverProof), role: "server", key: key, nonce: Array(nonce), clientNonce: clientNonce) else {
            throw FetchError(description: "source \(source) could not prove it knows the topology token")
        }
        let keyset = try KeysetTransfer.open(Array(sealed), key: key, nonce: Array(nonce), clientNonce: clientNonce)
        guard keyset.transferSalt == Array(salt) else { throw FetchError(description: "keyset from \(source) does not match its challenge") }
        return (keyset, key)
    }

    public static func post(_ client: HTTPClient, _ url: String, body: JSONValue) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(JSONWriter.bytes(body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(30))
        } catch {
            throw FetchError(description: "cannot reach keyset source \(url): \(error)")
        }
        let buffer = try await response.body.collect(upTo: 64 << 20)
        let value = (try? JSONParser.parse(Array(buffer.readableBytesView))) ?? .null
        guard response.status == .ok else {
            let message: String
            if case .string(let text)? = value["error"]?["message"] { message = text } else { message = "HTTP \(response.status.code)" }
            throw FetchError(description: "keyset source refused: \(message)")
        }
        guard let payload = value["response"] else { throw FetchError(description: "keyset source sent no response payload") }
        return payload
    }
}
