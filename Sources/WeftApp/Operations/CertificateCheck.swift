import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import WeftModel
import X509

/// Checks a TLS certificate (with its chain) and private key (pasted into the admin page)
/// before they replace the API's: both parse (with swift-certificates, and with NIOSSL,
/// which serves them), the key belongs to the first certificate, and that certificate is
/// valid now. A refusal says which of these failed.
public enum CertificateCheck {
    public struct Summary: Sendable {
        public var subject: String
        public var issuer: String
        public var names: [String]
        public var notBefore: Date
        public var notAfter: Date
        public var fingerprint: String
        public var chainLength: Int
    }

    public static func check(certificatePEM: String, privateKeyPEM: String, now: Date = Date()) throws -> Summary {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: certificatePEM).filter { $0.discriminator == "CERTIFICATE" }
        } catch {
            throw ValidationError(.argument, "The certificate is not PEM text (-----BEGIN CERTIFICATE----- …): \(error)")
        }
        guard let leafDocument = documents.first else {
            throw ValidationError(.argument, "The certificate field holds no PEM certificate (-----BEGIN CERTIFICATE----- …)")
        }
        let chain: [Certificate]
        do {
            chain = try documents.map { try Certificate(derEncoded: $0.derBytes) }
        } catch {
            throw ValidationError(.argument, "The certificate does not parse: \(error)")
        }
        if privateKeyPEM.contains("ENCRYPTED") {
            throw ValidationError(.argument, "The private key is encrypted; paste it without a passphrase (openssl pkey -in key.pem)")
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: privateKeyPEM.trimmed)
        } catch {
            throw ValidationError(.argument, "The private key does not parse (PEM: PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY): \(error)")
        }
        let leaf = chain[0]
        guard key.publicKey == leaf.publicKey else {
            throw ValidationError(.argument, "The private key does not belong to the certificate: their public keys differ")
        }
        guard now >= leaf.notValidBefore else {
            throw ValidationError(.argument, "The certificate is not valid before \(Timestamps.vns3(Int(leaf.notValidBefore.timeIntervalSince1970)))")
        }
        guard now < leaf.notValidAfter else {
            throw ValidationError(.argument, "The certificate expired on \(Timestamps.vns3(Int(leaf.notValidAfter.timeIntervalSince1970)))")
        }
        do {
            _ = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
            _ = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        } catch {
            throw ValidationError(.argument, "The TLS library cannot load this certificate or key: \(error)")
        }
        return summary(leaf, der: leafDocument.derBytes, chainLength: chain.count)
    }

    /// The first certificate of a PEM file, described (nil when it does not parse).
    public static func describe(pem: String) -> Summary? {
        guard let document = try? PEMDocument.parseMultiple(pemString: pem).first(where: { $0.discriminator == "CERTIFICATE" }),
              let certificate = try? Certificate(derEncoded: document.derBytes) else { return nil }
        return summary(certificate, der: document.derBytes, chainLength: 1)
    }

    public static func summary(_ certificate: Certificate, der: [UInt8], chainLength: Int) -> Summary {
        var names: [String] = []
        if let sans = try? certificate.extensions.subjectAlternativeNames {
            for name in sans {
                switch name {
                case .dnsName(let host): names.append(host)
                case .ipAddress(let octets):
                    let bytes = Array(octets.bytes)
                    names.append(bytes.count == 4 ? bytes.map(String.init).joined(separator: ".") : "IP (\(bytes.count) bytes)")
                default: names.append(String(describing: name))
                }
            }
        }
        let digest = SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
        return Summary(subject: certificate.subject.description, issuer: certificate.issuer.description, names: names,
                       notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter,
                       fingerprint: digest, chainLength: chainLength)
    }
}

extension Controller {
    /// Checks and installs a TLS certificate and key for the API and UI; it takes effect at
    /// the next restart.
    public func installCertificate(certificatePEM: String, privateKeyPEM: String, actor: String?) throws -> CertificateCheck.Summary {
        let summary = try CertificateCheck.check(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM)
        try ServerCertificate.install(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM, directory: options.dataDirectory + "/tls")
        try commit(actor, "tls.install", detail: "\(summary.subject) sha256 \(summary.fingerprint.prefix(23))") { _ in }
        return summary
    }

    /// The "reboot" VNS3 clients expect: the daemon stops, stays away 3 s and re-executes itself.
    public func requestRestart(actor: String?, through channel: String) {
        logger.notice("restart requested through the \(channel)", metadata: ["actor": "\(actor ?? "?")"])
        restart.request(reason: "restart through the \(channel) by \(actor ?? "?")")
    }
}
