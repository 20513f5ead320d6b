import Crypto
import Foundation
import WeftModel
import WeftStore

/// Snapshots: files in `DATA/snapshots` (mode 0600; they hold the keyset's private keys
/// and the PSKs). Shared by `/api/snapshots…`, `PUT /api/snapshots/running_config`,
/// `GET /api/snapshot_diff` and the UI's snapshots page.
extension Controller {
    public struct SnapshotInfo: Sendable {
        public let sha1: String
        public let createdAt: Int
        public let size: Int
    }

    struct SnapshotWriteFailed: Error, CustomStringConvertible {
        let path: String
        var description: String { "cannot write \(path)" }
    }

    public var snapshotDirectory: String { options.dataDirectory + "/snapshots" }

    public static func validSnapshotName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name != "." && name != ".."
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// The name a download is saved under: the snapshot's name with the `.tar.gz` its
    /// content is (names are VNS3's, without an extension; an uploaded name may have one).
    public static func snapshotDownloadName(_ name: String) -> String {
        name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") ? name : name + ".tar.gz"
    }

    public func snapshotPath(_ name: String) throws -> String {
        guard Self.validSnapshotName(name) else {
            throw ValidationError(field: "name", "Snapshot name must be 1 to 128 letters, digits, '.', '_' or '-', got \"\(name)\"")
        }
        return "\(snapshotDirectory)/\(name)"
    }

    /// The current configuration (and the TLS certificate) as a snapshot file.
    public func makeSnapshot() throws -> [UInt8] {
        let tlsDirectory = options.dataDirectory + "/tls"
        var tls: SnapshotDocument.TLS?
        if let certificate = try? String(contentsOfFile: tlsDirectory + "/server.crt", encoding: .utf8),
           let key = try? String(contentsOfFile: tlsDirectory + "/server.key", encoding: .utf8) {
            tls = .init(certificatePEM: certificate, privateKeyPEM: key)
        }
        return try SnapshotArchive.encode(try store.snapshotDocument(tls: tls, weftVersion: WeftVersion.weft))
    }

    public func snapshotInfo(_ name: String) -> SnapshotInfo? {
        let path = "\(snapshotDirectory)/\(name)"
        guard let data = FileManager.default.contents(atPath: path),
              let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let created = Int((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        return SnapshotInfo(sha1: Hex.encode(Insecure.SHA1.hash(data: data)), createdAt: created, size: data.count)
    }

    /// Every snapshot by name, oldest name first.
    public func snapshots() -> [(name: String, info: SnapshotInfo)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: snapshotDirectory)) ?? [])
            .filter { Self.validSnapshotName($0) && !$0.hasSuffix(".tmp") && !$0.contains(".tmp-") }
        return names.sorted().compactMap { name in snapshotInfo(name).map { (name, $0) } }
    }

    public func snapshotFile(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: try snapshotPath(name)) else { throw ValidationError(.notFound, "No snapshot \(name)") }
        return Array(data)
    }

    func writeSnapshot(_ bytes: [UInt8], name: String) throws {
        try FileManager.default.createDirectory(atPath: snapshotDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let final = try snapshotPath(name)
        // A temporary of its own and link(2), which never replaces: two creations of one name
        // at once (the default name is per second) give one snapshot and one refusal.
        let temporary = final + ".tmp-" + Self.taskToken()
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw SnapshotWriteFailed(path: temporary)
        }
        defer { unlink(temporary) }
        guard link(temporary, final) == 0 else {
            if errno == EEXIST { throw ValidationError(.conflict, "Snapshot \(name) already exists") }
            throw SnapshotWriteFailed(path: final)
        }
    }

    public func defaultSnapshotName() -> String {
        let now = Store.now()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd"
        let address = publicAddress?.description ?? facts.facts.privateIP?.description ?? "weft"
        return "snapshot_\(formatter.string(from: Date(timeIntervalSince1970: TimeInterval(now))))_\(now)_\(address)"
    }

    /// The default name, with `_2`, `_3`… when one was taken within the same second.
    func freeDefaultSnapshotName() -> String {
        let base = defaultSnapshotName()
        var name = base, n = 2
        while FileManager.default.fileExists(atPath: "\(snapshotDirectory)/\(name)") { name = "\(base)_\(n)"; n += 1 }
        return name
    }

    /// Writes a snapshot of the running configuration (default name if none); with
    /// `asynchronous`, in the background, returning the task token the SDK polls.
    public func createSnapshot(name requested: String?, asynchronous: Bool, actor: String?) throws -> (name: String, token: String?) {
        let given = requested.map { $0.trimmed }.flatMap { $0.isEmpty ? nil : $0 }
        let name = given ?? freeDefaultSnapshotName()
        _ = try snapshotPath(name)
        guard !FileManager.default.fileExists(atPath: "\(snapshotDirectory)/\(name)") else {
            throw ValidationError(.conflict, "Snapshot \(name) already exists")
        }
        guard asynchronous else {
            try writeSnapshot(try makeSnapshot(), name: name)
            try commit(actor, "snapshot.create", detail: name) { _ in }
            return (name, nil)
        }
        let token = "\(Store.now())_\(Self.taskToken())"
        try commit(actor, "snapshot.create", detail: name) { db in try Store.createTask(token: token, kind: "snapshot.create", in: db) }
        Task {
            do {
                try self.writeSnapshot(try self.makeSnapshot(), name: name)
                try self.store.finishTask(token: token, ok: true, message: name)
            } catch {
                try? self.store.finishTask(token: token, ok: false, message: "\(error)")
            }
        }
        return (name, token)
    }

    public func deleteSnapshot(_ name: String, actor: String?) throws {
        let file = try snapshotPath(name)
        guard FileManager.default.fileExists(atPath: file) else { throw ValidationError(.notFound, "No snapshot \(name)") }
        try FileManager.default.removeItem(atPath: file)
        try commit(actor, "snapshot.delete", detail: name) { _ in }
    }

    /// A snapshot file read and checked (format, version, checksum) without changing anything.
    public static func decodeSnapshot(_ bytes: [UInt8], refusal prefix: String = "Snapshot refused, nothing changed") throws -> SnapshotDocument {
        guard !bytes.isEmpty else { throw ValidationError(.argument, "The body must be a snapshot file (sent raw, as the SDK does with Content-Type: text/plain)") }
        do {
            return try SnapshotArchive.decode(bytes)
        } catch let error as SnapshotError {
            throw ValidationError(.argument, name: "SnapshotError", "\(prefix): \(error)")
        }
    }

    /// Replaces the whole configuration with a snapshot's in one transaction, then restarts.
    public func importSnapshot(_ document: SnapshotDocument, actor: String?) throws {
        do {
            try commit(actor, "snapshot.import", detail: "\(document.settings.count) settings, keyset \(document.keyset?.uuid ?? "none")") { db in
                try Store.importSnapshot(document, in: db)
            }
        } catch let error as SnapshotError {
            throw ValidationError(.argument, name: "SnapshotError", "Snapshot refused, nothing changed: \(error)")
        }
        logger.notice("snapshot imported; restarting", metadata: ["actor": "\(actor ?? "?")"])
        restart.request(reason: "snapshot import by \(actor ?? "?")")
    }

    /// What changed between two stored snapshots, by section.
    public func snapshotDiff(from: String, to: String) throws -> SnapshotDiff {
        func load(_ name: String) throws -> SnapshotDocument {
            let bytes = try snapshotFile(name)
            do { return try SnapshotArchive.decode(bytes) } catch let error as SnapshotError {
                throw ValidationError(.argument, name: "SnapshotError", "\(name): \(error)")
            }
        }
        return SnapshotDiff(from: try load(from), to: try load(to))
    }
}
