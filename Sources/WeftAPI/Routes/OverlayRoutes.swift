import Crypto
import Hummingbird
import WeftApp
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
            let live = controller.clientWatcher?.connected ?? [:]
            for (index, address) in topology.clients.enumerated() {
                packs[address.description] = Self.present(address, sequence: index + 1, state.clientpacks.state(address.description),
                                                          live: live[address.description], times: controller.clientWatcher?.lastTimes(address.description))
            }
            return Reply.ok(.object(packs))
        }
        api.get("clientpacks/:name") { _, context in
            let state = controller.snapshot
            let topology = try Self.topology(state)
            let (address, index) = try Self.lookup(context.parameters.get("name") ?? "", in: topology)
            let live = controller.clientWatcher?.connected[address.description]
            guard case .object(var pack) = Self.present(address, sequence: index + 1, state.clientpacks.state(address.description), live: live,
                                                        times: controller.clientWatcher?.lastTimes(address.description)) else { fatalError() }
            if state.overlayKeys != nil { for entry in try digests(address: address, topology: topology).entries { pack[entry.key] = entry.value } }
            return Reply.ok(["clientpack": .object(pack)])
        }
        api.get("clientpacks/:name/logs") { _, context in
            let (address, _) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(controller.snapshot))
            let events = controller.clientWatcher?.events(address.description) ?? []
            return Reply.ok(.array(events.map { event in
                ["event": .string(event.kind), "protocol": .string(event.protocolName), "endpoint": .string(event.endpoint),
                 "at": .string(Timestamps.iso8601(event.at)), "at_i": .int(event.at)]
            }))
        }
        api.put("clientpack") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/clientpack",
                                                     known: ["name", "enabled", "checked_out", "regenerate", "compression", "auth_on", "psk_on"])
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
                                                             principal: context.principal)
            return Reply.ok(Self.present(address, sequence: index + 1, pack))
        }
        api.post("clientpack/:name") { request, context in
            let (address, _) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(controller.snapshot))
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/clientpack/{name}", known: ["key", "value"])
            let key = try body.string("key", required: true)!, value = try body.string("value", required: true)!
            let pack = try controller.tagClientpack(address, key: key, value: value, principal: context.principal)
            return Reply.ok(["name": .string(ClientpackName.name(address)), "tags": Self.tags(pack.tags)])
        }
        api.delete("clientpack/:name") { request, context in
            let (address, _) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(controller.snapshot))
            let body = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/clientpack/{name}", known: ["key"])
            let key = try body.string("key", required: true)!
            let pack = try controller.tagClientpack(address, key: key, value: nil, principal: context.principal)
            return Reply.ok(["name": .string(ClientpackName.name(address)), "tags": Self.tags(pack.tags)])
        }
        api.put("clientpack/:name") { request, context in
            let (address, _) = try Self.lookup(context.parameters.get("name") ?? "", in: try Self.topology(controller.snapshot))
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/clientpack/{name}", known: ["disconnect"])
            guard try body.bool("disconnect") ?? true else { return Reply.ok(["overlay_ipaddress": .string(address.description)]) }
            try await disconnect(address)
            return Reply.ok(["disconnecting": .string(ClientpackName.name(address)), "overlay_ipaddress": .string(address.description)])
        }
        api.post("client/reset") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/client/reset", known: ["name", "disconnect"])
            let (address, _) = try Self.lookup(body.string("name", required: true)!, in: try Self.topology(controller.snapshot))
            if try body.bool("disconnect") ?? true { try await disconnect(address) }
            return Reply.ok(["disconnecting": .string(ClientpackName.name(address)), "overlay_ipaddress": .string(address.description)])
        }
        api.post("clients/reset_all") { request, context in
            _ = try await RequestFields.parse(request, context: context, endpoint: "POST /api/clients/reset_all", known: [])
            let topology = try Self.topology(controller.snapshot)
            var reset: [JSONValue] = []
            for address in topology.clients where try await disconnect(address) { reset.append(.string(address.description)) }
            return Reply.ok(["resetting": .array(reset)])
        }
        api.post("clientpacks/next_available") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/clientpacks/next_available",
                                                     known: ["low_ip", "high_ip", "include_disabled"])
            let topology = try Self.topology(controller.snapshot)
            let low = try body.string("low_ip").map { text -> IPv4Address in
                guard let address = IPv4Address(text) else { throw APIError.argument("Field \"low_ip\" must be an IPv4 address, got \"\(text)\"") }
                return address
            } ?? topology.clients.first!
            let high = try body.string("high_ip").map { text -> IPv4Address in
                guard let address = IPv4Address(text) else { throw APIError.argument("Field \"high_ip\" must be an IPv4 address, got \"\(text)\"") }
                return address
            } ?? topology.clients.last!
            guard low.value <= high.value else { throw APIError.argument("Empty range: low_ip \(low) is above high_ip \(high)") }
            let includeDisabled = try body.bool("include_disabled") ?? false
            var packs = controller.snapshot.clientpacks
            guard let (index, address) = topology.clients.enumerated().first(where: { _, address in
                let state = packs.state(address.description)
                return (low.value...high.value).contains(address.value) && !state.checkedOut && (state.enabled || includeDisabled)
            }) else {
                throw APIError(.notFound, "NotFound", "No clientpack left between \(low) and \(high) that is not checked out")
            }
            var pack = packs.state(address.description)
            pack.checkedOut = true
            packs.byAddress[address.description] = pack
            let frozen = packs
            try controller.commit(context.principal, "clientpack.next_available", detail: address.description) { db in try Store.set(.clientpacks, frozen, in: db) }
            return Reply.ok(Self.present(address, sequence: index + 1, pack))
        }
        api.put("clientpacks") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/clientpacks",
                                                     known: ["enabled", "checked_out", "compression", "auth_on", "psk_on", "async"])
            try body.unsupported("auth_on", default: false, reason: "clientpack authentication is not implemented")
            try body.unsupported("psk_on", default: false, reason: "preshared keys are not implemented")
            if let compression = try body.string("compression"), compression != "off" {
                throw APIError(.badRequest, "NotSupported", "\"compression\": \"\(compression)\" is not supported")
            }
            let enabled = try body.bool("enabled"), checkedOut = try body.bool("checked_out")
            let asynchronous = try body.bool("async") ?? false
            let topology = try Self.topology(controller.snapshot)
            var packs = controller.snapshot.clientpacks
            for address in topology.clients {
                var pack = packs.state(address.description)
                if let enabled { pack.enabled = enabled }
                if let checkedOut { pack.checkedOut = checkedOut }
                packs.byAddress[address.description] = pack
            }
            let frozen = packs
            let token = "\(Store.now())_\(FirewallRoutes.token())"
            try controller.commit(context.principal, "clientpacks.update",
                                  detail: "all: " + [enabled.map { "enabled=\($0)" }, checkedOut.map { "checked_out=\($0)" }].compactMap { $0 }.joined(separator: " ")) { db in
                try Store.set(.clientpacks, frozen, in: db)
                if asynchronous { try Store.createTask(token: token, kind: "clientpacks.update", in: db) }
            }
            if asynchronous {
                try controller.store.finishTask(token: token, ok: true, message: "\(topology.clients.count) clientpacks updated")
                return Reply.ok(.string(token))
            }
            return Reply.ok(["enabled": enabled.map { .bool($0) } ?? .null, "checked_out": checkedOut.map { .bool($0) } ?? .null])
        }
        api.post("clientpacks/add_clientpacks") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/clientpacks/add_clientpacks", known: ["requested_ips"])
            let text = try body.string("requested_ips", required: true)!
            let topology = try Self.topology(controller.snapshot)
            var addresses: [IPv4Address] = []
            for word in text.split(separator: ",").map({ $0.trimmed }).filter({ !$0.isEmpty }) {
                guard let address = IPv4Address(word) else { throw APIError.argument("requested_ips: \"\(word)\" is not an IPv4 address") }
                guard topology.subnet.contains(address) else { throw APIError.argument("requested_ips: \(address) is outside the overlay \(topology.subnet)") }
                guard topology.clients.contains(address) else {
                    throw APIError.argument("requested_ips: \(address) is a controller or reserved address of the topology, not a client address")
                }
                addresses.append(address)
            }
            guard !addresses.isEmpty else { throw APIError.argument("Field \"requested_ips\" is empty") }
            // Every client address of the topology already has its clientpack (made with the keyset):
            // the request is checked and recorded as a finished task.
            let token = "\(Store.now())_\(FirewallRoutes.token())"
            try controller.commit(context.principal, "clientpacks.add", detail: addresses.map(\.description).joined(separator: ",")) { db in
                try Store.createTask(token: token, kind: "clientpacks.add", in: db)
            }
            try controller.store.finishTask(token: token, ok: true, message: "\(addresses.count) clientpack(s) present")
            return Reply.ok(.string(token))
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
    }

    func download(name: String, format: String) throws -> Response {
        let state = controller.snapshot
        let topology = try Self.topology(state)
        let (address, _) = try Self.lookup(name, in: topology)
        switch format {
        case "wireguard", "wg":
            let text = try wireGuardConfig(address: address, topology: topology)
            return Reply.file(Array(text.utf8), contentType: "text/plain", filename: "\(ClientpackName.name(address))-wireguard.conf")
        case "conf", "ovpn":
            let text = try openVPNConfig(address: address, topology: topology)
            return Reply.file(Array(text.utf8), contentType: "text/plain", filename: "\(ClientpackName.name(address)).\(format)")
        case "zip":
            return Reply.file(Archive.zip(try archiveFiles(address: address, topology: topology)), contentType: "application/octet-stream",
                              filename: "\(ClientpackName.name(address)).zip")
        case "tarball", "tar.gz":
            return Reply.file(Archive.tarGz(try archiveFiles(address: address, topology: topology)), contentType: "application/x-gzip",
                              filename: "\(ClientpackName.name(address)).tar.gz")
        default:
            throw APIError.argument("Unknown fileformat \"\(format)\"; use wireguard (wg), conf, ovpn, zip or tarball")
        }
    }

    /// Ends the client's current session on both servers; it reconnects by itself unless
    /// its pack is disabled. Returns whether anything was connected.
    @discardableResult
    func disconnect(_ address: IPv4Address) async throws -> Bool {
        var found = false
        if let wireguard, let hex = controller.snapshot.overlayKeys?.clientHex[address.description] {
            let status = try await wireguard.get()
            if let peer = status.peers.first(where: { $0.publicKeyHex == hex }) {
                found = found || peer.lastHandshake > 0
                // Removing the peer drops its session; re-adding it at once lets it handshake again.
                try await wireguard.set(WireGuardUAPI.removePeer(publicKeyHex: hex) + WireGuardUAPI.peer(publicKeyHex: hex, allowedIPs: peer.allowedIPs))
            }
        }
        if let openvpn = controller.openvpn, (try? openvpn.management.kill(commonName: ClientpackName.name(address))) == true { found = true }
        controller.logger.info("clientpack disconnected", metadata: ["clientpack": "\(address)", "was_connected": "\(found)"])
        return found
    }

    func wireGuardConfig(address: IPv4Address, topology: Topology) throws -> String {
        let state = controller.snapshot
        guard let secrets = try controller.store.clientpackSecrets(address: address.description), let keys = state.overlayKeys else {
            throw APIError(.badRequest, "PrerequisiteError", "No keyset yet: PUT /api/keyset first")
        }
        let port = controller.options.wireguardPort
        let controllers = meshControllers(state, topology: topology).map { entry in
            ClientpackFiles.Failover(endpoint: "\(entry.endpoint):\(port)",
                                     publicKey: keys.controllerPrivateKey(peerID: entry.peerID).publicKey.rawRepresentation.base64EncodedString(),
                                     overlayAddress: entry.overlay)
        }
        return ClientpackFiles.wireguard(
            name: ClientpackName.name(address), privateKey: secrets.wireguardPrivateKey, address: address, overlay: topology.subnet,
            controller: .init(publicKey: controllers[0].publicKey, endpoint: controllers[0].endpoint),
            allowedIPs: [topology.subnet.description], failover: controllers.count > 1 ? controllers : [])
    }

    /// This controller first, then the peers of the mesh by id: (peer id, address, overlay address).
    func meshControllers(_ state: DesiredState, topology: Topology) -> [(peerID: Int, endpoint: String, overlay: String)] {
        let selfID = state.peering.id ?? 1
        var list = [(selfID, clientEndpoint, topology.managerAddress(peerID: selfID)?.description ?? "")]
        for peer in state.peers.peers where peer.finalized && peer.id != selfID {
            list.append((peer.id, peer.name, topology.managerAddress(peerID: peer.id)?.description ?? ""))
        }
        return list
    }

    /// Everything of one clientpack: `.ovpn`, `.conf` (OpenVPN, as VNS3 names it) and the WireGuard file.
    func archiveFiles(address: IPv4Address, topology: Topology) throws -> [Archive.File] {
        let name = ClientpackName.name(address)
        let ovpn = Array(try openVPNConfig(address: address, topology: topology).utf8)
        return [.init(name: "\(name).ovpn", bytes: ovpn), .init(name: "\(name).conf", bytes: ovpn),
                .init(name: "\(name)-wireguard.conf", bytes: Array(try wireGuardConfig(address: address, topology: topology).utf8))]
    }

    /// The SHA-1s of every download of one clientpack (stable: the archives are deterministic).
    func digests(address: IPv4Address, topology: Topology) throws -> JSONObject {
        let files = try archiveFiles(address: address, topology: topology)
        func sha1(_ bytes: [UInt8]) -> JSONValue { .string(Hex.encode(Insecure.SHA1.hash(data: bytes))) }
        return ["ovpn_sha1": sha1(files[0].bytes), "conf_sha1": sha1(files[1].bytes), "wireguard_sha1": sha1(files[2].bytes),
                "zip_sha1": sha1(Archive.zip(files)), "tarball_sha1": sha1(Archive.tarGz(files))]
    }

    /// The address clients are told to connect to: the public address `GET /api/config` reports.
    var clientEndpoint: String {
        controller.publicAddress?.description ?? "127.0.0.1"
    }

    /// The `.ovpn` of one clientpack: this controller as the first remote, then every peer.
    func openVPNConfig(address: IPv4Address, topology: Topology) throws -> String {
        guard let secrets = try controller.store.clientpackSecrets(address: address.description) else {
            throw APIError(.badRequest, "PrerequisiteError", "No keyset yet: PUT /api/keyset first")
        }
        let remotes = meshControllers(controller.snapshot, topology: topology).map(\.endpoint)
        return OpenVPNFiles.client(name: ClientpackName.name(address), remotes: remotes, ca: secrets.caCertificatePEM,
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

    /// A clientpack as the contract shapes it; `live` is the protocol it is connected with now.
    static func present(_ address: IPv4Address, sequence: Int, _ pack: ClientpackState, live: String? = nil,
                        times: (connect: Int?, disconnect: Int?)? = nil) -> JSONValue {
        let name = ClientpackName.name(address)
        return ["name": .string(name), "overlay_ipaddress": .string(address.description), "sequential_id": .int(sequence),
                "enabled": .bool(pack.enabled), "checked_out": .bool(pack.checkedOut),
                "status": .string(live == nil ? "not_connected" : "connected"), "protocol": live.map { .string($0) } ?? .null,
                "last_connect": .string(times?.connect.map { Timestamps.vns3($0) } ?? ""),
                "last_disconnect": .string(times?.disconnect.map { Timestamps.vns3($0) } ?? ""),
                "tags": tags(pack.tags), "linux_onefile": .string("\(name).conf"), "windows_onefile": .string("\(name).ovpn"),
                "wireguard_file": .string("\(name)-wireguard.conf"), "zip_file": .string("\(name).zip"),
                "tarball_file": .string("\(name).tar.gz")]
    }
}
