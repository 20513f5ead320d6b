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

    public static func wireguard(name: String, privateKey: String, address: IPv4Address, overlay: IPv4Network,
                                 controller: WireGuardPeer, allowedIPs: [String]) -> String {
        """
        # Weft clientpack \(name) (WireGuard)
        [Interface]
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
