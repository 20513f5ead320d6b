import ArgumentParser
import WeftModel

@main
struct Weft: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weft",
        abstract: "Weft: a cloud network edge controller with a VNS3-compatible API.",
        subcommands: [Serve.self, Status.self, SnapshotCommand.self, IDSCommand.self, Version.self])
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() {
        print("weft \(WeftVersion.weft) (VNS3-compatible API \(WeftVersion.vns3Compatible))")
    }
}
