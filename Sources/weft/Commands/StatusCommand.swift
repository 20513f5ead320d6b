import ArgumentParser
import Foundation
import WeftCLI
import WeftModel

/// `weft status`: the controller, its subsystems and the connected clients with their
/// latest handshake and transfer, laid out like `wg show`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a controller's subsystems and connected clients.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try connection.client()
        let config = try await client.json(.GET, "/api/config")
        let status = try await client.json(.GET, "/api/status")
        let clients = try await client.json(.GET, "/api/status/clients")
        connection.emit(["config": config, "status": status, "clients": clients]) {
            Self.text(config: config, status: status, clients: clients, now: Int(Date().timeIntervalSince1970))
        }
    }

    static func text(config: JSONValue, status: JSONValue, clients: JSONValue, now: Int) -> String {
        let t = Output.text
        let weft = status["weft"]
        var out = "controller: \(t(config["controller_name"])) (topology \(t(config["topology_name"])))\n"
        out += "  version: weft \(t(weft?["version"])), API \(t(config["vns3_version"]))\n"
        out += "  addresses: private \(t(config["private_ipaddress"])), public \(t(config["public_ipaddress"])), overlay \(t(config["overlay_ipaddress"]))\n"
        out += "  licensed: \(t(config["licensed"])), generation \(t(weft?["generation"])), mode \(t(weft?["mode"]))\n"
        let subsystems = Output.entries(weft?["subsystems"])
        if !subsystems.isEmpty {
            out += "\nsubsystems:\n"
            var table = Table(["  name", "status", "applied", "message"])
            for (name, value) in subsystems {
                table.add(["  " + name, t(value["status"]), t(value["applied_generation"]), value["message"].map { t($0) } ?? ""])
            }
            out += table.text
        }
        let connected = Output.entries(clients)
        out += "\nclients: \(connected.count) connected\n"
        for (address, client) in connected {
            out += "\nclient: \(address)\n"
            out += "  protocol: \(t(client["protocol"]))\n"
            if case .string(let endpoint)? = client["ipaddress"] { out += "  endpoint: \(endpoint)\n" }
            if case .int(let at)? = client["last_handshake_i"] {
                out += "  latest handshake: \(WireGuardText.ago(seconds: at > 0 ? now - at : nil))\n"
            } else if case .int(let since)? = client["connected_since_i"] {
                out += "  connected: \(WireGuardText.ago(seconds: now - since))\n"
            }
            if case .int(let rx)? = client["rx_bytes"], case .int(let tx)? = client["tx_bytes"] {
                out += "  transfer: \(WireGuardText.bytes(rx)) received, \(WireGuardText.bytes(tx)) sent\n"
            }
            let tags = Output.entries(client["tags"])
            if !tags.isEmpty { out += "  tags: \(tags.map { "\($0.key)=\(t($0.value))" }.joined(separator: ", "))\n" }
        }
        return out
    }
}
