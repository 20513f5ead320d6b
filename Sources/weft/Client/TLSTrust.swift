import Foundation
import NIOCore
import NIOSSL
import WeftCLI

/// How the client trusts the controller's certificate: a pinned SHA-256 fingerprint
/// (the one `weft serve` prints at start), a CA file (the controller's own certificate
/// is its own CA), the system's roots, or — only when asked with `--insecure` — nothing.
enum TLSTrust {
    case pin(Fingerprint)
    case caFile(String)
    case system
    case insecure

    init(_ settings: ClientSettings) throws(CLIError) {
        if let pin = settings.pin {
            self = .pin(pin)
        } else if let ca = settings.ca {
            guard FileManager.default.isReadableFile(atPath: ca) else { throw .usage("--ca: cannot read \(ca)") }
            self = .caFile(ca)
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
        case .pin:
            tls.certificateVerification = .noHostnameVerification  // the callback decides
        case .caFile(let path):
            tls.trustRoots = .file(path)
            tls.certificateVerification = .noHostnameVerification
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
        guard case .pin(let pin) = self else { return try NIOSSLClientHandler(context: context, serverHostname: serverHostname) }
        return try NIOSSLClientHandler(context: context, serverHostname: serverHostname, customVerificationCallback: { chain, promise in
            guard let leaf = chain.first, let der = try? leaf.toDERBytes() else {
                verdict.refuse("the controller sent no certificate")
                promise.succeed(.failed)
                return
            }
            let seen = Fingerprint(der: der)
            if seen == pin {
                promise.succeed(.certificateVerified)
            } else {
                verdict.refuse("certificate fingerprint \(seen) does not match the pin \(pin)")
                promise.succeed(.failed)
            }
        })
    }
}
