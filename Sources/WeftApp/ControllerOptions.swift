import WeftModel

/// How this controller instance was started (from the command line).
public struct ControllerOptions: Sendable {
    public var dataDirectory: String
    public var host: String
    public var port: Int
    public var privateIP: IPv4Address?
    public var publicIP: IPv4Address?
    public var uplink: String?
    /// False with `--no-apply`: API and planning only, the OS is never touched.
    public var apply: Bool
    /// Failed logins allowed per client address per minute before 429.
    public var loginFailureLimit = 20
    /// UDP port of the WireGuard overlay device.
    public var wireguardPort = 51820
    /// Largest image archive accepted (upload, download and each decompressed layer).
    public var imageSizeLimit = 512 << 20

    /// `--public-ip`, else the address of the default-route interface.
    /// The public address: the operator's stored setting, else `--public-ip`, else the private address.
    public func publicAddress(_ facts: HostFacts, setting: ControllerSettings) -> IPv4Address? {
        setting.publicIP.flatMap { IPv4Address($0) } ?? publicIP ?? facts.privateIP
    }

    public init(dataDirectory: String, host: String = "0.0.0.0", port: Int = 8000, privateIP: IPv4Address? = nil,
                publicIP: IPv4Address? = nil, uplink: String? = nil, apply: Bool = true) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.privateIP = privateIP
        self.publicIP = publicIP
        self.uplink = uplink
        self.apply = apply
    }
}
