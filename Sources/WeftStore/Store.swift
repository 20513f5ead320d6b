import Foundation
import GRDB
import Logging

/// The controller's source of truth: one embedded SQLite file (GRDB).
///
/// Every API write goes through `write(actor:action:detail:_:)`: one transaction that
/// applies the change, bumps the generation number and appends an audit row. A body
/// that throws rolls everything back, so a refused request changes nothing.
public final class Store: Sendable {
    let queue: DatabaseQueue
    public let path: String?

    /// Opens (creating if needed) the database at `path` with mode 0600.
    public init(path: String) throws {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw StoreError.open("cannot create \(path)")
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Migrations.migrator.migrate(queue)
        } catch {
            throw StoreError.open("cannot open \(path): \(error)")
        }
        self.path = path
        // The WAL and shared-memory files inherit the process umask; make sure all are private.
        for suffix in ["", "-wal", "-shm"] where manager.fileExists(atPath: path + suffix) {
            try? manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path + suffix)
        }
    }

    /// A private in-memory store, for tests.
    public init() throws {
        queue = try DatabaseQueue()
        try Migrations.migrator.migrate(queue)
        path = nil
    }

    /// Runs `body` in one write transaction that also bumps the generation and records
    /// an audit row. Returns the body's result and the new generation.
    @discardableResult
    public func write<T>(actor: String, action: String, detail: String = "",
                         _ body: (Database) throws -> T) throws -> (value: T, generation: Int) {
        try queue.write { db in
            let value = try body(db)
            try db.execute(sql: "UPDATE generation SET value = value + 1 WHERE id = 1")
            let generation = try Int.fetchOne(db, sql: "SELECT value FROM generation WHERE id = 1") ?? 0
            try db.execute(
                sql: "INSERT INTO audit (at, actor, action, detail, generation) VALUES (?, ?, ?, ?, ?)",
                arguments: [Store.now(), actor, action, detail, generation])
            return (value, generation)
        }
    }

    /// Like `write`, where the body also says what it changed: the audit row's detail is
    /// `detail: change` (or the change alone when `detail` is empty).
    public func write<T>(actor: String, action: String, detail: String = "",
                         describing body: (Database) throws -> (value: T, change: String)) throws -> (value: T, generation: Int) {
        try queue.write { db in
            let (value, change) = try body(db)
            try db.execute(sql: "UPDATE generation SET value = value + 1 WHERE id = 1")
            let generation = try Int.fetchOne(db, sql: "SELECT value FROM generation WHERE id = 1") ?? 0
            let line = detail.isEmpty ? change : change.isEmpty ? detail : "\(detail): \(change)"
            try db.execute(
                sql: "INSERT INTO audit (at, actor, action, detail, generation) VALUES (?, ?, ?, ?, ?)",
                arguments: [Store.now(), actor, action, String(line.prefix(1000)), generation])
            return (value, generation)
        }
    }

    /// One audit row of a batched write.
    public struct AuditLine: Sendable {
        public let actor: String
        public let action: String
        public let detail: String
        public init(actor: String, action: String, detail: String) {
            self.actor = actor
            self.action = action
            self.detail = detail
        }
    }

    /// Several writes committed together (group commit): one transaction, one generation,
    /// one audit row per write, in order.
    @discardableResult
    public func write<T>(lines: [AuditLine], _ body: (Database) throws -> T) throws -> (value: T, generation: Int) {
        try queue.write { db in
            let value = try body(db)
            try db.execute(sql: "UPDATE generation SET value = value + 1 WHERE id = 1")
            let generation = try Int.fetchOne(db, sql: "SELECT value FROM generation WHERE id = 1") ?? 0
            let at = Store.now()
            for line in lines {
                try db.execute(
                    sql: "INSERT INTO audit (at, actor, action, detail, generation) VALUES (?, ?, ?, ?, ?)",
                    arguments: [at, line.actor, line.action, String(line.detail.prefix(1000)), generation])
            }
            return (value, generation)
        }
    }

    /// A write that is bookkeeping, not desired state (token last use, task progress):
    /// no generation bump, no audit row.
    public func writeBookkeeping<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.write(body)
    }

    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.read(body)
    }

    public func generation() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT value FROM generation WHERE id = 1") ?? 0 }
    }

    public static func now() -> Int { Int(Date().timeIntervalSince1970) }
}
