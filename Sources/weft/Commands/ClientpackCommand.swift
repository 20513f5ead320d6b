import ArgumentParser
import Foundation
import WeftCLI
import WeftModel

/// `weft clientpack …`: the overlay's clientpacks, through `/api/clientpacks` and `/api/clientpack`.
struct ClientpackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clientpack", abstract: "List, enable, disable, tag and download clientpacks.",
        subcommands: [List.self, Show.self, Enable.self, Disable.self, Tag.self, Untag.self, Download.self, QR.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the clientpacks.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let packs = try await connection.client().json(.GET, "/api/clientpacks")
            connection.emit(packs) {
                var table = Table(["name", "overlay_ip", "enabled", "checked_out", "status", "tags"])
                for (_, pack) in Output.entries(packs) {
                    table.add([pack["name"], pack["overlay_ipaddress"], pack["enabled"], pack["checked_out"], pack["status"], pack["tags"]].map(Output.text))
                }
                return table.text
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one clientpack.")
        @Argument(help: "The clientpack's name or overlay address.") var name: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let answer = try await connection.client().json(.GET, "/api/clientpacks/\(segment(name))")
            let pack = answer["clientpack"] ?? answer
            connection.emit(answer) { Output.entries(pack).map { "\($0.key): \(Output.text($0.value))\n" }.joined() }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a clientpack (it may connect).")
        @Argument(help: "The clientpack's name or overlay address.") var name: String
        @OptionGroup var connection: ConnectionOptions
        func run() async throws { try await ClientpackCommand.set(name, enabled: true, connection) }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a clientpack (it is disconnected and refused).")
        @Argument(help: "The clientpack's name or overlay address.") var name: String
        @OptionGroup var connection: ConnectionOptions
        func run() async throws { try await ClientpackCommand.set(name, enabled: false, connection) }
    }

    static func set(_ name: String, enabled: Bool, _ connection: ConnectionOptions) async throws {
        let pack = try await connection.client().json(.PUT, "/api/clientpack", body: ["name": .string(name), "enabled": .bool(enabled)])
        connection.emit(pack) { "\(Output.text(pack["name"])): \(enabled ? "enabled" : "disabled")\n" }
    }

    struct Tag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a tag on a clientpack.")
        @Argument(help: "The clientpack's name or overlay address.") var name: String
        @Argument(help: "The tag's key.") var key: String
        @Argument(help: "The tag's value.") var value: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let answer = try await connection.client().json(.POST, "/api/clientpack/\(segment(name))", body: ["key": .string(key), "value": .string(value)])
            connection.emit(answer) { "\(Output.text(answer["name"])): tags \(Output.text(answer["tags"]))\n" }
        }
    }

    struct Untag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a tag from a clientpack.")
        @Argument(help: "The clientpack's name or overlay address.") var name: String
        @Argument(help: "The tag's key.") var key: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let answer = try await connection.client().json(.DELETE, "/api/clientpack/\(segment(name))", body: ["key": .string(key)])
            connection.emit(answer) { "\(Output.text(answer["name"])): tags \(Output.text(answer["tags"]))\n" }
        }
    }

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download a clientpack's configuration file.")
        @Argument(help: "The clientpack's name or overlay address.") var name: String
        @Option(help: "wireguard, openvpn (ovpn), zip or tarball.") var format = "wireguard"
        @Option(name: .shortAndLong, help: "Write to this file (mode 0600) instead of standard output.") var output: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let bytes = try await connection.client().raw(.GET, "/api/clientpack/\(segment(name))?fileformat=\(segment(format))")
            try Output.save(bytes, to: output)
        }
    }

    struct QR: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "qr", abstract: "Show a clientpack's WireGuard configuration as a QR code for a phone.")
        @Argument(help: "The clientpack's name or overlay address.") var name: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let bytes = try await connection.client().raw(.GET, "/api/clientpack/\(segment(name))?fileformat=wireguard")
            let code: QRCode
            do { code = try QRCode.encode(bytes, correction: .low) } catch {
                throw CLIError(.refused, "the configuration is too large for a QR code (\(bytes.count) bytes)")
            }
            Output.write(QRTerminal.text(code))
        }
    }
}
