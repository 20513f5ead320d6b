import ArgumentParser
import WeftAPI

/// `weft api-routes` (hidden): the API's routes, `METHOD /path` a line, as the router
/// registers them; `scripts/gen-openapi` builds `docs/openapi.json` from this list.
struct APIRoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api-routes", abstract: "List the API's routes (for scripts/gen-openapi).",
                                                    shouldDisplay: false)

    func run() throws {
        for entry in APIDocument.documented(try APIDocument.routeTable()) {
            print("\(entry.method) \(entry.path) \(entry.access.rawValue)")
        }
    }
}
