import Crypto
import Hummingbird
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
        api.get("clientpacks") { _, _ in
            let state = controller.snapshot
            let topology = try Self.topology(state)
            var packs = JSONObject()
            for (index, address) in topology.clients.enumerated() {
                packs[address.description] = Self.present(address, sequence: index + 1, state.clientpacks.state(address.description))
            }
            return Reply.ok(.object(packs))
        }
        api.get("clientpacks/:name") { _, context in
            let state = controller.snapshot
            let (address, index) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(state))
            return Reply.ok(["clientpack": Self.present(address, sequence: index + 1, state.clientpacks.state(address.description))])
        }
        api.put("clientpack") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/clientpack",
                                                     known: ["name", "enabled", "checked_out", "regenerate", "compression", "auth_on", "psk_on"])
            let (address, index) = try Self.lookup(body.string("name", required: true)!, in: try Self.topology(controller.snapshot))
            try body.unsupported("regenerate", default: false, reason: "regenerating keys is not implemented yet")
            try body.unsupported("auth_on", default: false, reason: "clientpack authentication is not implemented")
            try body.unsupported("psk_on", default: false, reason: "preshared keys are not implemented")
            if let compression = try body.string("compression"), compression != "off" {
                throw APIError(.badRequest, "NotSupported", "\"compression\": \"\(compression)\" is not supported (WireGuard does not compress)")
            }
            let enabled = try body.bool("enabled")
            let checkedOut = try body.bool("checked_out")
            var packs = controller.snapshot.clientpacks
            var pack = packs.state(address.description)
            if let enabled { pack.enabled = enabled }
            if let checkedOut { pack.checkedOut = checkedOut }
            if pack != packs.state(address.description) {
                packs.byAddress[address.description] = pack
                let summary = [enabled.map { "enabled=\($0)" }, checkedOut.map { "checked_out=\($0)" }].compactMap { $0 }.joined(separator: " ")
                try controller.commit(context.principal, "clientpack.update", detail: "\(address) \(summary)") { db in
                    try Store.set(.clientpacks, packs, in: db)
                }
            }
            return Reply.ok(Self.present(address, sequence: index + 1, pack))
        }
        api.post("clientpack/:name") { request, context in
            let (address, _) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(controller.snapshot))
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/clientpack/{name}", known: ["key", "value"])
            let key = try body.string("key", required: true)!, value = try body.string("value", required: true)!
            guard !key.isEmpty, key.utf8.count <= 64, value.utf8.count <= 256 else {
                throw APIError.argument("Tag \"key\" must be 1 to 64 bytes and \"value\" at most 256")
            }
            var packs = controller.snapshot.clientpacks
            var pack = packs.state(address.description)
            pack.tags[key] = value
            packs.byAddress[address.description] = pack
            try controller.commit(context.principal, "clientpack.tag", detail: "\(address) \(key)") { db in try Store.set(.clientpacks, packs, in: db) }
            return Reply.ok(["name": .string(ClientpackName.name(address)), "tags": Self.tags(pack.tags)])
        }
        api.delete("clientpack/:name") { request, context in
            let (address, _) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(controller.snapshot))
            let body = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/clientpack/{name}", known: ["key"])
            let key = try body.string("key", required: true)!
            var packs = controller.snapshot.clientpacks
            var pack = packs.state(address.description)
            guard pack.tags.removeValue(forKey: key) != nil else { throw APIError.notFound("Clientpack \(ClientpackName.name(address)) has no tag \"\(key)\"") }
            packs.byAddress[address.description] = pack
            try controller.commit(context.principal, "clientpack.untag", detail: "\(address) \(key)") { db in try Store.set(.clientpacks, packs, in: db) }
            return Reply.ok(["name": .string(ClientpackName.name(address)), "tags": Self.tags(pack.tags)])
        }
        api.get("clientpack") { request, _ in
            guard let name = request.query("name") else { throw APIError.argument("Query \"name\" is required") }
            let format = request.query("fileformat") ?? request.query("format") ?? request.query("fileFormat") ?? "wireguard"
            return try download(name: name, format: format)
        }
        api.get("clientpack/:name") { request, context in
            var name = context.parameters.get("name") ?? ""
            var format = request.query("fileformat") ?? request.query("format") ?? request.query("fileFormat")
            for suffix in [".wireguard", ".wg", ".conf", ".ovpn", ".zip", ".tarball", ".tar.gz"] where name.hasSuffix(suffix) {
                name = String(name.dropLast(suffix.count))
                format = format ?? String(suffix.dropFirst())
            }
            return try download(name: name, format: format ?? "wireguard")
        }
        api.get("status/clients") { _, _ in
            let state = controller.snapshot
            guard let topology = state.topology, let keys = state.overlayKeys else { return Reply.ok(.object(JSONObject())) }
            let status = (try? await wireguard?.get()) ?? WireGuardDeviceStatus()
            let now = Store.now()
            var byKey: [String: WireGuardPeerStatus] = [:]
            for peer in status.peers { byKey[peer.publicKeyHex] = peer }
            var clients = JSONObject()
            for address in topology.clients {
                let text = address.description
                guard let base64 = keys.clients[text], let hex = WireGuardUAPI.hex(fromBase64: base64), let peer = byKey[hex],
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
    }

    func download(name: String, format: String) throws -> Response {
        let state = controller.snapshot
        let topology = try Self.topology(state)
        let (address, _) = try Self.lookup(name, in: topology)
        switch format {
        case "wireguard", "wg":
            guard let secrets = try controller.store.clientpackSecrets(address: address.description), let keys = state.overlayKeys else {
                throw APIError(.badRequest, "PrerequisiteError", "No keyset yet: PUT /api/keyset first")
            }
            let peerID = state.peering.id ?? 1
            let endpointIP = controller.options.publicIP?.description ?? controller.facts.facts.privateIP?.description ?? "127.0.0.1"
            let text = ClientpackFiles.wireguard(
                name: ClientpackName.name(address), privateKey: secrets.wireguardPrivateKey, address: address, overlay: topology.subnet,
                controller: .init(publicKey: keys.controllerPrivateKey(peerID: peerID).publicKey.rawRepresentation.base64EncodedString(),
                                  endpoint: "\(endpointIP):\(controller.options.wireguardPort)"),
                allowedIPs: [topology.subnet.description])
            return Reply.file(Array(text.utf8), contentType: "text/plain", filename: "\(ClientpackName.name(address)).conf")
        case "conf", "ovpn":
            let text = try openVPNConfig(address: address, topology: topology)
            return Reply.file(Array(text.utf8), contentType: "text/plain", filename: "\(ClientpackName.name(address)).\(format)")
        case "zip", "tarball", "tar.gz":
            throw APIError(.badRequest, "NotSupported", "fileformat \"\(format)\" is not implemented yet; use wireguard, conf or ovpn")
        default:
            throw APIError.argument("Unknown fileformat \"\(format)\"; use wireguard (wg), conf, ovpn, zip or tarball")
        }
    }

    /// The `.ovpn` of one clientpack: this controller as the first remote.
    func openVPNConfig(address: IPv4Address, topology: Topology) throws -> String {
        guard let secrets = try controller.store.clientpackSecrets(address: address.description) else {
            throw APIError(.badRequest, "PrerequisiteError", "No keyset yet: PUT /api/keyset first")
        }
        let endpointIP = controller.options.publicIP?.description ?? controller.facts.facts.privateIP?.description ?? "127.0.0.1"
        return OpenVPNFiles.client(name: ClientpackName.name(address), remotes: [endpointIP], ca: secrets.caCertificatePEM,
                                   certificate: secrets.certificatePEM, key: secrets.privateKeyPEM)
    }

    static func topology(_ state: DesiredState) throws -> Topology {
        guard let topology = state.topology, state.license?.finalized == true else {
            throw APIError(.forbidden, "PrerequisiteError", "Must be licensed first.")
        }
        return topology
    }

    /// A clientpack by name (`100_127_255_193` or `100.127.255.193`) → its address and index.
    static func lookup(_ name: String, in topology: Topology) throws -> (IPv4Address, Int) {
        guard let address = ClientpackName.address(name), let index = topology.clients.firstIndex(of: address) else {
            throw APIError.notFound("No clientpack named \(name)")
        }
        return (address, index)
    }

    static func tags(_ tags: [String: String]) -> JSONValue {
        var object = JSONObject()
        for key in tags.keys.sorted() { object[key] = .string(tags[key]!) }
        return .object(object)
    }

    static func present(_ address: IPv4Address, sequence: Int, _ pack: ClientpackState) -> JSONValue {
        let name = ClientpackName.name(address)
        return ["name": .string(name), "overlay_ipaddress": .string(address.description), "sequential_id": .int(sequence),
                "enabled": .bool(pack.enabled), "checked_out": .bool(pack.checkedOut), "status": "not_connected",
                "tags": tags(pack.tags), "wireguard_file": .string("\(name).conf")]
    }
}
