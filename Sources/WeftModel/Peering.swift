/// The controller mesh: the other controllers this one peers with (`POST
/// /api/peering/peers`, one direction; each pair is configured from both ends).
///
/// Each peer gets its own WireGuard link: device `wgp<ID>` on UDP `portBase + ID`, with
/// point-to-point addresses `169.254.253.<self>` ↔ `169.254.253.<ID>`, and a BGP session
/// (BIRD, with BFD) over it.
public struct PeeringPeers: Codable, Sendable, Equatable {
    public var peers: [PeeringPeer]
    public init(peers: [PeeringPeer] = []) { self.peers = peers }

    public static let portBase = 51900
    public static let linkNetwork = "169.254.253"

    public static func device(_ peerID: Int) -> String { "wgp\(peerID)" }
    public static func linkAddress(_ peerID: Int) -> String { "\(linkNetwork).\(peerID)" }
}

public struct PeeringPeer: Codable, Sendable, Equatable {
    public var id: Int
    /// The remote controller's address (underlay) as given (`name`).
    public var name: String
    public var overlayMTU: Int
    /// `force: false` (delay_configure): recorded but the link is not brought up.
    public var finalized: Bool

    public init(id: Int, name: String, overlayMTU: Int = 1420, finalized: Bool = true) {
        self.id = id
        self.name = name
        self.overlayMTU = overlayMTU
        self.finalized = finalized
    }
}
