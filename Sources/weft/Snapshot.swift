import ArgumentParser
import Foundation
import WeftStore

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Work with snapshot files.", subcommands: [Diff.self, Show.self])

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
