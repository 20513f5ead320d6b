import Foundation
import Testing
import WeftModel
@testable import WeftStore

@Suite struct SnapshotArchiveTests {
    func document() -> SnapshotDocument {
        SnapshotDocument(format: SnapshotDocument.format, version: SnapshotDocument.version, weftVersion: "test", createdAt: 100,
                         settings: ["routes": #"{"nextID":2,"routes":[]}"#, "alerting": #"{"nextWebhookID":1,"nextAlertID":1,"webhooks":[],"alerts":[]}"#],
                         keyset: nil, tls: .init(certificatePEM: "CERT", privateKeyPEM: "KEY"))
    }

    @Test func roundTrips() throws {
        let bytes = try SnapshotArchive.encode(document())
        #expect(try SnapshotArchive.decode(bytes) == document())
    }

    @Test func refusesTruncatedCorruptTamperedAndForeignFiles() throws {
        let bytes = try SnapshotArchive.encode(document())
        func reason(_ candidate: [UInt8]) -> String? {
            do { _ = try SnapshotArchive.decode(candidate); return nil } catch { return "\(error)" }
        }
        #expect(reason(Array(bytes.prefix(bytes.count / 2)))?.contains("truncated") == true)
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0xFF
        #expect(reason(flipped) != nil)
        #expect(reason(Array("hello".utf8))?.contains("not a gzip file") == true)
        #expect(reason([]) != nil)

        // Tampered: the document changed but the manifest's checksum did not.
        let files = try Archive.readTarGz(bytes)
        var body = String(decoding: files[1].bytes, as: UTF8.self)
        body = body.replacingOccurrences(of: "CERT", with: "EVIL")
        let tampered = Archive.tarGz([files[0], Archive.File(name: "snapshot.json", bytes: Array(body.utf8))])
        #expect(reason(tampered)?.contains("checksum does not match") == true)

        // Wrong version.
        var manifest = String(decoding: files[0].bytes, as: UTF8.self)
        manifest = manifest.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 99")
        let future = Archive.tarGz([Archive.File(name: "manifest.json", bytes: Array(manifest.utf8)), files[1]])
        #expect(reason(future)?.contains("version 99 is not supported") == true)
    }

    @Test func importReplacesSettingsAndKeepsCredentials() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("weft-snap-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(path: directory + "/weft.db")
        let hash = try PasswordHash(password: "apipassword1")
        try store.write(actor: "test", action: "seed") { db in
            try Store.setAccount(role: .api, username: "api", hash: hash, in: db)
            try Store.set(.routes, RouteConfig(nextID: 9), in: db)
        }
        _ = try store.write(actor: "test", action: "import") { db in try Store.importSnapshot(document(), in: db) }
        let state = try store.desiredState()
        #expect(state.routes.nextID == 2)
        #expect(try store.account(role: .api) != nil)
        #expect(try store.get(.tlsPending)?.certificatePEM == "CERT")
        let again = try store.snapshotDocument(tls: nil, weftVersion: "test")
        #expect(again.settings["tls_pending"] == nil)
        #expect(again.settings["routes"] != nil)
    }

    @Test func aSettingThatDoesNotReadBackRefusesTheWholeImport() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("weft-snap-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(path: directory + "/weft.db")
        try store.write(actor: "test", action: "seed") { db in try Store.set(.routes, RouteConfig(nextID: 9), in: db) }
        var broken = document()
        broken.settings["ipsec"] = #"{"localAddress":""}"#
        #expect(throws: SnapshotError.self) {
            try store.write(actor: "test", action: "import") { db in try Store.importSnapshot(broken, in: db) }
        }
        #expect(try store.desiredState().routes.nextID == 9)
    }

    @Test func diffNamesTheChangedPaths() {
        var newer = document()
        newer.settings["routes"] = #"{"nextID":3,"routes":[{"cidr":"10.5.0.0/16"}]}"#
        newer.settings.removeValue(forKey: "alerting")
        let diff = SnapshotDiff(from: document(), to: newer)
        #expect(diff.sections.map(\.name) == ["alerting", "routes"])
        #expect(diff.sections[1].changes.contains { $0.hasPrefix("routes: added") })
        #expect(SnapshotDiff(from: document(), to: document()).isEmpty)
    }

    @Test func diffLeavesOutTheIDCounters() {
        var newer = document()
        newer.settings["routes"] = #"{"nextID":3,"routes":[{"cidr":"10.5.0.0/16"}]}"#
        newer.settings["alerting"] = #"{"nextWebhookID":4,"nextAlertID":2,"webhooks":[],"alerts":[]}"#
        let diff = SnapshotDiff(from: document(), to: newer)
        #expect(diff.sections.map(\.name) == ["routes"], "a section whose only change is a counter is no change")
        #expect(!diff.text.contains("nextID") && !diff.text.contains("nextWebhookID"))
        #expect(diff.sections[0].changes == [#"routes: added {"cidr":"10.5.0.0/16"}"#])
        // A whole setting added or removed is shown without them too.
        newer.settings.removeValue(forKey: "alerting")
        let removed = SnapshotDiff(from: document(), to: newer)
        #expect(removed.sections.map(\.name) == ["alerting", "routes"])
        #expect(removed.sections[0].changes == [#"whole setting: removed {"webhooks":[],"alerts":[]}"#])
    }
}

@Suite struct ClientpackIdentitySnapshotTests {
    @Test func aSnapshotCarriesOwnerDescriptionAndExpiry() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("weft-snap-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let packs = ClientpackStates(byAddress: ["100.127.255.193": .init(tags: ["team": "a"], owner: "alice@example.com",
                                                                          description: "laptop", expiresAt: 1_798_761_599)])
        let source = try Store(path: directory + "/a.db")
        try source.write(actor: "test", action: "seed") { db in try Store.set(.clientpacks, packs, in: db) }
        let document = try SnapshotArchive.decode(try SnapshotArchive.encode(try source.snapshotDocument(tls: nil, weftVersion: "test")))
        let target = try Store(path: directory + "/b.db")
        _ = try target.write(actor: "test", action: "import") { db in try Store.importSnapshot(document, in: db) }
        #expect(try target.desiredState().clientpacks == packs)
    }
}
