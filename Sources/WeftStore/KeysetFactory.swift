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
            clients.append(try client(address: address, sequence: index + 1, caName: caName, caKey: caKey, now: now))
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
    /// One client's credentials: a WireGuard key pair and a TLS client certificate whose CN
    /// is the clientpack name.
    static func client(address: IPv4Address, sequence: Int, caName: DistinguishedName, caKey: P256.Signing.PrivateKey,
                       now: Date) throws -> Keyset.Client {
        let wireguard = Curve25519.KeyAgreement.PrivateKey()
        let tlsKey = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Weft")
            CommonName(address.underscored)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(tlsKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(validity), issuer: caName, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: .init(caKey))
        return Keyset.Client(
            address: address.description, sequence: sequence,
            wireguardPrivateKey: wireguard.rawRepresentation.base64EncodedString(),
            wireguardPublicKey: wireguard.publicKey.rawRepresentation.base64EncodedString(),
            certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: tlsKey.pemRepresentation)
    }

    /// The decimal serial number of a PEM certificate (OpenVPN's `tls_serial_0` form).
    public static func decimalSerial(certificatePEM: String) throws -> String {
        var digits: [UInt8] = [0]   // little-endian base-10 digits
        for byte in try Certificate(pemEncoded: certificatePEM).serialNumber.bytes {
            var carry = Int(byte)
            for i in digits.indices {
                let value = Int(digits[i]) * 256 + carry
                digits[i] = UInt8(value % 10)
                carry = value / 10
            }
            while carry > 0 { digits.append(UInt8(carry % 10)); carry /= 10 }
        }
        while digits.count > 1 && digits.last == 0 { digits.removeLast() }
        return String(digits.reversed().map { Character(String($0)) })
    }

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
