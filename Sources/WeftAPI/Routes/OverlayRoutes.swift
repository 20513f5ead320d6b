import Crypto
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftReconciler
import WeftStore
import WeftSystem

/// Clientpacks (one per client address of the topology) and the overlay's live status.
/// This part covers WireGuard: list, get, enable/disable and check-out/check-in, tags,
/// the WireGuard download, and connected clients from the device's UAPI.
struct OverlayRoutes {
    let controller: Controller
    let wireguard: (any WireGuardControl)?

    func register(_ api: APIGroup) {
        api.get("clientpacks", use: list)
        api.get("clientpacks/:name", use: show)
        api.get("clientpacks/:name/logs", use: logs)
        api.put("clientpack", use: update)
        api.post("clientpack/:name", use: tag)
        api.delete("clientpack/:name", use: untag)
        api.put("clientpack/:name", use: updateByName)
        api.post("client/reset", use: resetClient)
        api.post("clients/reset_all", use: resetAll)
        api.post("clientpacks/next_available", use: nextAvailable)
        api.put("clientpacks", use: updateAll)
        api.post("clientpacks/add_clientpacks", use: addClientpacks)
        api.get("clientpack", use: download)
        api.get("clientpack/:name", use: downloadByName)
        api.get("status/clients", use: connectedClients)
    }

    @Sendable func list(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let state = controller.snapshot
        let topology = try Self.topology(state)
        var packs = JSONObject()
        let live = controller.clientWatcher?.connected ?? [:]
        for (index, address) in topology.clients.enumerated() {
            packs[address.description] = Self.present(address, sequence: index + 1, state.clientpacks.state(address.description),
                                                      live: live[address.description], times: controller.clientWatcher?.lastTimes(address.description))
        }
        return Reply.ok(.object(packs))
    }

    @Sendable func show(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let state = controller.snapshot
        let topology = try Self.topology(state)
        let (address, index) = try Self.lookup(context.parameters.get("name") ?? "", in: topology)
        let live = controller.clientWatcher?.connected[address.description]
        guard case .object(var pack) = Self.present(address, sequence: index + 1, state.clientpacks.state(address.description), live: live,
                                                    times: controller.clientWatcher?.lastTimes(address.description)) else { fatalError() }
        pack["groups"] = .array(controller.clientGroups(of: address).map { .string($0) })
        if state.overlayKeys != nil { for (key, digest) in try controller.clientpackDigests(address: address, topology: topology) { pack[key] = .string(digest) } }
        return Reply.ok(["clientpack": .object(pack)])
    }

    @Sendable func logs(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let (address, _) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(controller.snapshot))
        let events = controller.clientWatcher?.events(address.description) ?? []
        return Reply.ok(.array(events.map { event in
            ["event": .string(event.kind), "protocol": .string(event.protocolName), "endpoint": .string(event.endpoint),
             "at": .string(Timestamps.iso8601(event.at)), "at_i": .int(event.at)]
        }))
    }

    @Sendable func update(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/clientpack",
                                                 known: ClientpackIdentity.Change.fieldNames.union(
                                                     ["name", "enabled", "checked_out", "regenerate", "compression", "auth_on", "psk_on"]))
        let (address, index) = try Self.lookup(body.string("name", required: true)!, in: try Self.topology(controller.snapshot))
        try body.unsupported("auth_on", default: false, reason: "clientpack authentication is not implemented")
        try body.unsupported("psk_on", default: false, reason: "preshared keys are not implemented")
        if let compression = try body.string("compression"), compression != "off" {
            throw APIError(.badRequest, "NotSupported", "\"compression\": \"\(compression)\" is not supported (WireGuard does not compress)")
        }
        let enabled = try body.bool("enabled")
        let checkedOut = try body.bool("checked_out")
        let regenerate = try body.bool("regenerate") ?? false
        let pack = try await controller.updateClientpack(address, enabled: enabled, checkedOut: checkedOut, regenerate: regenerate,
                                                         identity: try ClientpackIdentity.Change(body), principal: context.principal)
        return Reply.ok(Self.present(address, sequence: index + 1, pack))
    }

    @Sendable func tag(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let (address, _) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(controller.snapshot))
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/clientpack/{name}", known: ["key", "value"])
        let key = try body.string("key", required: true)!, value = try body.string("value", required: true)!
        let pack = try await controller.tagClientpack(address, key: key, value: value, principal: context.principal)
        return Reply.ok(["name": .string(ClientpackName.name(address)), "tags": Self.tags(pack.tags)])
    }

    @Sendable func untag(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let (address, _) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(controller.snapshot))
        let body = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/clientpack/{name}", known: ["key"])
        let key = try body.string("key", required: true)!
        let pack = try await controller.tagClientpack(address, key: key, value: nil, principal: context.principal)
        return Reply.ok(["name": .string(ClientpackName.name(address)), "tags": Self.tags(pack.tags)])
    }

    @Sendable func updateByName(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let (address, _) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(controller.snapshot))
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/clientpack/{name}", known: ["disconnect"])
        guard try body.bool("disconnect") ?? true else { return Reply.ok(["overlay_ipaddress": .string(address.description)]) }
        try await disconnect(address)
        return Reply.ok(["disconnecting": .string(ClientpackName.name(address)), "overlay_ipaddress": .string(address.description)])
    }

    @Sendable func resetClient(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/client/reset", known: ["name", "disconnect"])
        let (address, _) = try Self.lookup(body.string("name", required: true)!, in: try Self.topology(controller.snapshot))
        if try body.bool("disconnect") ?? true { try await disconnect(address) }
        return Reply.ok(["disconnecting": .string(ClientpackName.name(address)), "overlay_ipaddress": .string(address.description)])
    }

    @Sendable func resetAll(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        _ = try await RequestFields.parse(request, context: context, endpoint: "POST /api/clients/reset_all", known: [])
        let topology = try Self.topology(controller.snapshot)
        var reset: [JSONValue] = []
        for address in topology.clients where try await disconnect(address) { reset.append(.string(address.description)) }
        return Reply.ok(["resetting": .array(reset)])
    }

    @Sendable func nextAvailable(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/clientpacks/next_available",
                                                 known: ["low_ip", "high_ip", "include_disabled"])
        let (address, index, pack) = try controller.checkOutNextClientpack(low: try body.string("low_ip"), high: try body.string("high_ip"),
                                                                           includeDisabled: try body.bool("include_disabled") ?? false,
                                                                           actor: context.principal)
        return Reply.ok(Self.present(address, sequence: index + 1, pack))
    }

    @Sendable func updateAll(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/clientpacks",
                                                 known: ClientpackIdentity.Change.fieldNames.union(
                                                     ["enabled", "checked_out", "compression", "auth_on", "psk_on", "async"]))
        try body.unsupported("auth_on", default: false, reason: "clientpack authentication is not implemented")
        try body.unsupported("psk_on", default: false, reason: "preshared keys are not implemented")
        if let compression = try body.string("compression"), compression != "off" {
            throw APIError(.badRequest, "NotSupported", "\"compression\": \"\(compression)\" is not supported")
        }
        let enabled = try body.bool("enabled"), checkedOut = try body.bool("checked_out")
        let token = try controller.updateAllClientpacks(enabled: enabled, checkedOut: checkedOut, identity: try ClientpackIdentity.Change(body),
                                                        asynchronous: try body.bool("async") ?? false, actor: context.principal)
        if let token { return Reply.ok(.string(token)) }
        return Reply.ok(["enabled": enabled.map { .bool($0) } ?? .null, "checked_out": checkedOut.map { .bool($0) } ?? .null])
    }

    @Sendable func addClientpacks(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/clientpacks/add_clientpacks", known: ["requested_ips"])
        let token = try controller.addClientpacks(requestedIPs: try body.string("requested_ips", required: true)!, actor: context.principal)
        return Reply.ok(.string(token))
    }

    @Sendable func download(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        guard let name = request.query("name") else { throw APIError.argument("Query \"name\" is required") }
        let format = request.query("fileformat") ?? request.query("format") ?? request.query("fileFormat") ?? "wireguard"
        return try download(name: name, format: format)
    }

    @Sendable func downloadByName(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        var name = context.parameters.get("name") ?? ""
        var format = request.query("fileformat") ?? request.query("format") ?? request.query("fileFormat")
        for suffix in [".wireguard", ".wg", ".conf", ".ovpn", ".zip", ".tarball", ".tar.gz"] where name.hasSuffix(suffix) {
            name = String(name.dropLast(suffix.count))
            format = format ?? String(suffix.dropFirst())
        }
        return try download(name: name, format: format ?? "wireguard")
    }

    @Sendable func connectedClients(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let state = controller.snapshot
        guard let topology = state.topology, let keys = state.overlayKeys else { return Reply.ok(.object(JSONObject())) }
        let status = (try? await wireguard?.get()) ?? WireGuardDeviceStatus()
        let now = Store.now()
        var byKey: [String: WireGuardPeerStatus] = [:]
        for peer in status.peers { byKey[peer.publicKeyHex] = peer }
        var clients = JSONObject()
        for address in topology.clients {
            let text = address.description
            guard let hex = keys.clientHex[text], let peer = byKey[hex],
                  peer.lastHandshake > 0, now - peer.lastHandshake < 180 else { continue }
            clients[text] = [
                "overlay_ipaddress": .string(text), "managerid": .int(state.peering.id ?? 1),
                "ipaddress": .optional(peer.endpoint.map { String($0.split(separator: ":").first ?? "") }),
                "protocol": "wireguard", "last_handshake_i": .int(peer.lastHandshake),
                "rx_bytes": .int(peer.rxBytes), "tx_bytes": .int(peer.txBytes),
                "tags": Self.tags(state.clientpacks.state(text).tags),
            ]
        }
        for client in controller.openvpn?.connectedClients() ?? [] {
            guard let address = ClientpackName.address(client.commonName), topology.clients.contains(address) else { continue }
            clients[address.description] = [
                "overlay_ipaddress": .string(address.description), "managerid": .int(state.peering.id ?? 1),
                "ipaddress": .string(String(client.realAddress.split(separator: ":").first ?? "")),
                "protocol": "openvpn", "connected_since_i": .int(client.connectedSince),
                "rx_bytes": .int(client.rxBytes), "tx_bytes": .int(client.txBytes),
                "tags": Self.tags(state.clientpacks.state(address.description).tags),
            ]
        }
        return Reply.ok(.object(clients))
    }


    /// One clientpack file as the SDK downloads it (`Controller.clientpackDownload`).
    func download(name: String, format: String) throws -> Response {
        let file = try controller.clientpackDownload(name: name, format: format)
        return Reply.file(file.bytes, contentType: file.contentType, filename: file.filename)
    }

    /// Ends the client's current session (`Controller.disconnectClient`).
    @discardableResult
    func disconnect(_ address: IPv4Address) async throws -> Bool {
        try await controller.disconnectClient(address)
    }

    static func topology(_ state: DesiredState) throws -> Topology { try Controller.clientTopology(state) }

    static func lookup(_ name: String, in topology: Topology) throws -> (IPv4Address, Int) {
        try Controller.clientpack(named: name, in: topology)
    }

    static func tags(_ tags: [String: String]) -> JSONValue {
        var object = JSONObject()
        for key in tags.keys.sorted() { object[key] = .string(tags[key]!) }
        return .object(object)
    }

    /// A clientpack as the contract shapes it; `live` is the protocol it is connected with now.
    static func present(_ address: IPv4Address, sequence: Int, _ pack: ClientpackState, live: String? = nil,
                        times: (connect: Int?, disconnect: Int?)? = nil) -> JSONValue {
        let name = ClientpackName.name(address)
        return ["name": .string(name), "overlay_ipaddress": .string(address.description), "sequential_id": .int(sequence),
                "enabled": .bool(pack.enabled), "checked_out": .bool(pack.checkedOut),
                "status": .string(live == nil ? "not_connected" : "connected"), "protocol": live.map { .string($0) } ?? .null,
                "last_connect": .string(times?.connect.map { Timestamps.vns3($0) } ?? ""),
                "last_disconnect": .string(times?.disconnect.map { Timestamps.vns3($0) } ?? ""),
                "tags": tags(pack.tags), "owner": .string(pack.owner), "description": .string(pack.description),
                "expires_at": pack.expiresAt.map { JSONValue.string(RFC3339.format($0)) } ?? JSONValue.null, "linux_onefile": .string("\(name).conf"), "windows_onefile": .string("\(name).ovpn"),
                "wireguard_file": .string("\(name)-wireguard.conf"), "zip_file": .string("\(name).zip"),
                "tarball_file": .string("\(name).tar.gz")]
    }
}
