import ArgumentParser
import Foundation
import WeftCLI
import WeftModel

/// `weft init`: the first-start steps of a new controller, each through the API — licence
/// and topology parameters, topology and controller names, the keyset (generated, or
/// fetched from a peer that has it), and this controller's peering id.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Set a new controller up: licence and topology, keyset, peering id.")

    @Option(help: "Licence file to upload (skipped when the controller is licensed already).") var license: String?
    @Option(help: "Topology parameters as a JSON file for PUT /api/license/parameters (default: the licence's defaults).")
    var parameters: String?
    @Option(help: "The topology's name.") var topologyName: String?
    @Option(help: "This controller's name.") var controllerName: String?
    @Option(help: "The keyset token (the same on every controller of the topology).") var keysetToken: String?
    @Option(help: "Fetch the keyset from this controller (its address) instead of generating it.") var keysetSource: String?
    @Option(help: "This controller's peering id (1 for the first).") var peeringId: Int?
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try connection.client()
        var steps: [JSONValue] = []
        func step(_ text: String) {
            steps.append(.string(text))
            if !connection.json { Output.write(text + "\n") }
        }
        let config = try await client.json(.GET, "/api/config")
        if config["licensed"] != .bool(true) {
            guard let license else { throw CLIError(.usage, "the controller is not licensed: pass --license FILE") }
            _ = try await client.raw(.PUT, "/api/license", body: try Output.readFile(license), contentType: "text/plain")
            step("licence uploaded")
            var body: JSONValue = ["default": true]
            if let parameters {
                do { body = try JSONParser.parse(try Output.readFile(parameters)) } catch { throw CLIError(.usage, "\(parameters): \(error)") }
            }
            _ = try await client.json(.PUT, "/api/license/parameters", body: body)
            step("topology parameters accepted; waiting for the controller to restart")
            try await waitForRestart(client)
            step("controller back")
        }
        if topologyName != nil || controllerName != nil {
            var body = JSONObject()
            if let topologyName { body["topology_name"] = .string(topologyName) }
            if let controllerName { body["controller_name"] = .string(controllerName) }
            _ = try await client.json(.PUT, "/api/config", body: .object(body))
            step("names set")
        }
        if let keysetToken {
            var body: JSONObject = ["token": .string(keysetToken)]
            if let keysetSource { body["source"] = .string(keysetSource) }
            _ = try await client.json(.PUT, "/api/keyset", body: .object(body))
            step(keysetSource == nil ? "keyset generating" : "keyset fetching from \(keysetSource!)")
            try await poll(seconds: 120, what: "the keyset") {
                let keyset = try await client.json(.GET, "/api/keyset")
                if case .string(let error)? = keyset["last_error"] { throw CLIError(.refused, "keyset: \(error)") }
                return keyset["keyset_present"] == .bool(true)
            }
            step("keyset present")
        }
        if let peeringId {
            _ = try await client.json(.PUT, "/api/peering/self", body: ["id": .int(peeringId)])
            step("peering id \(peeringId)")
        }
        if connection.json { Output.write(JSONWriter.string(["steps": .array(steps)]) + "\n") }
    }

    /// The controller goes away and comes back after accepting the topology.
    func waitForRestart(_ client: APIClient) async throws {
        var down = false
        try await poll(seconds: 90, what: "the controller's restart") {
            do {
                _ = try await client.json(.GET, "/api/config")
                return down
            } catch let error as CLIError where error.kind == .unreachable {
                down = true
                return false
            }
        }
    }

    func poll(seconds: Int, what: String, _ done: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await done() { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw CLIError(.unreachable, "gave up waiting for \(what) after \(seconds) s")
    }
}
