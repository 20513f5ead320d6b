import ArgumentParser
import Foundation
import WeftCLI
import WeftFirewall
import WeftModel

/// `weft export`: the running configuration as a site file.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write the running configuration as a site file (YAML).")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let site = try await RunningSite.read(connection.client())
        Output.write(SiteFile.yaml(site.config))
    }
}

/// `weft apply -f site.yaml`: plan what differs from the running configuration, per
/// section, and after confirmation apply it, in dependency order, through the API.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Make a controller match a site file: show the plan, then apply it.",
        discussion: "Sections left out of the file are not touched. A second apply of the same file plans nothing. See docs/site-config.md.")

    @Option(name: .shortAndLong, help: "The site file (- for standard input).") var file: String
    @Flag(help: "Apply without asking.") var yes = false
    @Flag(help: "Only show the plan.") var dryRun = false
    @Flag(help: "Apply even if the controller's firewall lockout check refuses the rules.") var force = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let text = String(decoding: try Output.readFile(file), as: UTF8.self)
        let desired: SiteConfig
        do { desired = try SiteFile.parse(text) } catch { throw CLIError(.usage, "\(file): \(error)") }
        let client = try connection.client()
        let running = try await RunningSite.read(client)
        if let rules = desired.rules {
            let sets = Set((desired.fwsets ?? running.config.fwsets ?? []).map(\.name))
            let context = try await FirewallCommand.context(client)
            let problems = RuleCheck.problems(RuleFile(text: rules.joined(separator: "\n")), context: .init(sets: sets, subgroups: context.subgroups, services: context.services))
            if let first = problems.first {
                throw CLIError(.usage, "\(file): firewall.rules[\(first.line - 1)]: \(first.reason): \(first.rule) (nothing applied)")
            }
        }
        let plan = SitePlan(running: running.config, desired: desired)
        let planJSON: JSONValue = .array(plan.changes.map {
            ["section": .string($0.section), "operation": .string($0.operation.rawValue), "key": .string($0.key), "detail": .string($0.detail)]
        })
        if !connection.json || dryRun || plan.isEmpty {
            connection.emit(["plan": planJSON, "applied": false]) { plan.text }
        }
        if plan.isEmpty || dryRun { return }
        guard yes || Output.confirm("Apply this plan?") else { throw CLIError(.usage, "not applied (answer y, or pass --yes)") }
        // One change: a snapshot is taken first, and a step the controller refuses rolls the
        // whole apply back to it (the controller restarts with it, as a snapshot restore does).
        let checkpoint = "weft-apply-\(Int(Date().timeIntervalSince1970))"
        _ = try await client.json(.POST, "/api/snapshots", body: ["name": .string(checkpoint)])
        let before = try await client.raw(.GET, "/api/snapshots/\(checkpoint)")
        do {
            try await SiteApplier(client: client, running: running, desired: desired, plan: plan, force: force).apply()
        } catch {
            let reason = (error as? CLIError)?.message ?? "\(error)"
            do {
                _ = try await client.raw(.PUT, "/api/snapshots/running_config", body: before, contentType: "application/octet-stream")
            } catch {
                throw CLIError(.refused, "\(reason); rolling back to snapshot \(checkpoint) failed too: \(error) (restore it with weft snapshot restore)")
            }
            throw CLIError(.refused, "\(reason); rolled back: the controller restarts with the configuration it had before (snapshot \(checkpoint))")
        }
        _ = try? await client.json(.DELETE, "/api/snapshots/\(checkpoint)")
        if connection.json { Output.write(JSONWriter.string(["plan": planJSON, "applied": true]) + "\n") } else { Output.write("applied\n") }
    }
}

/// Sends a plan to the controller, section by section, each with the endpoint the SDK and
/// the UI use: controller names, new and changed fwsets, the rule list (one atomic
/// replace), removed fwsets, routes, peers.
struct SiteApplier {
    let client: APIClient
    let running: RunningSite
    let desired: SiteConfig
    let plan: SitePlan
    let force: Bool

    func apply() async throws {
        let controller = plan.changes(in: "controller")
        if !controller.isEmpty, let want = desired.controller {
            var body = JSONObject()
            for change in controller { body[change.key] = .string(want[change.key] ?? "") }
            _ = try await client.json(.PUT, "/api/config", body: .object(body))
        }
        let sets = plan.changes(in: "fwsets")
        let wanted = Dictionary((desired.fwsets ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let had = Dictionary((running.config.fwsets ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for change in sets where change.operation != .remove {
            guard let set = wanted[change.key] else { continue }
            let entries: JSONValue = .array(set.entries.map { ["entry": .string($0.entry), "comment": .string($0.comment)] })
            if change.operation == .change, had[change.key]?.type == set.type {
                _ = try await client.json(.PUT, "/api/v2/firewall/fwsets/\(segment(set.name))",
                                          body: ["description": .string(set.description), "entries": entries])
            } else {
                if change.operation == .change { _ = try await client.json(.DELETE, "/api/v2/firewall/fwsets/\(segment(set.name))") }
                _ = try await client.json(.POST, "/api/v2/firewall/fwsets",
                                          body: ["name": .string(set.name), "type": .string(set.type), "description": .string(set.description), "entries": entries])
            }
        }
        if !plan.changes(in: "firewall").isEmpty, let rules = desired.rules {
            var body: JSONObject = ["rules": .array(rules.map { .string($0) })]
            if force { body["force"] = true }
            _ = try await client.json(.PUT, "/api/firewall", body: .object(body))
        }
        for change in sets where change.operation == .remove {
            _ = try await client.json(.DELETE, "/api/v2/firewall/fwsets/\(segment(change.key))")
        }
        let routes = plan.changes(in: "routes")
        for change in routes where change.operation != .add {
            guard let id = running.routeIDs[change.key] else { continue }
            _ = try await client.json(.DELETE, "/api/routes/\(id)")
        }
        for change in routes where change.operation != .remove {
            guard let route = desired.routes?.first(where: { $0.key == change.key }) else { continue }
            var body: JSONObject = ["cidr": .string(route.cidr), "description": .string(route.description),
                                    "advertise": .bool(route.advertise), "metric": .int(route.metric), "table": .string(route.table)]
            if !route.gateway.isEmpty { body["gateway"] = .string(route.gateway) }
            if !route.interface.isEmpty { body["interface"] = .string(route.interface) }
            if let tunnel = route.tunnel { body["tunnel"] = .int(tunnel) }
            _ = try await client.json(.POST, "/api/routes", body: .object(body))
        }
        for change in plan.changes(in: "peers") {
            switch change.operation {
            case .remove:
                _ = try await client.json(.DELETE, "/api/peering/peers/\(change.key)")
            case .add, .change:
                guard let peer = desired.peers?.first(where: { String($0.id) == change.key }) else { continue }
                var body: JSONObject = ["name": .string(peer.address), "force": true]
                if let mtu = peer.mtu { body["overlay_mtu"] = .int(mtu) }
                if change.operation == .add {
                    body["id"] = .int(peer.id)
                    _ = try await client.json(.POST, "/api/peering/peers", body: .object(body))
                } else {
                    _ = try await client.json(.PUT, "/api/peering/peers/\(peer.id)", body: .object(body))
                }
            }
        }
        try await ObjectApplier(client: client, running: running.objects, desired: desired, plan: plan).apply()
    }
}
