import Crypto
import Foundation
import WeftModel

/// The topology's shared key material (VNS3's "keyset"): a CA and, for every client
/// address of the topology, one WireGuard key pair and one ECDSA P-256 TLS client
/// certificate signed by the CA. Every controller of a mesh holds the same keyset.
public struct Keyset: Sendable, Equatable, Codable {
    public struct Client: Sendable, Equatable, Codable {
        public let address: String
        public let sequence: Int
        public let wireguardPrivateKey: String
        public let wireguardPublicKey: String
        public let certificatePEM: String
        public let privateKeyPEM: String
    }

    public let uuid: String
    public let createdAt: Int
    public let caCertificatePEM: String
    public let caPrivateKeyPEM: String
    public let clients: [Client]
    /// Public salt of the transfer key (PBKDF2 of the topology token).
    public let transferSalt: [UInt8]

    /// SHA-256 (hex) over the canonical encoding: identical on every controller holding it.
    public var checksum: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        return Hex.encode(SHA256.hash(data: data))
    }
}

/// A stored keyset's public summary (what `GET /api/keyset` shows).
public struct KeysetSummary: Sendable, Equatable {
    public let uuid: String
    public let createdAt: Int
    public let checksum: String
    public let clientCount: Int
    public let source: String
}
