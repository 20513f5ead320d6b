import WeftModel
import WeftStore

/// IPsec writes shared by `/api/ipsec/...` and the UI's IPsec page: every change validates
/// all of its input first, then rewrites the stored configuration in one transaction; the
/// reconciler loads the result into charon and BIRD.
extension Controller {
    /// One read-modify-write of the IPsec configuration, audited as `action` with the
    /// fields it changed (`endpoints.0.name "a" → "b"`; pre-shared keys only as changed).
    @discardableResult
    public func changeIpsec<T>(actor: String?, _ action: String, detail: String = "",
                               _ mutate: (inout IpsecConfig) throws -> T) throws -> T {
        try commit(actor, action, detail: detail, describing: { db -> (value: T, change: String) in
            let before = try Store.get(.ipsec, in: db) ?? IpsecConfig()
            var config = before
            let result = try mutate(&config)
            try Store.set(.ipsec, config, in: db)
            return (result, FieldChanges.describe(before, config))
        })
    }

    public static func endpointIndex(_ id: String?, in config: IpsecConfig) throws -> Int {
        guard let number = Int(id ?? ""), let index = config.endpointIndex(number) else {
            throw ValidationError(.notFound, "No IPsec endpoint \(id ?? "")")
        }
        return index
    }

    static func tunnelIndex(endpointID: String?, tunnelID: String?, trafficPair: Bool?, in config: IpsecConfig) throws -> (Int, Int) {
        let endpoint = try endpointIndex(endpointID, in: config)
        guard let id = Int(tunnelID ?? ""),
              let index = config.endpoints[endpoint].tunnels.firstIndex(where: { $0.id == id && (trafficPair == nil || $0.trafficPair == trafficPair) }) else {
            throw ValidationError(.notFound, "No \(trafficPair == true ? "traffic pair" : "tunnel") \(tunnelID ?? "") on this endpoint")
        }
        return (endpoint, index)
    }

    /// A new endpoint from validated fields; a route-based endpoint gets its one tunnel.
    public func createIpsecEndpoint(_ fields: InputFields, actor: String?) throws -> IpsecEndpoint {
        var endpoint = IpsecEndpoint(id: 0, name: "", address: "", psk: "")
        try IpsecInput.apply(fields, to: &endpoint, creating: true)
        return try changeIpsec(actor: actor, "ipsec.endpoint.create", detail: endpoint.name) { config -> IpsecEndpoint in
            endpoint.id = config.nextEndpointID
            try IpsecInput.check(endpoint, among: config)
            if endpoint.vpnType == .vti {
                // A route-based endpoint carries everything its routes send it: one tunnel with its selectors.
                endpoint.tunnels = [IpsecTunnel(id: config.nextTunnelID, localSubnet: endpoint.routeBasedLocal,
                                                remoteSubnet: endpoint.routeBasedRemote, description: "route-based")]
                config.nextTunnelID += 1
            }
            config.nextEndpointID += 1
            config.endpoints.append(endpoint)
            return endpoint
        }
    }

    /// Refused while a route goes through one of the endpoint's tunnels.
    public func deleteIpsecEndpoint(id: String?, actor: String?) throws {
        let routes = snapshot.routes.routes
        try changeIpsec(actor: actor, "ipsec.endpoint.delete", detail: id ?? "") { config in
            let index = try Self.endpointIndex(id, in: config)
            let tunnels = Set(config.endpoints[index].tunnels.map(\.id))
            if let route = routes.first(where: { $0.tunnel.map(tunnels.contains) ?? false }) {
                throw ValidationError(.conflict, "Route \(route.id) (\(route.cidr)) goes through this endpoint's tunnel \(route.tunnel!); delete the route first")
            }
            config.endpoints.remove(at: index)
        }
    }

    /// A tunnel (or traffic pair) on a policy endpoint; returns the endpoint.
    public func addIpsecTunnel(endpointID: String?, _ fields: InputFields, trafficPair: Bool, actor: String?) throws -> IpsecEndpoint {
        var tunnel = IpsecTunnel(id: 0, localSubnet: "", remoteSubnet: "", trafficPair: trafficPair)
        try IpsecInput.apply(fields, to: &tunnel, creating: true, overlay: snapshot.topology?.subnet)
        let kind = trafficPair ? "traffic_pairs" : "tunnels"
        return try changeIpsec(actor: actor, "ipsec.\(kind).create", detail: "\(tunnel.localSubnet) ↔ \(tunnel.remoteSubnet)") { config -> IpsecEndpoint in
            let index = try Self.endpointIndex(endpointID, in: config)
            guard config.endpoints[index].vpnType == .policy else {
                throw ValidationError(.argument, "Endpoint \(config.endpoints[index].id) is route-based (vti): it has one tunnel; send traffic into it with routes")
            }
            tunnel.id = config.nextTunnelID
            try IpsecInput.check(tunnel, in: config.endpoints[index])
            config.nextTunnelID += 1
            config.endpoints[index].tunnels.append(tunnel)
            return config.endpoints[index]
        }
    }

    /// Changes the fields present; a route-based tunnel's selectors follow its endpoint.
    public func updateIpsecTunnel(endpointID: String?, tunnelID: String?, trafficPair: Bool?, _ fields: InputFields,
                                  actor: String?, action: String? = nil) throws -> IpsecTunnel {
        let overlay = snapshot.topology?.subnet
        let kind = trafficPair == true ? "traffic_pairs" : "tunnels"
        return try changeIpsec(actor: actor, action ?? "ipsec.\(kind).update", detail: tunnelID ?? "") { config -> IpsecTunnel in
            let (endpoint, index) = try Self.tunnelIndex(endpointID: endpointID, tunnelID: tunnelID, trafficPair: trafficPair, in: config)
            var tunnel = config.endpoints[endpoint].tunnels[index]
            let selectors = (tunnel.localSubnet, tunnel.remoteSubnet)
            try IpsecInput.apply(fields, to: &tunnel, creating: false, overlay: overlay)
            if config.endpoints[endpoint].vpnType == .vti, (tunnel.localSubnet, tunnel.remoteSubnet) != selectors {
                throw ValidationError(.argument, "The selectors of a route-based endpoint's tunnel follow route_based_local/route_based_remote; change the endpoint")
            }
            try IpsecInput.check(tunnel, in: config.endpoints[endpoint])
            config.endpoints[endpoint].tunnels[index] = tunnel
            return tunnel
        }
    }

    /// Enables or disables a tunnel or traffic pair (`trafficPair` nil: either).
    public func setIpsecTunnelEnabled(endpointID: String?, tunnelID: String?, trafficPair: Bool?, _ enabled: Bool, actor: String?) throws -> IpsecTunnel {
        let isPair = trafficPair ?? (Int(tunnelID ?? "").flatMap { snapshot.ipsec.tunnel($0) }?.tunnel.trafficPair == true)
        let action = isPair ? "ipsec.traffic_pairs.\(enabled ? "enable" : "disable")" : "ipsec.tunnels.update"
        let fields = InputFields(object: ["enabled": .bool(enabled)], endpoint: "PUT /api/ipsec/endpoints/{endpoint_id}/tunnels/{tunnel_id}")
        return try updateIpsecTunnel(endpointID: endpointID, tunnelID: tunnelID, trafficPair: trafficPair, fields, actor: actor, action: action)
    }

    /// Removes a policy endpoint's tunnel; refused while a route goes through it.
    public func deleteIpsecTunnel(endpointID: String?, tunnelID: String?, trafficPair: Bool?, actor: String?) throws -> IpsecEndpoint {
        let routes = snapshot.routes.routes
        let kind = trafficPair == true ? "traffic_pairs" : "tunnels"
        return try changeIpsec(actor: actor, "ipsec.\(kind).delete", detail: tunnelID ?? "") { config -> IpsecEndpoint in
            let (endpoint, index) = try Self.tunnelIndex(endpointID: endpointID, tunnelID: tunnelID, trafficPair: trafficPair, in: config)
            guard config.endpoints[endpoint].vpnType == .policy else {
                throw ValidationError(.argument, "A route-based endpoint's tunnel goes with the endpoint; delete the endpoint")
            }
            let id = config.endpoints[endpoint].tunnels[index].id
            if let route = routes.first(where: { $0.tunnel == id }) {
                throw ValidationError(.conflict, "Route \(route.id) (\(route.cidr)) goes through tunnel \(id); delete the route first")
            }
            config.endpoints[endpoint].tunnels.remove(at: index)
            return config.endpoints[endpoint]
        }
    }

    /// The address charon uses as this side's (empty: the private address); it can change
    /// only while no endpoint exists.
    public func setIpsecLocalAddress(_ text: String, actor: String?) throws {
        let address = text.trimmed.isEmpty ? "" : try IpsecInput.address(text, field: "ipsec_local_ipaddress")
        try changeIpsec(actor: actor, "ipsec.local_address", detail: address) { config in
            guard config.endpoints.isEmpty || config.localAddress == address else {
                throw ValidationError(.state, "Field \"ipsec_local_ipaddress\" can only change while no endpoints exist")
            }
            config.localAddress = address
        }
    }

    /// Restarts charon (every IKE SA is renegotiated), recorded in the audit log.
    public func restartIpsec(actor: String?) async throws {
        try commit(actor, "ipsec.restart") { _ in }
        await ipsec?.restart()
        reconciler.wake()
    }
}
