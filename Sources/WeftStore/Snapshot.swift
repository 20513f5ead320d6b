import Crypto
import Foundation
import GRDB
import WeftModel

/// A snapshot: the controller's whole desired state in one file — every setting
/// (topology, firewall, fwsets, clientpacks, IPsec, BGP, routes, alerts, peering), the
/// keyset (CA, every clientpack's keys and certificate, the transfer key) and the TLS
/// certificate. API/UI credentials and tokens stay with the host.
///
/// The file is a tar.gz (stored deflate) holding `manifest.json` (format, version, the
/// SHA-256 of the document) and `snapshot.json`.
public struct SnapshotDocument: Codable, Sendable, Equatable {
    public struct KeysetRecord: Codable, Sendable, Equatable {
        public var uuid: String
        public var createdAt: Int
        public var checksum: String
        public var caCertificatePEM: String
        public var caPrivateKeyPEM: String
        public var transferSalt: String
        public var transferKey: String
        public var source: String
        public var clients: [Keyset.Client]
    }

    public struct TLS: Codable, Sendable, Equatable {
        public var certificatePEM: String
        public var privateKeyPEM: String
        public init(certificatePEM: String, privateKeyPEM: String) {
            self.certificatePEM = certificatePEM
            self.privateKeyPEM = privateKeyPEM
        }
    }

    public static let format = "weft-snapshot"
    public static let version = 1
    /// Settings that describe the host, not the configuration: never exported or replaced.
    public static let hostOnlySettings: Set<String> = ["tls_pending"]

    public var format: String
    public var version: Int
    public var weftVersion: String
    public var createdAt: Int
    /// Setting name → its JSON document.
    public var settings: [String: String]
    public var keyset: KeysetRecord?
    public var tls: TLS?
}

public struct SnapshotManifest: Codable, Sendable, Equatable {
    public var format: String
    public var version: Int
    public var createdAt: Int
    public var weftVersion: String
    public var sha256: String
    public var sections: [String]
}

public enum SnapshotError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let message): message }
    }
}

public enum SnapshotArchive {
    public static let maximumSize = 64 << 20

    public static func encode(_ document: SnapshotDocument) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let body = Array(try encoder.encode(document))
        var sections = ["settings"] + document.settings.keys.sorted().map { "settings.\($0)" }
        if document.keyset != nil { sections.append("keyset") }
        if document.tls != nil { sections.append("tls") }
        let manifest = SnapshotManifest(format: document.format, version: document.version, createdAt: document.createdAt,
                                        weftVersion: document.weftVersion, sha256: Hex.encode(SHA256.hash(data: body)), sections: sections)
        return Archive.tarGz([
            Archive.File(name: "manifest.json", bytes: Array(try encoder.encode(manifest))),
            Archive.File(name: "snapshot.json", bytes: body),
        ])
    }

    /// Parses and checks a snapshot file: size, archive integrity, manifest, format,
    /// version, checksum. Throws `SnapshotError.invalid` with the reason.
    public static func decode(_ bytes: [UInt8]) throws -> SnapshotDocument {
        guard bytes.count <= maximumSize else { throw SnapshotError.invalid("snapshot larger than \(maximumSize >> 20) MiB") }
        let files: [Archive.File]
        do {
            files = try Archive.readTarGz(bytes, limit: maximumSize)
        } catch let error as ArchiveError {
            throw SnapshotError.invalid("not a readable Weft snapshot: \(error)")
        }
        guard let manifestFile = files.first(where: { $0.name == "manifest.json" }),
              let bodyFile = files.first(where: { $0.name == "snapshot.json" }) else {
            throw SnapshotError.invalid("not a Weft snapshot: manifest.json or snapshot.json is missing")
        }
        let decoder = JSONDecoder()
        guard let manifest = try? decoder.decode(SnapshotManifest.self, from: Data(manifestFile.bytes)) else {
            throw SnapshotError.invalid("the snapshot manifest does not parse")
        }
        guard manifest.format == SnapshotDocument.format else { throw SnapshotError.invalid("not a Weft snapshot (format \"\(manifest.format)\")") }
        guard manifest.version == SnapshotDocument.version else {
            throw SnapshotError.invalid("snapshot format version \(manifest.version) is not supported (this Weft reads version \(SnapshotDocument.version))")
        }
        guard Hex.encode(SHA256.hash(data: bodyFile.bytes)) == manifest.sha256 else {
            throw SnapshotError.invalid("snapshot checksum does not match its manifest: the file was changed or corrupted")
        }
        let document: SnapshotDocument
        do {
            document = try decoder.decode(SnapshotDocument.self, from: Data(bodyFile.bytes))
        } catch {
            throw SnapshotError.invalid("the snapshot document does not parse: \(error)")
        }
        guard document.format == manifest.format, document.version == manifest.version else {
            throw SnapshotError.invalid("snapshot document and manifest disagree")
        }
        return document
    }
}

extension Store {
    /// Everything but credentials, tokens, audit and tasks, read in one transaction.
    public func snapshotDocument(tls: SnapshotDocument.TLS?, weftVersion: String, now: Int = Store.now()) throws -> SnapshotDocument {
        try read { db in
            var settings: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM settings ORDER BY key") {
                let key: String = row["key"]
                guard !SnapshotDocument.hostOnlySettings.contains(key) else { continue }
                let value: Data = row["value"]
                settings[key] = String(decoding: value, as: UTF8.self)
            }
            var keyset: SnapshotDocument.KeysetRecord?
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM keyset WHERE id = 1") {
                let clients = try Row.fetchAll(db, sql: "SELECT * FROM keyset_clients ORDER BY sequence").map { client in
                    Keyset.Client(address: client["address"], sequence: client["sequence"],
                                  wireguardPrivateKey: client["wg_private_key"], wireguardPublicKey: client["wg_public_key"],
                                  certificatePEM: client["cert_pem"], privateKeyPEM: client["key_pem"])
                }
                let salt: Data = row["transfer_salt"], key: Data = row["transfer_key"]
                let uuid: String = row["uuid"], createdAt: Int = row["created_at"], checksum: String = row["checksum"]
                let caCertificate: String = row["ca_cert_pem"], caKey: String = row["ca_key_pem"], source: String = row["source"]
                keyset = SnapshotDocument.KeysetRecord(uuid: uuid, createdAt: createdAt, checksum: checksum, caCertificatePEM: caCertificate,
                                                       caPrivateKeyPEM: caKey, transferSalt: salt.base64EncodedString(),
                                                       transferKey: key.base64EncodedString(), source: source, clients: clients)
            }
            return SnapshotDocument(format: SnapshotDocument.format, version: SnapshotDocument.version, weftVersion: weftVersion,
                                    createdAt: now, settings: settings, keyset: keyset, tls: tls)
        }
    }

    /// Replaces the configuration with a snapshot's, in one transaction (all or nothing):
    /// settings, keyset, and the TLS certificate as a pending setting that the next start
    /// installs. Credentials and tokens are kept.
    public static func importSnapshot(_ document: SnapshotDocument, in db: Database) throws {
        for (key, value) in document.settings {
            guard !SnapshotDocument.hostOnlySettings.contains(key) else { continue }
            guard (try? JSONSerialization.jsonObject(with: Data(value.utf8), options: [.fragmentsAllowed])) != nil else {
                throw SnapshotError.invalid("setting \(key) in the snapshot is not JSON")
            }
        }
        try db.execute(sql: "DELETE FROM settings")
        for (key, value) in document.settings where !SnapshotDocument.hostOnlySettings.contains(key) {
            try db.execute(sql: "INSERT INTO settings (key, value) VALUES (?, ?)", arguments: [key, Data(value.utf8)])
        }
        try db.execute(sql: "DELETE FROM keyset_clients")
        try db.execute(sql: "DELETE FROM keyset")
        if let keyset = document.keyset {
            guard let salt = Data(base64Encoded: keyset.transferSalt), let key = Data(base64Encoded: keyset.transferKey) else {
                throw SnapshotError.invalid("the snapshot's keyset transfer key is not base64")
            }
            try db.execute(sql: """
                INSERT INTO keyset (id, uuid, created_at, checksum, ca_cert_pem, ca_key_pem, transfer_salt, transfer_key, source)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [keyset.uuid, keyset.createdAt, keyset.checksum, keyset.caCertificatePEM, keyset.caPrivateKeyPEM,
                                 salt, key, keyset.source])
            let statement = try db.makeStatement(sql: """
                INSERT INTO keyset_clients (address, sequence, wg_private_key, wg_public_key, cert_pem, key_pem) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for client in keyset.clients {
                try statement.execute(arguments: [client.address, client.sequence, client.wireguardPrivateKey,
                                                  client.wireguardPublicKey, client.certificatePEM, client.privateKeyPEM])
            }
        }
        if let tls = document.tls {
            try Store.set(.tlsPending, tls, in: db)
        }
        // The imported state must read back as a whole, or nothing is imported.
        do {
            _ = try Store.desiredState(in: db)
        } catch {
            throw SnapshotError.invalid("the snapshot's configuration does not read back: \(error)")
        }
    }
}

extension SettingKey {
    /// A TLS certificate imported with a snapshot, installed at the next start.
    public static var tlsPending: SettingKey<SnapshotDocument.TLS> { .init("tls_pending") }
}
