import Crypto
import Foundation
import GRDB

extension Store {
    public static func keysetSummary(in db: Database) throws -> KeysetSummary? {
        guard let row = try Row.fetchOne(db, sql: "SELECT uuid, created_at, checksum, source FROM keyset WHERE id = 1") else {
            return nil
        }
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM keyset_clients") ?? 0
        return KeysetSummary(uuid: row["uuid"], createdAt: row["created_at"], checksum: row["checksum"],
                             clientCount: count, source: row["source"])
    }

    /// Installs a keyset with its transfer key. Refuses when one exists (keysets are
    /// replaced only by a snapshot import, never silently).
    public static func installKeyset(_ keyset: Keyset, transferKey: SymmetricKey, source: String, in db: Database) throws {
        guard try keysetSummary(in: db) == nil else { throw StoreError.corrupt("a keyset already exists") }
        let keyBytes = transferKey.withUnsafeBytes { Data($0) }
        try db.execute(sql: """
            INSERT INTO keyset (id, uuid, created_at, checksum, ca_cert_pem, ca_key_pem, transfer_salt, transfer_key, source)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [keyset.uuid, keyset.createdAt, keyset.checksum, keyset.caCertificatePEM, keyset.caPrivateKeyPEM,
                             Data(keyset.transferSalt), keyBytes, source])
        let statement = try db.makeStatement(sql: """
            INSERT INTO keyset_clients (address, sequence, wg_private_key, wg_public_key, cert_pem, key_pem) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for client in keyset.clients {
            try statement.execute(arguments: [client.address, client.sequence, client.wireguardPrivateKey,
                                              client.wireguardPublicKey, client.certificatePEM, client.privateKeyPEM])
        }
    }

    /// The whole keyset and its transfer key, for serving it to a peer controller.
    public func keysetForTransfer() throws -> (keyset: Keyset, transferKey: SymmetricKey)? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM keyset WHERE id = 1") else { return nil }
            let clients = try Row.fetchAll(db, sql: "SELECT * FROM keyset_clients ORDER BY sequence").map { client in
                Keyset.Client(address: client["address"], sequence: client["sequence"],
                              wireguardPrivateKey: client["wg_private_key"], wireguardPublicKey: client["wg_public_key"],
                              certificatePEM: client["cert_pem"], privateKeyPEM: client["key_pem"])
            }
            let salt: Data = row["transfer_salt"]
            let key: Data = row["transfer_key"]
            let keyset = Keyset(uuid: row["uuid"], createdAt: row["created_at"], caCertificatePEM: row["ca_cert_pem"],
                                caPrivateKeyPEM: row["ca_key_pem"], clients: clients, transferSalt: Array(salt))
            return (keyset, SymmetricKey(data: key))
        }
    }

    public func transferSalt() throws -> [UInt8]? {
        try read { db in try Data.fetchOne(db, sql: "SELECT transfer_salt FROM keyset WHERE id = 1").map(Array.init) }
    }
}
