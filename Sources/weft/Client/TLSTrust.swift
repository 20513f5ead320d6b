import Foundation
import NIOCore
import NIOSSL
import WeftCLI

/// How the client trusts the controller's certificate: a pinned SHA-256 fingerprint
/// (the one `weft serve` prints at start), a PEM file holding the controller's certificate
/// (`/var/lib/weft/tls/server.crt`; it is self-signed and not a CA, so it is matched
/// exactly rather than used as a chain root), the system's roots, or — only when asked
/// with `--insecure` — nothing.
enum TLSTrust {
    case pin(Fingerprint)
    case caFile(String, [Fingerprint])
    case system
    case insecure

    init(_ settings: ClientSettings) throws(CLIError) {
        if let pin = settings.pin {
            self = .pin(pin)
        } else if let ca = settings.ca {
            guard let certificates = try? NIOSSLCertificate.fromPEMFile(ca), !certificates.isEmpty else {
                throw .usage("--ca: \(ca) holds no PEM certificate")
            }
            self = .caFile(ca, certificates.compactMap { try? Fingerprint(der: $0.toDERBytes()) })
        } else if settings.insecure {
            self = .insecure
        } else {
            self = .system
        }
    }

    func context() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        switch self {
        case .pin, .caFile:
            tls.certificateVerification = .noHostnameVerification  // the callback decides
        case .system:
            tls.certificateVerification = .fullVerification
        case .insecure:
            tls.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: tls)
    }

    /// Why the last handshake's certificate was refused, for the error message.
    final class Verdict: @unchecked Sendable {
        private let lock = NSLock()
        private var text: String?
        var reason: String? {
            lock.lock()
            defer { lock.unlock() }
            return text
        }
        func refuse(_ reason: String) {
            lock.lock()
            text = reason
            lock.unlock()
        }
    }

    func handler(context: NIOSSLContext, serverHostname: String?, verdict: Verdict) throws -> NIOSSLClientHandler {
        let accepted: [Fingerprint]
        let refusal: (Fingerprint) -> String
        switch self {
        case .pin(let pin):
            accepted = [pin]
            refusal = { "certificate fingerprint \($0) does not match the pin \(pin)" }
        case .caFile(let path, let fingerprints):
            accepted = fingerprints
            refusal = { "the certificate (SHA-256 \($0)) is not the one in \(path)" }
        default:
            return try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
        }
        return try NIOSSLClientHandler(context: context, serverHostname: serverHostname, customVerificationCallback: { chain, promise in
            guard let leaf = chain.first, let der = try? leaf.toDERBytes() else {
                verdict.refuse("the controller sent no certificate")
                promise.succeed(.failed)
                return
            }
            let seen = Fingerprint(der: der)
            if accepted.contains(seen) {
                promise.succeed(.certificateVerified)
            } else {
                verdict.refuse(refusal(seen))
                promise.succeed(.failed)
            }
        })
    }
}
