import Crypto
import Foundation
import SwiftASN1
import WeftModel
import X509

/// The API's TLS certificate: self-signed ECDSA P-256, made at first start and kept in
/// the data directory (`tls/server.crt`, `tls/server.key` mode 0600).
public enum ServerCertificate {
    public struct Files: Sendable {
        public let certificatePEM: String
        public let privateKeyPEM: String
        public let created: Bool
    }

    public static func loadOrCreate(directory: String, addresses: [IPv4Address], now: Date = Date()) throws -> Files {
        let manager = FileManager.default
        let certPath = directory + "/server.crt", keyPath = directory + "/server.key"
        if manager.fileExists(atPath: certPath), manager.fileExists(atPath: keyPath) {
            return Files(certificatePEM: try String(contentsOfFile: certPath, encoding: .utf8),
                         privateKeyPEM: try String(contentsOfFile: keyPath, encoding: .utf8), created: false)
        }
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Weft")
            CommonName("weft controller")
        }
        var sans: [GeneralName] = [.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]
        for address in addresses where address != IPv4Address(127, 0, 0, 1) {
            sans.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(address.octets.map(UInt8.init)))))
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(5 * 365 * 24 * 3600),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(sans)
            },
            issuerPrivateKey: .init(key))
        let certPEM = try certificate.serializeAsPEM().pemString
        let keyPEM = key.pemRepresentation
        try writePrivate(keyPEM, to: keyPath)
        try certPEM.write(toFile: certPath, atomically: true, encoding: .utf8)
        return Files(certificatePEM: certPEM, privateKeyPEM: keyPEM, created: true)
    }

    /// Installs a certificate and key (from an imported snapshot).
    public static func install(certificatePEM: String, privateKeyPEM: String, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try writePrivate(privateKeyPEM, to: directory + "/server.key")
        try certificatePEM.write(toFile: directory + "/server.crt", atomically: true, encoding: .utf8)
    }

    /// Writes a secret: temp file created 0600, then renamed into place.
    public static func writePrivate(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        let manager = FileManager.default
        try? manager.removeItem(atPath: temporary)
        guard manager.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
