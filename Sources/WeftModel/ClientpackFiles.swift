/// Renders a clientpack's WireGuard configuration (wg-quick form; `wg setconf` accepts it
/// once the Address line is dropped).
public enum ClientpackFiles {
    public struct WireGuardPeer: Sendable, Equatable {
        public var publicKey: String
        public var endpoint: String
        public init(publicKey: String, endpoint: String) {
            self.publicKey = publicKey
            self.endpoint = endpoint
        }
    }

    /// A controller the client can fail over to (read by `weft-client`; comments for wg-quick).
    public struct Failover: Sendable, Equatable {
        public var endpoint: String
        public var publicKey: String
        public var overlayAddress: String
        public init(endpoint: String, publicKey: String, overlayAddress: String) {
            self.endpoint = endpoint
            self.publicKey = publicKey
            self.overlayAddress = overlayAddress
        }
    }

    public static func wireguard(name: String, privateKey: String, address: IPv4Address, overlay: IPv4Network,
                                 controller: WireGuardPeer, allowedIPs: [String], failover: [Failover] = []) -> String {
        let controllers = failover.map { "# weft-controller \($0.endpoint) \($0.publicKey) \($0.overlayAddress)\n" }.joined()
        return """
        # Weft clientpack \(name) (WireGuard)
        \(controllers)[Interface]
        PrivateKey = \(privateKey)
        Address = \(address)/\(overlay.prefixLength)

        [Peer]
        PublicKey = \(controller.publicKey)
        Endpoint = \(controller.endpoint)
        AllowedIPs = \(allowedIPs.joined(separator: ", "))
        PersistentKeepalive = 25

        """
    }
}
