/// Version strings. `vns3Version` follows the SDK's MAJOR.MINOR.PATCH-suffix rule (a 6.x
/// version, so every SDK function binds); it never names another vendor's product.
public enum WeftVersion {
    public static let weft = "0.1.0"
    public static let vns3Compatible = "6.0.0-weft1"
}

/// Operator-editable controller identity (`PUT /api/config`).
public struct ControllerSettings: Sendable, Equatable, Codable {
    public var topologyName: String
    public var controllerName: String
    public var ntpHosts: String
    /// The address clientpacks name as the server (`Endpoint`, `remote`), set by the operator
    /// (`PUT /api/config {public_ipaddress}` or the setup page); nil: `--public-ip`, else the
    /// private address.
    public var publicIP: String?

    public init(topologyName: String = "", controllerName: String = "", ntpHosts: String = "", publicIP: String? = nil) {
        self.topologyName = topologyName
        self.controllerName = controllerName
        self.ntpHosts = ntpHosts
        self.publicIP = publicIP
    }
}

/// The uploaded licence and the accepted licence parameters. Weft charges nothing and
/// checks no key: the text is stored and shown; the parameters define the topology.
public struct LicenseState: Sendable, Equatable, Codable {
    public var text: String
    public var sha1: String
    public var uploadedAt: Int
    public var topology: Topology?
    public var finalizedAt: Int?

    public init(text: String, sha1: String, uploadedAt: Int, topology: Topology? = nil, finalizedAt: Int? = nil) {
        self.text = text
        self.sha1 = sha1
        self.uploadedAt = uploadedAt
        self.topology = topology
        self.finalizedAt = finalizedAt
    }

    public var finalized: Bool { topology != nil }
}

/// This controller's place in the mesh.
public struct PeeringSelf: Sendable, Equatable, Codable {
    public var id: Int?
    public init(id: Int? = nil) { self.id = id }
}

/// Host settings the controller owns (issue: foundation §12).
public struct HostSettings: Sendable, Equatable {
    public var ipForward: Bool
    /// 0 off, 1 strict, 2 loose.
    public var rpFilter: Int
    /// Interface patterns (iptables syntax, `+` wildcard) whose forwarded TCP SYNs get
    /// their MSS clamped to the path MTU.
    public var mssClampInterfaces: [String]

    public init(ipForward: Bool = true, rpFilter: Int = 2, mssClampInterfaces: [String] = HostSettings.tunnelInterfaces) {
        self.ipForward = ipForward
        self.rpFilter = rpFilter
        self.mssClampInterfaces = mssClampInterfaces
    }

    /// Overlay, OpenVPN, IPsec (libipsec/VTI) and peering devices.
    public static let tunnelInterfaces = ["tun+", "ipsec+", "vti+", "wgp+"]
}
