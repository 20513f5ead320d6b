#if !FUZZING
import WeftModel

/// The container system's desired state (one settings document): whether it runs, the
/// plugin network, the running-container limit, the images and the containers.
public struct ContainerSystemConfig: Sendable, Equatable, Codable {
    /// VNS3's default plugin network.
    public static let defaultNetwork = "198.51.100.0/28"
    public static let defaultLimit = 10

    public var running: Bool
    public var network: String
    public var limit: Int
    public var images: [ContainerImage]
    public var containers: [ContainerSpec]

    public init(running: Bool = true, network: String = defaultNetwork, limit: Int = defaultLimit,
                images: [ContainerImage] = [], containers: [ContainerSpec] = []) {
        self.running = running
        self.network = network
        self.limit = limit
        self.images = images
        self.containers = containers
    }

    public var subnet: IPv4Network { IPv4Network(network) ?? IPv4Network(Self.defaultNetwork)! }
    /// The controller's own address on the plugin network: the first one.
    public var gateway: IPv4Address { IPv4Address(subnet.network.value + 1) }

    public func image(_ id: String) -> ContainerImage? {
        images.first { $0.id == id || $0.importID == id || $0.id == "sha256:" + id }
    }
    public func container(_ id: String) -> ContainerSpec? { containers.first { $0.id == id || $0.name == id } }
    public var runningCount: Int { containers.filter(\.running).count }
}

public struct ContainerImage: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case importing = "Importing", ready = "Ready", failed = "Failed" }
    /// "sha256:…" once read; the import id until then.
    public var id: String
    public var importID: String
    public var name: String
    public var tag: String
    public var description: String
    public var status: Status
    public var statusMessage: String
    public var created: Int
    public var format: String
    public var config: ImageConfig
    public var size: Int

    public init(id: String, importID: String, name: String, tag: String = "latest", description: String = "", status: Status = .importing,
                statusMessage: String = "Image being uploaded", created: Int, format: String = "", config: ImageConfig = .init(), size: Int = 0) {
        self.id = id
        self.importID = importID
        self.name = name
        self.tag = tag
        self.description = description
        self.status = status
        self.statusMessage = statusMessage
        self.created = created
        self.format = format
        self.config = config
        self.size = size
    }
}

public struct ContainerSpec: Sendable, Equatable, Codable {
    /// 64 hex digits, as Docker's ids.
    public var id: String
    public var name: String
    public var imageID: String
    public var address: String
    /// The command to run instead of the image's (argv); nil: the image's entrypoint and cmd.
    public var command: [String]?
    public var environment: [String]
    public var description: String
    /// Desired: should it run.
    public var running: Bool
    public var created: Int
    public var memoryLimit: Int
    public var pidsLimit: Int
    /// Capabilities beyond the default set, asked for at start.
    public var extraCapabilities: [String]

    public static let defaultMemoryLimit = 256 << 20
    public static let defaultPidsLimit = 256

    public init(id: String, name: String, imageID: String, address: String, command: [String]? = nil, environment: [String] = [],
                description: String = "", running: Bool = true, created: Int, memoryLimit: Int = defaultMemoryLimit,
                pidsLimit: Int = defaultPidsLimit, extraCapabilities: [String] = []) {
        self.id = id
        self.name = name
        self.imageID = imageID
        self.address = address
        self.command = command
        self.environment = environment
        self.description = description
        self.running = running
        self.created = created
        self.memoryLimit = memoryLimit
        self.pidsLimit = pidsLimit
        self.extraCapabilities = extraCapabilities
    }
}

/// Addresses of the plugin network: the controller at the first, containers at the next free ones.
public enum PluginAddresses {
    public enum Status: String, Sendable { case reserved, inUse = "in_use", available }

    public static func table(_ config: ContainerSystemConfig) -> [(address: IPv4Address, status: Status)] {
        let subnet = config.subnet
        guard let hosts = subnet.hosts else { return [] }
        let used = Set(config.containers.map(\.address))
        return hosts.map { value in
            let address = IPv4Address(value)
            if address == config.gateway { return (address, .reserved) }
            return (address, used.contains(address.description) ? .inUse : .available)
        }
    }

    public static func nextFree(_ config: ContainerSystemConfig) -> IPv4Address? {
        table(config).first { $0.status == .available }?.address
    }

    /// Checks a requested address: inside the network, not the controller's, not taken.
    public static func check(_ text: String, _ config: ContainerSystemConfig) throws -> IPv4Address {
        guard let address = IPv4Address(text) else { throw ValidationError(field: "ipaddress", "ipaddress \(text) is not an IPv4 address") }
        guard let hosts = config.subnet.hosts, hosts.contains(address.value) else {
            throw ValidationError(field: "ipaddress", "ipaddress \(text) is outside the plugin network \(config.network)")
        }
        guard address != config.gateway else { throw ValidationError(.conflict, field: "ipaddress", "ipaddress \(text) is the controller's own address") }
        guard !config.containers.contains(where: { $0.address == text }) else {
            throw ValidationError(.conflict, field: "ipaddress", "ipaddress \(text) is already taken by another container")
        }
        return address
    }
}
#endif
