import ArgumentParser
import WeftCLI
import WeftModel

/// `weft peer list|add|remove`: the controller mesh (`/api/peering`).
struct PeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer", abstract: "The mesh of peered controllers.", subcommands: [List.self, Add.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the mesh's managers and their links.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let peering = try await connection.client().json(.GET, "/api/peering")
            connection.emit(peering) {
                "this controller: \(peering["id"].map { Output.text($0) } ?? "-") (peered \(Output.text(peering["peered"])))\n"
                    + Records.table(peering["managers"], ["id", "overlay_ipaddress", "address", "link_up", "bgp_state", "routes_received"])
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Peer with another controller of the topology.")
        @Argument(help: "The peer's controller id (1-16).") var id: Int
        @Argument(help: "The peer's address (host or IP).") var address: String
        @Option(help: "The overlay MTU of the link.") var mtu: Int?
        @Flag(help: "Add even if the peer does not answer yet.") var force = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var body: JSONObject = ["id": .int(id), "name": .string(address)]
            if let mtu { body["overlay_mtu"] = .int(mtu) }
            if force { body["force"] = true }
            let answer = try await connection.client().json(.POST, "/api/peering/peers", body: .object(body))
            connection.emit(answer) { "peer \(id) (\(address)) added\n" }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a peer.")
        @Argument(help: "The peer's controller id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let answer = try await connection.client().json(.DELETE, "/api/peering/peers/\(id)")
            connection.emit(answer) { "peer \(id) removed\n" }
        }
    }
}
