import Crypto
import Foundation
import SwiftASN1
import WeftModel
import X509

/// Makes a fresh keyset for a topology.
public enum KeysetFactory {
    public static let validity: TimeInterval = 10 * 365 * 24 * 3600

    public static func generate(topology: Topology, topologyName: String, now: Date = Date()) throws -> Keyset {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("Weft")
            CommonName("Weft topology CA \(topologyName.isEmpty ? "weft" : topologyName)")
        }
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(validity)
        let caCertificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey))

        var clients: [Keyset.Client] = []
        clients.reserveCapacity(topology.clients.count)
        for (index, address) in topology.clients.enumerated() {
            let wireguard = Curve25519.KeyAgreement.PrivateKey()
            let tlsKey = P256.Signing.PrivateKey()
            let subject = try DistinguishedName {
                OrganizationName("Weft")
                CommonName(address.underscored)
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(tlsKey.publicKey),
                notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                    try ExtendedKeyUsage([.clientAuth])
                },
                issuerPrivateKey: .init(caKey))
            clients.append(Keyset.Client(
                address: address.description, sequence: index + 1,
                wireguardPrivateKey: wireguard.rawRepresentation.base64EncodedString(),
                wireguardPublicKey: wireguard.publicKey.rawRepresentation.base64EncodedString(),
                certificatePEM: try certificate.serializeAsPEM().pemString,
                privateKeyPEM: tlsKey.pemRepresentation))
        }
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        return Keyset(uuid: UUID().uuidString.lowercased(), createdAt: Int(now.timeIntervalSince1970),
                      caCertificatePEM: try caCertificate.serializeAsPEM().pemString,
                      caPrivateKeyPEM: caKey.pemRepresentation, clients: clients, transferSalt: salt)
    }
}

extension KeysetFactory {
    /// A TLS server certificate for the controller's OpenVPN server, signed by the keyset's
    /// CA (clients check it with `remote-cert-tls server`). Returns PEM certificate and key.
    public static func serverCertificate(caCertificatePEM: String, caPrivateKeyPEM: String, commonName: String,
                                         now: Date = Date()) throws -> (certificatePEM: String, privateKeyPEM: String) {
        let caCertificate = try Certificate(pemEncoded: caCertificatePEM)
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: caPrivateKeyPEM)
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Weft")
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(validity),
            issuer: caCertificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                try ExtendedKeyUsage([.serverAuth])
            },
            issuerPrivateKey: .init(caKey))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }
}
