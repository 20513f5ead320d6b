import GRDB

/// One event an operator reads later (a clientpack connect, a tunnel going down, an alert
/// delivery attempt), kept in the store so that a restart loses none of them. `stream`
/// names the log ("clientpack", "ipsec_link", "alert_delivery"), `subject` its owner (an
/// address, a tunnel id, an alert id) and `body` the fields, as the writer encodes them.
public struct EventRecord: Sendable, Equatable {
    public let stream: String
    public let subject: String
    public let at: Int
    public let body: String

    public init(stream: String, subject: String, at: Int, body: String) {
        self.stream = stream
        self.subject = subject
        self.at = at
        self.body = body
    }
}

extension Store {
    /// Appends events (bookkeeping: no generation, no audit row) and keeps the newest
    /// `keep` of each stream and subject, and of each stream at most `streamLimit`.
    public func appendEvents(_ events: [EventRecord], keep: Int, streamLimit: Int = 20_000) throws {
        guard !events.isEmpty else { return }
        try writeBookkeeping { db in
            for event in events {
                try db.execute(sql: "INSERT INTO events (stream, subject, at, body) VALUES (?, ?, ?, ?)",
                               arguments: [event.stream, event.subject, event.at, event.body])
            }
            for (stream, subject) in Set(events.map { EventKey(stream: $0.stream, subject: $0.subject) }).map({ ($0.stream, $0.subject) }) {
                try db.execute(sql: """
                    DELETE FROM events WHERE stream = ? AND subject = ? AND id <= COALESCE(
                      (SELECT id FROM events WHERE stream = ? AND subject = ? ORDER BY id DESC LIMIT 1 OFFSET ?), -1)
                    """, arguments: [stream, subject, stream, subject, keep])
            }
            for stream in Set(events.map(\.stream)) {
                try db.execute(sql: """
                    DELETE FROM events WHERE stream = ? AND id <= COALESCE(
                      (SELECT id FROM events WHERE stream = ? ORDER BY id DESC LIMIT 1 OFFSET ?), -1)
                    """, arguments: [stream, stream, streamLimit])
            }
        }
    }

    /// Removes one event (an outbox entry that was delivered), found by its exact body.
    public func removeEvent(stream: String, subject: String, body: String) throws {
        try writeBookkeeping { db in
            try db.execute(sql: "DELETE FROM events WHERE stream = ? AND subject = ? AND body = ?", arguments: [stream, subject, body])
        }
    }

    /// A stream's events, oldest first (of one subject, or all), at most the newest `limit`.
    public func events(stream: String, subject: String? = nil, limit: Int = 20_000) throws -> [EventRecord] {
        try read { db in
            let rows: [Row]
            if let subject {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM events WHERE stream = ? AND subject = ? ORDER BY id DESC LIMIT ?",
                                        arguments: [stream, subject, limit])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM events WHERE stream = ? ORDER BY id DESC LIMIT ?", arguments: [stream, limit])
            }
            return rows.reversed().map { EventRecord(stream: $0["stream"], subject: $0["subject"], at: $0["at"], body: $0["body"]) }
        }
    }
}

private struct EventKey: Hashable {
    let stream: String
    let subject: String
}
