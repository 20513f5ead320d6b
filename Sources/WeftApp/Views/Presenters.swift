import Crypto
import Foundation
import WeftModel
import WeftStore

/// JSON shapes of the VNS3 API, built from desired state.
public enum Present {
    public static func address(_ address: IPv4Address) -> JSONValue {
        ["ip_address": .string(address.description), "octets": .array(address.octets.map { .int($0) })]
    }

    public static func topology(_ topology: Topology) -> JSONValue {
        let managers: [JSONValue] = topology.managers.enumerated().map { index, address in
            ["manager_id": .int(index + 1), "overlay_ipaddress": Present.address(address), "asn": .optional(topology.asn(peerID: index + 1))]
        }
        return [
            "managers": .array(managers),
            "clients": .array(topology.clients.map(Present.address)),
            "total_clients": .int(topology.clients.count),
            "overlay_max_clients": .int(topology.clients.count),
            "overlay_subnet": .string(topology.subnet.description),
            // Weft sets no licence limits on IPsec.
            "ipsec_max_endpoints": .int(65535),
            "ipsec_max_subnets": .int(65535),
        ]
    }

    public static func topologyChecksum(_ topology: Topology?) -> String {
        guard let topology else { return "" }
        let text = "\(topology.subnet)|\(topology.managers.map(\.description).joined(separator: ","))|\(topology.asns.map(String.init).joined(separator: ","))|\(topology.clients.first?.description ?? "")-\(topology.clients.last?.description ?? "")#\(topology.clients.count)"
        return Hex.encode(Insecure.SHA1.hash(data: Array(text.utf8)))
    }

    public static func config(_ state: DesiredState, facts: HostFacts, options: ControllerOptions) -> JSONValue {
        let peerID = state.peering.id ?? 1
        let privateIP = facts.privateIP?.description ?? ""
        return [
            "private_ipaddress": .string(privateIP),
            "public_ipaddress": .string(options.publicAddress(facts, setting: state.controller)?.description ?? ""),
            "overlay_ipaddress": .optional(state.topology?.managerAddress(peerID: peerID)?.description),
            "asn": .optional(state.topology?.asn(peerID: peerID)),
            "topology_checksum": .string(topologyChecksum(state.topology)),
            "vns3_version": .string(WeftVersion.vns3Compatible),
            "weft_version": .string(WeftVersion.weft),
            "topology_name": .string(state.controller.topologyName),
            "controller_name": .string(state.controller.controllerName),
            "ntp_hosts": .string(state.controller.ntpHosts),
            "licensed": .bool(state.licensed),
        ]
    }

    /// What Weft implements today, in place of licence "capabilities".
    public static let capabilities: JSONValue = ["keyset", "peering-id", "host-settings", "api-tokens"]

    public static func peering(_ state: DesiredState) -> JSONValue {
        var managers = JSONObject()
        for (index, address) in (state.topology?.managers ?? []).enumerated() {
            let id = index + 1
            var entry: JSONObject = ["id": .int(id), "overlay_ipaddress": .string(address.description)]
            if state.peering.id == id { entry["self"] = true } else { entry["not_set"] = true }
            managers[String(id)] = .object(entry)
        }
        return ["peered": .bool(state.peering.id != nil), "id": .optional(state.peering.id), "managers": .object(managers)]
    }

    public static func lifetime(_ seconds: Int) -> String {
        if seconds % 86400 == 0 { return "\(seconds / 86400)d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    public static func token(_ token: APIToken, secret: String? = nil, now: Int = Store.now()) -> JSONValue {
        [
            "id": .int(token.id),
            "token": .string(secret ?? "\(token.hint)…"),
            "name": .string(token.name),
            "lifetime": .string(lifetime(token.lifetime)),
            "refreshes": .bool(token.refreshes),
            "created_at": .string(Timestamps.iso8601(token.createdAt)),
            "created_ip": .string(token.createdIP),
            "expires_at": .string(Timestamps.iso8601(token.expiresAt)),
            "expired": .bool(!token.isValid(at: now)),
            "last_accessed_at": .optional(token.lastAccessedAt.map(Timestamps.iso8601)),
            "last_accessed_ip": .optional(token.lastAccessedIP),
        ]
    }
}
