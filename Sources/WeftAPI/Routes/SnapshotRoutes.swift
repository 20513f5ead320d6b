import Crypto
import Foundation
import Hummingbird
import WeftApp
import WeftModel
import WeftStore

/// `/api/snapshots`: create (sync or as a task), list, download, delete, and
/// `PUT /api/snapshots/running_config` (import, then restart); Weft adds
/// `GET /api/snapshot_diff?from=A&to=B`. Files live in `DATA/snapshots`, mode 0600
/// (they hold the keyset's private keys and the PSKs).
struct SnapshotRoutes {
    let controller: Controller

    var directory: String { controller.options.dataDirectory + "/snapshots" }

    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name != "." && name != ".."
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// The name a download is saved under: the snapshot's name with the `.tar.gz` its
    /// content is (names are VNS3's, without an extension; an uploaded name may have one).
    static func downloadName(_ name: String) -> String {
        name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") ? name : name + ".tar.gz"
    }

    func path(_ name: String) throws -> String {
        guard Self.validName(name) else { throw APIError.argument("Snapshot name must be 1 to 128 letters, digits, '.', '_' or '-', got \"\(name)\"") }
        return "\(directory)/\(name)"
    }

    /// The current configuration as a snapshot file.
    func make() throws -> [UInt8] {
        let tlsDirectory = controller.options.dataDirectory + "/tls"
        var tls: SnapshotDocument.TLS?
        if let certificate = try? String(contentsOfFile: tlsDirectory + "/server.crt", encoding: .utf8),
           let key = try? String(contentsOfFile: tlsDirectory + "/server.key", encoding: .utf8) {
            tls = .init(certificatePEM: certificate, privateKeyPEM: key)
        }
        return try SnapshotArchive.encode(try controller.store.snapshotDocument(tls: tls, weftVersion: WeftVersion.weft))
    }

    func info(_ name: String) -> JSONValue? {
        guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)"),
              let attributes = try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)") else { return nil }
        let created = Int((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        return [
            "sha1_checksum": .string(Hex.encode(Insecure.SHA1.hash(data: data))),
            "created_at": .string(Timestamps.iso8601(created)), "created_at_i": .int(created),
            "size": .int(data.count), "status": "ready",
        ]
    }

    func list() -> JSONValue {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { Self.validName($0) && !$0.hasSuffix(".tmp") }
        var snapshots = JSONObject()
        var latest: (String, Int)?
        for name in names.sorted() {
            guard let info = info(name) else { continue }
            snapshots[name] = info
            if case .int(let created)? = info["created_at_i"], created >= latest?.1 ?? Int.min { latest = (name, created) }
        }
        return ["latest_snapshot": .string(latest?.0 ?? ""), "snapshots": .object(snapshots)]
    }

    func write(_ bytes: [UInt8], name: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let final = try path(name)
        let temporary = final + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw APIError(.internalServerError, "IOError", "cannot write \(temporary)")
        }
        guard rename(temporary, final) == 0 else { throw APIError(.internalServerError, "IOError", "cannot rename \(temporary)") }
    }

    func defaultName() -> String {
        let now = Store.now()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd"
        let address = controller.publicAddress?.description ?? controller.facts.facts.privateIP?.description ?? "weft"
        return "snapshot_\(formatter.string(from: Date(timeIntervalSince1970: TimeInterval(now))))_\(now)_\(address)"
    }

    func register(_ api: APIGroup) {
        let controller = self.controller
        api.get("snapshots") { _, _ in Reply.ok(list()) }
        api.post("snapshots") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/snapshots", known: ["name", "async"])
            let name = try body.string("name").map { $0.trimmed }.flatMap { $0.isEmpty ? nil : $0 } ?? defaultName()
            _ = try path(name)
            guard !FileManager.default.fileExists(atPath: "\(directory)/\(name)") else {
                throw APIError(.badRequest, "Conflict", "Snapshot \(name) already exists")
            }
            if try body.bool("async") ?? false {
                let token = "\(Store.now())_\(FirewallRoutes.token())"
                try controller.commit(context.principal, "snapshot.create", detail: name) { db in
                    try Store.createTask(token: token, kind: "snapshot.create", in: db)
                }
                Task {
                    do {
                        try write(try make(), name: name)
                        try controller.store.finishTask(token: token, ok: true, message: name)
                    } catch {
                        try? controller.store.finishTask(token: token, ok: false, message: "\(error)")
                    }
                }
                return Reply.ok(["token": .string(token), "name": .string(name)])
            }
            try write(try make(), name: name)
            try controller.commit(context.principal, "snapshot.create", detail: name) { _ in }
            var result = JSONObject()
            result[name] = info(name) ?? .null
            return Reply.ok(.object(result))
        }
        api.get("snapshots/:snapshot_name") { _, context in
            let name = context.parameters.get("snapshot_name") ?? ""
            guard let data = FileManager.default.contents(atPath: try path(name)) else { throw APIError.notFound("No snapshot \(name)") }
            return Reply.file(Array(data), contentType: "application/octet-stream", filename: Self.downloadName(name))
        }
        api.delete("snapshots/:snapshot_name") { request, context in
            _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/snapshots/{snapshot_name}", known: ["async"])
            let name = context.parameters.get("snapshot_name") ?? ""
            let file = try path(name)
            guard FileManager.default.fileExists(atPath: file) else { throw APIError.notFound("No snapshot \(name)") }
            try FileManager.default.removeItem(atPath: file)
            try controller.commit(context.principal, "snapshot.delete", detail: name) { _ in }
            return Reply.ok(list())
        }
        api.put("snapshots/running_config") { request, context in
            let bytes = try await RequestFields.rawBody(request, context: context, limit: SnapshotArchive.maximumSize,
                                                        type: .archive, endpoint: "PUT /api/snapshots/running_config")
            guard !bytes.isEmpty else { throw APIError.argument("The body must be a snapshot file (sent raw, as the SDK does with Content-Type: text/plain)") }
            let document: SnapshotDocument
            do {
                document = try SnapshotArchive.decode(bytes)
            } catch let error as SnapshotError {
                throw APIError(.badRequest, "SnapshotError", "Snapshot refused, nothing changed: \(error)")
            }
            do {
                try controller.commit(context.principal, "snapshot.import",
                                      detail: "\(document.settings.count) settings, keyset \(document.keyset?.uuid ?? "none")") { db in
                    try Store.importSnapshot(document, in: db)
                }
            } catch let error as SnapshotError {
                throw APIError(.badRequest, "SnapshotError", "Snapshot refused, nothing changed: \(error)")
            }
            controller.logger.notice("snapshot imported; restarting", metadata: ["actor": "\(context.principal ?? "?")"])
            controller.restart.request(reason: "snapshot import by \(context.principal ?? "?")")
            return Reply.ok(["snapshot": "accepted"])
        }
        api.get("snapshot_diff") { request, _ in
            guard let from = request.query("from"), let to = request.query("to") else {
                throw APIError.argument("Queries \"from\" and \"to\" (snapshot names) are required")
            }
            func load(_ name: String) throws -> SnapshotDocument {
                guard let data = FileManager.default.contents(atPath: try path(name)) else { throw APIError.notFound("No snapshot \(name)") }
                do { return try SnapshotArchive.decode(Array(data)) } catch let error as SnapshotError {
                    throw APIError(.badRequest, "SnapshotError", "\(name): \(error)")
                }
            }
            let diff = SnapshotDiff(from: try load(from), to: try load(to))
            return Reply.ok([
                "from": .string(from), "to": .string(to),
                "sections": .array(diff.sections.map { ["name": .string($0.name), "changes": .array($0.changes.map { .string($0) })] }),
                "text": .string(diff.text),
            ])
        }
    }
}
