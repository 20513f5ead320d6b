import ArgumentParser
import Foundation
import WeftCLI
import WeftModel
import WeftStore

struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Create, list, download and restore snapshots; show and compare snapshot files.",
        subcommands: [Create.self, List.self, Download.self, Restore.self, Diff.self, Show.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a snapshot of the running configuration on the controller.")
        @Option(help: "The snapshot's name (default: the controller picks one).") var name: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var body = JSONObject()
            if let name { body["name"] = .string(name) }
            let answer = try await connection.client().json(.POST, "/api/snapshots", body: .object(body))
            connection.emit(answer) { "created \(Output.entries(answer).first?.key ?? "-")\n" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the controller's snapshots.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let answer = try await connection.client().json(.GET, "/api/snapshots")
            connection.emit(answer) {
                var table = Table(["name", "created_at", "size", "sha1"])
                for (name, info) in Output.entries(answer["snapshots"]) {
                    table.add([name] + [info["created_at"], info["size"], info["sha1_checksum"]].map(Output.text))
                }
                return table.text
            }
        }
    }

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download a snapshot file.")
        @Argument(help: "The snapshot's name.") var name: String
        @Option(name: .shortAndLong, help: "Write to this file (mode 0600) instead of standard output.") var output: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try Output.save(try await connection.client().raw(.GET, "/api/snapshots/\(segment(name))"), to: output)
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Upload a snapshot file as the running configuration (the controller restarts).")
        @Argument(help: "The snapshot file.") var file: String
        @Flag(help: "Restore without asking.") var yes = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let bytes = try Output.readFile(file)
            do { _ = try SnapshotArchive.decode(bytes) } catch { throw CLIError(.usage, "\(file): not a snapshot: \(error)") }
            guard yes || Output.confirm("Replace the controller's configuration with \(file)?") else {
                throw CLIError(.usage, "not restored (answer y, or pass --yes)")
            }
            let answer = try await connection.client().raw(.PUT, "/api/snapshots/running_config", body: bytes, contentType: "application/octet-stream")
            let json = (try? JSONParser.parse(answer))?["response"] ?? .null
            connection.emit(json) { "restored \(file); the controller restarts with it\n" }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what changed between two snapshot files, section by section.")
        @Argument(help: "The older snapshot file.") var from: String
        @Argument(help: "The newer snapshot file.") var to: String

        func run() throws {
            let diff = SnapshotDiff(from: try load(from), to: try load(to))
            print(diff.text, terminator: "")
            if !diff.isEmpty { throw ExitCode(1) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a snapshot file and list its sections.")
        @Argument(help: "The snapshot file.") var file: String

        func run() throws {
            let document = try load(file)
            print("format \(document.format) version \(document.version), made by weft \(document.weftVersion) at \(document.createdAt)")
            for key in document.settings.keys.sorted() { print("setting \(key): \(document.settings[key]!.utf8.count) bytes") }
            if let keyset = document.keyset { print("keyset \(keyset.uuid): \(keyset.clients.count) clientpacks") }
            print(document.tls == nil ? "no TLS certificate" : "TLS certificate included")
        }
    }

    static func load(_ path: String) throws -> SnapshotDocument {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        do { return try SnapshotArchive.decode(Array(data)) } catch let error as SnapshotError {
            throw ValidationError("\(path): \(error)")
        }
    }
}

func load(_ path: String) throws -> SnapshotDocument { try SnapshotCommand.load(path) }
