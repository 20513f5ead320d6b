import ArgumentParser
import WeftCLI
import WeftModel

/// `weft routes`: the static routes and those learned by eBGP.
struct RoutesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "routes", abstract: "List the routes (static and learned by eBGP).")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let routes = try await connection.client().json(.GET, "/api/routes")
        connection.emit(routes) { Records.table(routes, ["id", "cidr", "interface", "gateway", "tunnel", "enabled", "advertise", "description"]) }
    }
}
