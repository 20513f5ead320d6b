import ArgumentParser
import Foundation
import WeftCLI
import WeftModel

@main
struct Weft: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weft",
        abstract: "Weft: a cloud network edge controller with a VNS3-compatible API.",
        discussion: """
            `weft serve` runs the controller. The other commands are the operator's client: they talk to a \
            controller's API over HTTPS (--url, --token or --password, --pin or --ca; or a profile in \
            ~/.config/weft/config.toml). Exit status: 0 ok, 1 refused by the controller, 2 usage, 3 cannot connect.
            """,
        version: "weft \(WeftVersion.weft) (VNS3-compatible API \(WeftVersion.vns3Compatible))",
        subcommands: [Serve.self, InitCommand.self, StatusCommand.self, ClientpackCommand.self, FirewallCommand.self,
                      IpsecCommand.self, RoutesCommand.self, PeerCommand.self, SnapshotCommand.self, TokenCommand.self,
                      ExportCommand.self, ApplyCommand.self,
                      ResetPasswordCommand.self, IDSCommand.self, WAFCommand.self, Version.self, APIRoutesCommand.self])

    /// Parses and runs, mapping every failure to the exit statuses the help text promises.
    static func main() async {
        do {
            let arguments = try ServeConfig.expand(Array(CommandLine.arguments.dropFirst())) { path in
                FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
            }
            var command = try parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("weft: \(error.message)\n".utf8))
            Foundation.exit(error.exitStatus)
        } catch {
            // ArgumentParser's usage errors exit 2 (not sysexits' 64); help, --version and
            // commands' own ExitCodes keep theirs.
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(CLIError.Kind.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() {
        print("weft \(WeftVersion.weft) (VNS3-compatible API \(WeftVersion.vns3Compatible))")
    }
}
