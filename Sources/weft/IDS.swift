import ArgumentParser
import Foundation

/// `weft ids replay …`: the detection engine on a pcap, as `suricata -r` runs. The engine is
/// the `weft-ids` tool built beside this binary (a pure target with no controller code);
/// this subcommand hands it the arguments unchanged.
struct IDSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ids", abstract: "Intrusion detection: replay a pcap against Suricata-format rules.",
        subcommands: [Replay.self])

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write DIR/fast.log and DIR/eve.json for a pcap: --rules FILE --pcap FILE --log-dir DIR [--set stream.inline=true] [--set stream.midstream=true] [--simulate-ips] [--skip-unsupported] [--max-log-bytes N]")

        @Argument(parsing: .captureForPassthrough, help: "The replay options, as weft-ids takes them.")
        var options: [String] = []

        func run() throws {
            let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            let tool = here.appendingPathComponent("weft-ids").path
            guard FileManager.default.isExecutableFile(atPath: tool) else {
                throw ValidationError("the engine \(tool) is missing: build it with `swift build --product weft-ids`")
            }
            var argv: [UnsafeMutablePointer<CChar>?] = ([tool, "replay"] + options).map { strdup($0) }
            argv.append(nil)
            execv(tool, argv)
            throw ValidationError("cannot run \(tool): \(String(cString: strerror(errno)))")
        }
    }
}
