import ArgumentParser
import WeftCLI
import WeftModel

/// `weft ipsec list|show|status`: IPsec endpoints and the state of their tunnels.
struct IpsecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipsec", abstract: "IPsec endpoints and tunnels.", subcommands: [List.self, Show.self, Status.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the IPsec endpoints.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let system = try await connection.client().json(.GET, "/api/ipsec")
            connection.emit(system) {
                let local = system["this_endpoint"]
                return "this endpoint: \(Output.text(local?["ipaddress"])) (asn \(Output.text(local?["asn"])), kernel \(Output.text(local?["kernel_mode"])))\n"
                    + Records.table(system["remote_endpoints"], ["id", "name", "ipaddress", "ike_version", "vpn_type", "description"])
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one endpoint with its tunnels and eBGP peers.")
        @Argument(help: "The endpoint's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let endpoint = try await connection.client().json(.GET, "/api/ipsec/endpoints/\(id)")
            connection.emit(endpoint) {
                var out = ""
                for (key, value) in Output.entries(endpoint) where !["tunnels", "traffic_pairs", "bgp_peers", "psk"].contains(key) {
                    out += "\(key): \(Output.text(value))\n"
                }
                out += "psk: (hidden; see --json)\n\ntunnels:\n" + Records.table(endpoint["tunnels"], ["id", "local_subnet", "remote_subnet", "enabled", "description"])
                out += "\nebgp peers:\n" + Records.table(endpoint["bgp_peers"], ["id", "ipaddress", "asn", "description"])
                return out
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show whether each tunnel is connected, and why not.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let status = try await connection.client().json(.GET, "/api/status/ipsec?up_down_status_only=true")
            connection.emit(status) { Records.table(status, ["id", "endpoint_name", "local_subnet", "remote_subnet", "connected", "reason"]) }
        }
    }
}
