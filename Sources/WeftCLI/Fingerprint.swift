import Foundation
import Crypto

/// A certificate's SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it
/// (upper-case hex pairs joined by colons). A pin given by the operator may be written
/// with or without colons, in either case, with an optional `sha256:` prefix.
public struct Fingerprint: Equatable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(der: some Sequence<UInt8>) {
        bytes = Array(SHA256.hash(data: Array(der)))
    }

    public init?(pin: String) {
        var text = pin.trimmingWhitespace.lowercased()
        if text.hasPrefix("sha256:") { text.removeFirst(7) }
        text.removeAll { $0 == ":" }
        guard text.count == 64 else { return nil }
        var out: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        bytes = out
    }

    public var description: String {
        bytes.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}

extension String {
    var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}


extension Fingerprint {
    /// The fingerprint of the first certificate of a PEM text.
    public init?(pem: String) {
        guard let begin = pem.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = pem.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<pem.endIndex) else { return nil }
        let body = pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)) else { return nil }
        self.init(der: der)
    }
}
