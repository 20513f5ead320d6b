import Foundation
import WeftModel

/// A kernel route as `ip -j route` reports it (the parts Weft manages).
public struct KernelRoute: Sendable, Equatable, Hashable {
    public var destination: String
    public var device: String?
    public var gateway: String?
    public var metric: Int

    public init(destination: String, device: String? = nil, gateway: String? = nil, metric: Int = 0) {
        self.destination = destination
        self.device = device
        self.gateway = gateway
        self.metric = metric
    }

    /// `ip route` arguments after the verb.
    public var arguments: [String] {
        var words = [destination]
        if let gateway { words += ["via", gateway] }
        if let device { words += ["dev", device] }
        words += ["metric", String(metric)]
        return words
    }
}

/// Routes and addresses through iproute2, in the daemon's network namespace. Weft's own
/// routes carry protocol number `protocolID`, so they can be listed and removed without
/// touching anyone else's.
public struct IPRouteTool: Sendable {
    public static let protocolID = "250"
    let runner: any CommandRunner

    public init(runner: any CommandRunner) { self.runner = runner }

    public func weftRoutes() async throws -> [KernelRoute] {
        let text = try await runner.check(["ip", "-j", "route", "show", "table", "main", "proto", Self.protocolID])
        guard let data = text.data(using: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
              let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.compactMap { entry in
            guard var destination = entry["dst"] as? String else { return nil }
            if destination == "default" { destination = "0.0.0.0/0" }
            if !destination.contains("/") { destination += "/32" }
            return KernelRoute(destination: destination, device: entry["dev"] as? String, gateway: entry["gateway"] as? String,
                               metric: entry["metric"] as? Int ?? 0)
        }
    }

    public func replace(_ route: KernelRoute) async throws {
        try await runner.check(["ip", "route", "replace"] + route.arguments + ["proto", Self.protocolID])
    }

    public func delete(_ route: KernelRoute) async throws {
        try await runner.check(["ip", "route", "delete"] + route.arguments + ["proto", Self.protocolID])
    }

    /// IPv4 addresses on a device ("169.254.10.1/30"); nil when the device does not exist.
    public func addresses(device: String) async throws -> [String]? {
        let result = try await runner.run(["ip", "-j", "-4", "addr", "show", "dev", device], stdin: nil)
        guard result.status == 0 else { return nil }
        guard let data = result.stdout.data(using: .utf8),
              let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.flatMap { entry in
            ((entry["addr_info"] as? [[String: Any]]) ?? []).compactMap { info in
                guard let local = info["local"] as? String, let length = info["prefixlen"] as? Int else { return nil }
                return "\(local)/\(length)"
            }
        }
    }

    public func addAddress(_ address: String, device: String) async throws {
        try await runner.check(["ip", "addr", "replace", address, "dev", device])
    }

    public func deleteAddress(_ address: String, device: String) async throws {
        try await runner.check(["ip", "addr", "del", address, "dev", device])
    }
}
