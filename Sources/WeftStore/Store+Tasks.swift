import GRDB

/// Background work the API reports through `GET /api/status/task?token=`.
public struct TaskRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case running, finishedOK = "finished_ok", finishedFail = "finished_fail" }
    public let token: String
    public let kind: String
    public let status: Status
    public let message: String
    public let createdAt: Int
}

extension Store {
    public static func createTask(token: String, kind: String, in db: Database) throws {
        try db.execute(sql: "INSERT INTO tasks (token, kind, status, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [token, kind, TaskRecord.Status.running.rawValue, Store.now()])
    }

    public func finishTask(token: String, ok: Bool, message: String = "") throws {
        try writeBookkeeping { db in
            try db.execute(sql: "UPDATE tasks SET status = ?, message = ?, finished_at = ? WHERE token = ?",
                           arguments: [(ok ? TaskRecord.Status.finishedOK : .finishedFail).rawValue, message, Store.now(), token])
        }
    }

    public func task(token: String) throws -> TaskRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tasks WHERE token = ?", arguments: [token]).map { row in
                TaskRecord(token: row["token"], kind: row["kind"], status: TaskRecord.Status(rawValue: row["status"]) ?? .finishedFail,
                           message: row["message"], createdAt: row["created_at"])
            }
        }
    }
}
