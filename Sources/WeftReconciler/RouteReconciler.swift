import WeftModel
import WeftStore
import WeftSystem

/// Kernel routes Weft owns (protocol 250 in the main table): the user's routes with a
/// next hop, and — with kernel-libipsec — the remote subnets of policy tunnels and the
/// link addresses of route-based endpoints on `ipsec0`. Adds and replaces first, then
/// removes Weft routes nobody wants any more; never touches other routes.
public struct RouteReconciler: SubsystemReconciler {
    public let name = "routes"
    let tool: IPRouteTool
    let ipsec: IpsecReconciler?

    public init(runner: any CommandRunner, ipsec: IpsecReconciler?) {
        tool = IPRouteTool(runner: runner)
        self.ipsec = ipsec
    }

    /// The routes and `ipsec0` addresses the configuration asks for.
    public static func plan(_ desired: DesiredState, mode: IpsecKernelMode?) -> (routes: [KernelRoute], linkAddresses: [String]) {
        let device = IpsecKernelMode.libipsecDevice
        var routes: [KernelRoute] = []
        var links: [String] = []
        if mode == .libipsec {
            for endpoint in desired.ipsec.endpoints {
                if endpoint.vpnType == .vti, !endpoint.linkAddress.isEmpty { links.append(endpoint.linkAddress) }
                guard endpoint.vpnType == .policy else { continue }
                for tunnel in endpoint.tunnels where tunnel.enabled {
                    routes.append(KernelRoute(destination: IPv4Network(tunnel.remoteSubnet)?.description ?? tunnel.remoteSubnet, device: device))
                }
            }
        }
        for route in desired.routes.routes where route.enabled && !route.isAdvertisementOnly {
            guard let network = route.network else { continue }
            if let tunnel = route.tunnel {
                guard mode == .libipsec, let owner = desired.ipsec.tunnel(tunnel), owner.tunnel.enabled else { continue }
                routes.append(KernelRoute(destination: network.description, device: device, metric: route.metric))
            } else {
                routes.append(KernelRoute(destination: network.description, device: route.hasInterface ? route.interface : nil,
                                          gateway: route.hasGateway ? route.gateway : nil, metric: route.metric))
            }
        }
        // One route per destination and metric: the first wins (conflicts were refused at the API).
        var seen: Set<String> = []
        routes = routes.filter { seen.insert("\($0.destination) \($0.metric)").inserted }
        return (routes, links)
    }

    /// A kernel route is what was asked for; the kernel fills in the device of a gateway route.
    static func satisfies(_ present: KernelRoute, _ wanted: KernelRoute) -> Bool {
        present.destination == wanted.destination && present.metric == wanted.metric && present.gateway == wanted.gateway
            && (wanted.device == nil || wanted.device == present.device)
    }

    public func reconcile(_ desired: DesiredState, apply: Bool) async throws -> [Change] {
        let mode = ipsec?.mode
        let (wanted, links) = Self.plan(desired, mode: mode)
        let present = (try? await tool.weftRoutes()) ?? []
        let device = IpsecKernelMode.libipsecDevice
        let presentLinks = try await tool.addresses(device: device)
        var changes: [Change] = []
        let missingLinks = links.filter { !(presentLinks ?? []).contains($0) }
        let staleLinks = (presentLinks ?? []).filter { !links.contains($0) }
        let usable = wanted.filter { $0.device != device || presentLinks != nil }
        let missing = usable.filter { route in !present.contains { Self.satisfies($0, route) } }
        let stale = present.filter { route in !wanted.contains { Self.satisfies(route, $0) } }
        if presentLinks != nil {
            for address in missingLinks { changes.append(Change(name, "address \(address) on \(device)")) }
            for address in staleLinks { changes.append(Change(name, "remove address \(address) from \(device)")) }
        }
        for route in missing { changes.append(Change(name, "route \(route.arguments.joined(separator: " "))")) }
        for route in stale { changes.append(Change(name, "remove route \(route.arguments.joined(separator: " "))")) }
        guard apply else { return changes }
        if presentLinks != nil {
            for address in missingLinks { try await tool.addAddress(address, device: device) }
        }
        var failures: [String] = []
        for route in missing {
            do { try await tool.replace(route) } catch { failures.append("\(route.destination): \(error)") }
        }
        for route in stale { try? await tool.delete(route) }
        if presentLinks != nil {
            for address in staleLinks { try? await tool.deleteAddress(address, device: device) }
        }
        if !failures.isEmpty { throw SystemError.io("routes not installed: \(failures.joined(separator: "; "))") }
        return changes
    }
}
