import ArgumentParser
import WeftCLI
import WeftModel

/// `weft token create|list|revoke`: API tokens (`/api/access/token`).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "API tokens.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token; its secret is printed once.")
        @Option(help: "A name for the token.") var name: String?
        @Option(help: "Lifetime in seconds.") var expires: Int?
        @Flag(help: "Each use extends the lifetime.") var refreshes = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var body = JSONObject()
            if let name { body["name"] = .string(name) }
            if let expires { body["expires"] = .int(expires) }
            if refreshes { body["refreshes"] = true }
            let token = try await connection.client().json(.POST, "/api/access/token", body: .object(body))
            connection.emit(token) { "token \(Output.text(token["id"])): \(Output.text(token["token"]))\n  (shown once; store it now)\n" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tokens (secrets are never shown again).")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let tokens = try await connection.client().json(.GET, "/api/access/tokens")
            connection.emit(tokens) { Records.table(tokens, ["id", "name", "token", "lifetime", "refreshes", "created_at", "expired"]) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke (delete) a token.")
        @Argument(help: "The token's id.") var id: Int
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let answer = try await connection.client().json(.DELETE, "/api/access/token/\(id)")
            connection.emit(answer) { "token \(id) revoked\n" }
        }
    }
}
