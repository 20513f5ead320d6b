import GRDB

/// One row of the audit log: who changed what, when, and the generation it produced.
public struct AuditEntry: Sendable, Equatable {
    public let id: Int
    public let at: Int
    public let actor: String
    public let action: String
    public let detail: String
    public let generation: Int
}

extension Store {
    public func audit(limit: Int = 200) throws -> [AuditEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                AuditEntry(id: row["id"], at: row["at"], actor: row["actor"], action: row["action"],
                           detail: row["detail"], generation: row["generation"])
            }
        }
    }
}
