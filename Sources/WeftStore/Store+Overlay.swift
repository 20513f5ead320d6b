import Crypto
import Foundation
import GRDB
import WeftModel
import X509

/// The public half of the overlay's WireGuard keys, as the overlay reconciler needs them.
/// Controller keys are derived from the keyset's CA key (HKDF, one per controller peer id),
/// so every controller holding the keyset agrees on every controller's key without the
/// keyset format carrying them.
public struct OverlayKeys: Sendable, Equatable {
    /// Client overlay address → WireGuard public key (base64).
    public let clients: [String: String]
    /// Client overlay address → public key in UAPI (hex) form, and the reverse; computed
    /// once per snapshot instead of on every pass, poll and request.
    public let clientHex: [String: String]
    public let addressByHex: [String: String]
    let caKeyPEM: String
    /// The keyset CA (for the OpenVPN server's certificate).
    public let caCertificatePEM: String
    public var caPrivateKeyPEM: String { caKeyPEM }

    public func controllerPrivateKey(peerID: Int) -> Curve25519.KeyAgreement.PrivateKey {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(caKeyPEM.utf8)),
                                             salt: Data("weft overlay controller key".utf8),
                                             info: Data("controller \(peerID)".utf8), outputByteCount: 32)
        // Clamped as X25519 does it, so the key reads back from the device byte for byte.
        var bytes = derived.withUnsafeBytes { Array($0) }
        bytes[0] &= 248
        bytes[31] = (bytes[31] & 127) | 64
        return try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Data(bytes))
    }

    init(clients: [String: String], caKeyPEM: String, caCertificatePEM: String) {
        self.clients = clients
        self.caKeyPEM = caKeyPEM
        self.caCertificatePEM = caCertificatePEM
        var hexes: [String: String] = [:], addresses: [String: String] = [:]
        for (address, base64) in clients {
            guard let data = Data(base64Encoded: base64), data.count == 32 else { continue }
            let hex = Hex.encode(data)
            hexes[address] = hex
            addresses[hex] = address
        }
        clientHex = hexes
        addressByHex = addresses
    }

    public static func == (lhs: OverlayKeys, rhs: OverlayKeys) -> Bool {
        lhs.clients == rhs.clients && lhs.caKeyPEM == rhs.caKeyPEM && lhs.caCertificatePEM == rhs.caCertificatePEM
    }
}

/// One clientpack's secrets (for its download).
public struct ClientpackSecrets: Sendable {
    public let address: String
    public let wireguardPrivateKey: String
    public let wireguardPublicKey: String
    public let certificatePEM: String
    public let privateKeyPEM: String
    public let caCertificatePEM: String
}

extension Store {
    public static func overlayKeys(in db: Database) throws -> OverlayKeys? {
        guard let row = try Row.fetchOne(db, sql: "SELECT ca_key_pem, ca_cert_pem FROM keyset WHERE id = 1") else { return nil }
        var clients: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT address, wg_public_key FROM keyset_clients") {
            clients[row["address"]] = row["wg_public_key"]
        }
        return OverlayKeys(clients: clients, caKeyPEM: row["ca_key_pem"], caCertificatePEM: row["ca_cert_pem"])
    }

    public func clientpackSecrets(address: String) throws -> ClientpackSecrets? {
        try read { db in
            guard let ca = try String.fetchOne(db, sql: "SELECT ca_cert_pem FROM keyset WHERE id = 1"),
                  let row = try Row.fetchOne(db, sql: "SELECT * FROM keyset_clients WHERE address = ?", arguments: [address]) else { return nil }
            return ClientpackSecrets(address: address, wireguardPrivateKey: row["wg_private_key"], wireguardPublicKey: row["wg_public_key"],
                                     certificatePEM: row["cert_pem"], privateKeyPEM: row["key_pem"], caCertificatePEM: ca)
        }
    }
}

extension SettingKey {
    public static var clientpacks: SettingKey<ClientpackStates> { .init("clientpacks") }
}

extension Store {
    /// A regenerate's outcome: the replaced certificate's decimal serial and the new keys.
    public struct Regenerated: Sendable {
        public let revokedSerial: String
        public let fresh: Keyset.Client
        public var serial: String { (try? KeysetFactory.decimalSerial(certificatePEM: fresh.certificatePEM)) ?? "" }
    }

    /// Regenerate: new WireGuard keys and a new TLS certificate for one client, in the
    /// caller's transaction.
    public static func regenerateClient(address: IPv4Address, in db: Database) throws -> Regenerated {
        guard let keyset = try Row.fetchOne(db, sql: "SELECT ca_cert_pem, ca_key_pem FROM keyset WHERE id = 1"),
              let old = try Row.fetchOne(db, sql: "SELECT sequence, cert_pem FROM keyset_clients WHERE address = ?", arguments: [address.description])
        else { throw StoreError.corrupt("no keyset entry for \(address)") }
        let caCertificate = try Certificate(pemEncoded: keyset["ca_cert_pem"] as String)
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: keyset["ca_key_pem"] as String)
        let fresh = try KeysetFactory.client(address: address, sequence: old["sequence"], caName: caCertificate.subject, caKey: caKey, now: Date())
        try setClientKeys(address: address.description, wireguardPrivateKey: fresh.wireguardPrivateKey,
                          wireguardPublicKey: fresh.wireguardPublicKey, certificatePEM: fresh.certificatePEM,
                          privateKeyPEM: fresh.privateKeyPEM, in: db)
        return Regenerated(revokedSerial: try KeysetFactory.decimalSerial(certificatePEM: old["cert_pem"] as String), fresh: fresh)
    }

    /// Installs a client's keys that another controller of the mesh generated, in the
    /// caller's transaction, after checking them: the WireGuard public key is the private
    /// key's, the certificate is the keyset CA's and carries `serial`. Returns false (and
    /// changes nothing) when the client is unknown here or the keys are already installed.
    public static func installClientKeys(address: String, serial: String, wireguardPrivateKey: String, wireguardPublicKey: String,
                                         certificatePEM: String, privateKeyPEM: String, in db: Database) throws -> Bool {
        guard let ca = try String.fetchOne(db, sql: "SELECT ca_cert_pem FROM keyset WHERE id = 1"),
              let current = try String.fetchOne(db, sql: "SELECT wg_public_key FROM keyset_clients WHERE address = ?", arguments: [address])
        else { return false }
        guard current != wireguardPublicKey else { return false }
        guard let raw = Data(base64Encoded: wireguardPrivateKey),
              let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw),
              key.publicKey.rawRepresentation.base64EncodedString() == wireguardPublicKey
        else { throw StoreError.corrupt("the replicated WireGuard key of \(address) does not match its public key") }
        let authority = try Certificate(pemEncoded: ca), certificate = try Certificate(pemEncoded: certificatePEM)
        guard certificate.issuer == authority.subject, authority.publicKey.isValidSignature(certificate.signature, for: certificate),
              try KeysetFactory.decimalSerial(certificatePEM: certificatePEM) == serial,
              (try? P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM))?.publicKey.derRepresentation
                == P256.Signing.PublicKey(certificate.publicKey)?.derRepresentation
        else { throw StoreError.corrupt("the replicated certificate of \(address) is not this keyset's or does not match its key") }
        try setClientKeys(address: address, wireguardPrivateKey: wireguardPrivateKey, wireguardPublicKey: wireguardPublicKey,
                          certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM, in: db)
        return true
    }

    static func setClientKeys(address: String, wireguardPrivateKey: String, wireguardPublicKey: String, certificatePEM: String,
                              privateKeyPEM: String, in db: Database) throws {
        try db.execute(sql: """
            UPDATE keyset_clients SET wg_private_key = ?, wg_public_key = ?, cert_pem = ?, key_pem = ? WHERE address = ?
            """, arguments: [wireguardPrivateKey, wireguardPublicKey, certificatePEM, privateKeyPEM, address])
    }
}
