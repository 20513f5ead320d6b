/// The plugin network's links: a bridge holding the controller's address, and per
/// container a veth whose far end is `eth0` in the container's own network namespace.
public protocol PluginNetwork: Sendable {
    /// Creates (or re-addresses) the bridge with `address` ("198.51.100.1/28") and brings it up.
    func ensureBridge(_ bridge: String, address: String) async throws
    func removeBridge(_ bridge: String) async throws
    /// Creates namespace `namespace` (a file in /run/netns) with `eth0` = `address`/prefix,
    /// default route via `gateway`, the host end `hostLink` on `bridge`. Idempotent.
    func attach(namespace: String, hostLink: String, bridge: String, address: String, prefixLength: Int, gateway: String) async throws
    /// Removes the host link and the namespace; absent is fine.
    func detach(namespace: String, hostLink: String) async throws
    /// Path of a namespace for an OCI config.
    func path(ofNamespace namespace: String) -> String
}

/// `ip` (iproute2).
public struct IPPluginNetwork: PluginNetwork {
    let runner: any CommandRunner
    public init(runner: any CommandRunner) { self.runner = runner }

    public func path(ofNamespace namespace: String) -> String { "/run/netns/" + namespace }

    public func ensureBridge(_ bridge: String, address: String) async throws {
        let exists = try await runner.run(["ip", "link", "show", "dev", bridge], stdin: nil).status == 0
        if !exists { try await runner.check(["ip", "link", "add", bridge, "type", "bridge"]) }
        let shown = try await runner.check(["ip", "-4", "-o", "addr", "show", "dev", bridge])
        if !shown.contains(" \(address) ") {
            try await runner.check(["ip", "addr", "flush", "dev", bridge])
            try await runner.check(["ip", "addr", "add", address, "dev", bridge])
        }
        try await runner.check(["ip", "link", "set", bridge, "up"])
    }

    public func removeBridge(_ bridge: String) async throws {
        _ = try await runner.run(["ip", "link", "delete", bridge], stdin: nil)
    }

    public func attach(namespace: String, hostLink: String, bridge: String, address: String, prefixLength: Int, gateway: String) async throws {
        try await detach(namespace: namespace, hostLink: hostLink)
        try await runner.check(["ip", "netns", "add", namespace])
        let peer = hostLink + "p"
        try await runner.check(["ip", "link", "add", hostLink, "type", "veth", "peer", "name", peer])
        try await runner.check(["ip", "link", "set", peer, "netns", namespace])
        try await runner.check(["ip", "link", "set", hostLink, "master", bridge, "up"])
        let inside = ["ip", "-n", namespace]
        try await runner.check(inside + ["link", "set", peer, "name", "eth0"])
        try await runner.check(inside + ["addr", "add", "\(address)/\(prefixLength)", "dev", "eth0"])
        try await runner.check(inside + ["link", "set", "eth0", "up"])
        try await runner.check(inside + ["link", "set", "lo", "up"])
        try await runner.check(inside + ["route", "add", "default", "via", gateway])
    }

    public func detach(namespace: String, hostLink: String) async throws {
        _ = try await runner.run(["ip", "link", "delete", hostLink], stdin: nil)
        _ = try await runner.run(["ip", "netns", "delete", namespace], stdin: nil)
    }
}
