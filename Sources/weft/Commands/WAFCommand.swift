import ArgumentParser
import WeftCLI
import WeftModel

/// `weft waf list|add|set|delete|events`: the WAF's protected services and its events
/// (`/api/waf/services`, `/api/waf/events`): the API's operations, checked there.
struct WAFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "waf", abstract: "The web application firewall: protected services and their events.",
        subcommands: [List.self, Add.self, Set.self, Delete.self, Events.self])

    /// The options `add` and `set` share, as the API's fields.
    struct Fields: ParsableArguments {
        @Option(help: "The port on the controller.") var port: Int?
        @Option(help: "A backend URL, http://IP:PORT or https://IP:PORT (repeat for several).") var backend: [String] = []
        @Option(help: "block (403) or detect (log and alert only).") var mode: String?
        @Option(help: "The CRS paranoia level, 1-4.") var paranoia: Int?
        @Option(help: "A CRS rule switched off: RULE_ID or RULE_ID:/path-prefix (repeat for several).") var exclude: [String] = []
        @Flag(help: "Remove every exclusion (set).") var noExclusions = false
        @Option(help: "The inbound anomaly threshold.") var anomalyInbound: Int?
        @Option(help: "The request body limit, KiB.") var bodyLimitKb: Int?
        @Option(help: "A PEM certificate file for HTTPS.") var tlsCert: String?
        @Option(help: "Its PEM private key file.") var tlsKey: String?

        func body() throws -> JSONObject {
            var o = JSONObject()
            if let port { o["port"] = .int(port) }
            if !backend.isEmpty { o["backend"] = .array(backend.map { .string($0) }) }
            if let mode { o["mode"] = .string(mode) }
            if let paranoia { o["paranoia"] = .int(paranoia) }
            if let anomalyInbound { o["anomaly_inbound"] = .int(anomalyInbound) }
            if let bodyLimitKb { o["body_limit_kb"] = .int(bodyLimitKb) }
            if noExclusions { o["exclusions"] = .array([]) }
            if !exclude.isEmpty {
                o["exclusions"] = .array(exclude.map { text in
                    let parts = text.split(separator: ":", maxSplits: 1)
                    var e: JSONObject = ["rule_id": Int(parts[0]).map { .int($0) } ?? .string(String(parts[0]))]
                    if parts.count > 1 { e["path_prefix"] = .string(String(parts[1])) }
                    return .object(e)
                })
            }
            if let tlsCert { o["tls_cert"] = .string(String(decoding: try Output.readFile(tlsCert), as: UTF8.self)) }
            if let tlsKey { o["tls_key"] = .string(String(decoding: try Output.readFile(tlsKey), as: UTF8.self)) }
            return o
        }
    }

    static let columns = ["name", "port", "backend", "mode", "paranoia", "tls", "exclusions"]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the protected services and the WAF's status.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let answer = try await connection.client().json(.GET, "/api/waf/services")
            connection.emit(answer) {
                let running = answer["status"]?["running"] == .bool(true)
                return "WAF: \(running ? "running" : "not running")\(answer["status"]?["error"].map { " (\(Output.text($0)))" } ?? "")\n"
                    + Records.table(answer["services"], WAFCommand.columns)
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Protect a web service: its port on the controller and its backends.")
        @Argument(help: "The service's name (a-z, 0-9, -).") var name: String
        @OptionGroup var fields: Fields
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var body = try fields.body()
            body["name"] = .string(name)
            let answer = try await connection.client().json(.POST, "/api/waf/services", body: .object(body))
            connection.emit(answer) { "service \(name) protected on port \(Output.text(answer["port"])) (\(Output.text(answer["mode"])))\n" }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a protected service (options left out keep their value).")
        @Argument(help: "The service's name.") var name: String
        @OptionGroup var fields: Fields
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let answer = try await connection.client().json(.PUT, "/api/waf/services/\(name)", body: .object(try fields.body()))
            connection.emit(answer) { "service \(name) changed: mode \(Output.text(answer["mode"])), paranoia \(Output.text(answer["paranoia"]))\n" }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop protecting a service (its steering rules go with it).")
        @Argument(help: "The service's name.") var name: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let answer = try await connection.client().json(.DELETE, "/api/waf/services/\(name)")
            connection.emit(answer) { "service \(name) deleted\n" }
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The requests the WAF logged, newest first.")
        @Option(help: "Only this service's.") var service: String?
        @Option(help: "At most this many (1-10000).") var limit: Int = 20
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var path = "/api/waf/events?limit=\(limit)"
            if let service { path += "&service=\(service)" }
            let answer = try await connection.client().json(.GET, path)
            connection.emit(answer) {
                guard case .array(let events)? = answer["events"] else { return "" }
                return events.map { e in
                    let rules: String
                    if case .array(let items)? = e["rules"] { rules = items.map { Output.text($0["id"]) }.joined(separator: ",") } else { rules = "" }
                    return "\(Output.text(e["time"])) \(Output.text(e["service"])) \(Output.text(e["client_ip"])) \(Output.text(e["action"])) \(Output.text(e["status"])) "
                        + "score \(Output.text(e["anomaly_score"])) [\(rules)] \(Output.text(e["method"])) \(Output.text(e["uri"]))\n"
                }.joined()
            }
        }
    }
}
