import Foundation
import GRDB
import Testing
@testable import WeftModel
@testable import WeftStore

@Suite struct StoreTests {
    struct Refused: Error {}

    @Test func everyWriteBumpsTheGenerationAndIsAudited() throws {
        let store = try Store()
        #expect(try store.generation() == 0)
        let first = try store.write(actor: "api", action: "config.update") { db in
            try Store.set(.controller, ControllerSettings(topologyName: "t1"), in: db)
        }
        #expect(first.generation == 1)
        try store.write(actor: "token:3", action: "peering.self") { db in try Store.set(.peering, PeeringSelf(id: 2), in: db) }
        #expect(try store.generation() == 2)
        let audit = try store.audit()
        #expect(audit.map(\.action) == ["peering.self", "config.update"])
        #expect(audit.map(\.actor) == ["token:3", "api"])
        #expect(audit.map(\.generation) == [2, 1])
        #expect(try store.get(.peering)?.id == 2)
    }

    @Test func aRefusedWriteChangesNothing() throws {
        let store = try Store()
        #expect(throws: Refused.self) {
            try store.write(actor: "api", action: "bad") { db in
                try Store.set(.controller, ControllerSettings(topologyName: "half"), in: db)
                throw Refused()
            }
        }
        #expect(try store.generation() == 0)
        #expect(try store.audit().isEmpty)
        #expect(try store.get(.controller) == nil)
    }

    @Test func theDatabaseFileIsPrivate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("weft-store-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(path: directory + "/weft.db")
        try store.write(actor: "t", action: "t") { _ in }
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/weft.db")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func passwordHashesVerifyAndEncode() throws {
        let hash = try PasswordHash(password: "correct horse", rounds: 1000)
        #expect(hash.verify("correct horse"))
        #expect(!hash.verify("correct horsf"))
        let decoded = try #require(PasswordHash(encoded: hash.encoded))
        #expect(decoded == hash)
        #expect(!hash.encoded.contains("correct"))
        #expect(PasswordHash(encoded: "plain$text") == nil)
        #expect(PasswordHash.generatePassword().count == 24)
    }

    @Test func tokensAreStoredHashedAndExpire() throws {
        let store = try Store()
        let secret = APIToken.generate()
        let token = try store.write(actor: "api", action: "token.create") { db in
            try Store.insertToken(name: "ci", token: secret, lifetime: 600, refreshes: false, createdIP: "127.0.0.1", in: db)
        }.value
        #expect(token.tokenHash == APIToken.hash(secret))
        #expect(token.isValid(at: token.createdAt + 599))
        #expect(!token.isValid(at: token.createdAt + 600))
        try store.write(actor: "api", action: "token.expire") { db in try Store.expireToken(id: token.id, in: db) }
        #expect(try store.tokens().first?.isValid(at: token.createdAt) == false)
        let raw = try store.read { db in try String.fetchAll(db, sql: "SELECT token_hash || token_hint FROM api_tokens") }
        #expect(!raw.joined().contains(secret))
    }
}
