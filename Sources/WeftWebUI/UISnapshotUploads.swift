import Synchronization
import WeftApp
import WeftHTTP
import WeftStore

/// Snapshot files uploaded through the web UI that wait for the user to confirm the
/// restore: in memory only, each tied to the session that uploaded it, at most `limit` at
/// a time (a new upload replaces the session's previous one), `lifetime` seconds each.
final class UISnapshotUploads: Sendable {
    struct Pending: Sendable {
        let id: String
        let owner: String
        let filename: String
        let size: Int
        let document: SnapshotDocument
        let at: Int
    }

    static let limit = 4
    static let lifetime = 15 * 60
    private let table = Mutex<[String: Pending]>([:])

    /// Keeps a checked upload for `owner` (a session key); returns its id.
    func add(owner: String, filename: String, size: Int, document: SnapshotDocument, now: Int = Store.now()) -> String {
        let id = UISessions.randomToken()
        table.withLock { table in
            table = table.filter { now - $0.value.at < Self.lifetime && $0.value.owner != owner }
            while table.count >= Self.limit, let oldest = table.min(by: { $0.value.at < $1.value.at })?.key { table[oldest] = nil }
            table[id] = Pending(id: id, owner: owner, filename: filename, size: size, document: document, at: now)
        }
        return id
    }

    /// The upload `id` of `owner`, still fresh; `remove` takes it out.
    func get(_ id: String, owner: String, remove: Bool = false, now: Int = Store.now()) -> Pending? {
        table.withLock { table in
            guard let pending = table[id], pending.owner == owner, now - pending.at < Self.lifetime else { return nil }
            if remove { table[id] = nil }
            return pending
        }
    }
}
