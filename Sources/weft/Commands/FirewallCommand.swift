import ArgumentParser
import Foundation
import WeftCLI
import WeftFirewall
import WeftModel

/// `weft firewall show|check|diff|apply`: the rule list as a file, checked with the
/// controller's parser, compared with the running rules, and replaced in one atomic change
/// (`PUT /api/firewall`, which refuses a lockout unless `--force`).
struct FirewallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firewall", abstract: "Show, check, compare and apply firewall rules.",
        subcommands: [Show.self, Check.self, Diff.self, Apply.self])

    static func running(_ client: APIClient) async throws -> [String] {
        Output.items(try await client.json(.GET, "/api/firewall/rules")).compactMap { pair in
            if case .string(let rule)? = Output.items(pair).first { return rule }
            return nil
        }
    }

    static func file(_ path: String) throws -> RuleFile {
        RuleFile(text: String(decoding: try Output.readFile(path), as: UTF8.self))
    }

    /// The fwsets and subgroups the controller has, so the check resolves names as it would.
    static func context(_ client: APIClient) async throws -> RuleParser.Context {
        let sets = Output.items(try await client.json(.GET, "/api/v2/firewall/fwsets")).compactMap { set -> String? in
            if case .string(let name)? = set["name"] { return name }
            return nil
        }
        let subgroups = Output.items(try await client.json(.GET, "/api/firewall/rules/subgroup")).compactMap { row -> String? in
            guard case .string(let text)? = Output.items(row).first, !text.contains(" ") else { return nil }
            return text
        }
        return RuleParser.Context(sets: Set(sets), subgroups: Set(subgroups),
                                  services: ServiceNames(servicesText: try? String(contentsOfFile: "/etc/services", encoding: .utf8)))
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the running rules, one a line (a file `apply` takes back).")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let rules = try await FirewallCommand.running(connection.client())
            connection.emit(.array(rules.map { .string($0) })) { rules.map { $0 + "\n" }.joined() }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a rule file with the controller's parser and fwsets; exit 1 if a rule is refused.")
        @Argument(help: "The rule file (- for standard input).") var file: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let rules = try FirewallCommand.file(file)
            let problems = RuleCheck.problems(rules, context: try await FirewallCommand.context(connection.client()))
            connection.emit(["rules": .int(rules.lines.count), "problems": .array(problems.map {
                ["line": .int($0.line), "rule": .string($0.rule), "reason": .string($0.reason)]
            })]) {
                problems.isEmpty ? "\(file): \(rules.lines.count) rules, all accepted\n" : problems.map { "\(file): \($0)\n" }.joined()
            }
            if !problems.isEmpty { throw CLIError(.refused, "\(problems.count) of \(rules.lines.count) rules refused") }
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what applying a rule file would change (exit 0 either way).")
        @Argument(help: "The rule file (- for standard input).") var file: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let diff = RuleDiff(from: try await FirewallCommand.running(connection.client()), to: try FirewallCommand.file(file).rules)
            connection.emit(["added": .int(diff.added), "removed": .int(diff.removed), "changes": .array(diff.changes.map { change in
                switch change {
                case .keep(let rule): ["op": "keep", "rule": .string(rule)]
                case .add(let rule): ["op": "add", "rule": .string(rule)]
                case .remove(let rule): ["op": "remove", "rule": .string(rule)]
                }
            })]) { diff.isEmpty ? "no changes\n" : diff.text + "\(diff.added) to add, \(diff.removed) to remove\n" }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace the running rules with a file's, atomically, after showing the change.")
        @Argument(help: "The rule file (- for standard input).") var file: String
        @Flag(help: "Apply without asking.") var yes = false
        @Flag(help: "Apply even if the controller's lockout check refuses the rules.") var force = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let client = try connection.client()
            let rules = try FirewallCommand.file(file)
            let problems = RuleCheck.problems(rules, context: try await FirewallCommand.context(client))
            if let first = problems.first { throw CLIError(.refused, "\(file): \(first) (nothing applied)") }
            let diff = RuleDiff(from: try await FirewallCommand.running(client), to: rules.rules)
            if diff.isEmpty {
                connection.emit(["status": "unchanged", "rules": .int(rules.lines.count)]) { "no changes\n" }
                return
            }
            if !connection.json { Output.write(diff.text) }
            guard yes || Output.confirm("Apply \(diff.added) added, \(diff.removed) removed rules?") else {
                throw CLIError(.usage, "not applied (answer y, or pass --yes)")
            }
            var body: JSONObject = ["rules": .array(rules.rules.map { .string($0) })]
            if force { body["force"] = true }
            let answer = try await client.json(.PUT, "/api/firewall", body: .object(body))
            connection.emit(answer) { "applied \(rules.lines.count) rules\n" }
        }
    }
}
