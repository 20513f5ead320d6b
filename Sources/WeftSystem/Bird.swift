import Foundation

/// BIRD 2 files and control for the controller: `bird -c conf -s socket -P pidfile`,
/// checked with `bird -p`, reloaded with `birdc configure`.
public struct BirdControl: Sendable {
    public let directory: String
    public let runtime: String
    let runner: any CommandRunner

    public init(directory: String, runtime: String, runner: any CommandRunner) {
        self.directory = directory
        self.runtime = runtime
        self.runner = runner
    }

    public var config: String { "\(directory)/bird.conf" }
    public var log: String { "\(directory)/bird.log" }
    public var socket: String { "\(runtime)/bird.ctl" }
    public var pidFile: String { "\(runtime)/bird.pid" }

    public var processArguments: [String] { ["-f", "-c", config, "-s", socket, "-P", pidFile] }

    /// Parses a candidate configuration without applying it (`bird -p`).
    public func check(_ path: String) async throws {
        let result = try await runner.run(["bird", "-p", "-c", path], stdin: nil)
        guard result.status == 0 else {
            throw SystemError.io("bird rejected the configuration: \((result.stderr + result.stdout).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    public func birdc(_ words: [String]) async throws -> String {
        try await runner.check(["birdc", "-s", socket] + words)
    }

    public func configure() async throws {
        let output = try await birdc(["configure"])
        guard output.contains("Reconfigured") || output.contains("Reconfiguration in progress") || output.contains("Configuration OK") else {
            throw SystemError.io("birdc configure: \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    public func protocols() async throws -> [BirdProtocol] {
        BirdProtocol.parse(try await birdc(["show", "protocols"]))
    }

    public func bgpRoutes() async throws -> [BirdRoute] {
        BirdRoute.parse(try await birdc(["show", "route", "where", "source", "=", "RTS_BGP"]))
    }
}

/// A line of `birdc show protocols`.
public struct BirdProtocol: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var state: String
    public var since: String
    public var info: String

    public static func parse(_ text: String) -> [BirdProtocol] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard words.count >= 5, words[0] != "Name", !line.hasPrefix("BIRD"), !line.hasPrefix(" ") else { return nil }
            // Name Proto Table State Since Info — Table is "---" for protocols without one.
            let info = words.count > 5 ? words[5...].joined(separator: " ") : ""
            return BirdProtocol(name: words[0], kind: words[1], state: words[3], since: words[4], info: info)
        }
    }
}

/// A route from `birdc show route`: prefix, next hop, device and the protocol that made it.
public struct BirdRoute: Sendable, Equatable {
    public var prefix: String
    public var gateway: String?
    public var device: String?
    public var protocolName: String

    public init(prefix: String, gateway: String?, device: String?, protocolName: String) {
        self.prefix = prefix
        self.gateway = gateway
        self.device = device
        self.protocolName = protocolName
    }

    /// BIRD 2 prints `PREFIX  unicast [PROTO TIME] * (PREF) [ASPATH]` followed by
    /// `\tvia GW on DEV` lines; further routes for the same prefix start with spaces.
    public static func parse(_ text: String) -> [BirdRoute] {
        var routes: [BirdRoute] = []
        var prefix: String?
        for rawLine in text.split(separator: "\n") {
            let line = String(rawLine)
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = words.first else { continue }
            if first.contains("/"), !line.hasPrefix(" "), !line.hasPrefix("\t") {
                prefix = first
                routes.append(BirdRoute(prefix: first, gateway: nil, device: nil, protocolName: protocolName(words)))
            } else if first == "via", let prefix, words.count >= 2 {
                if var last = routes.last, last.prefix == prefix, last.gateway == nil {
                    last.gateway = words[1]
                    if let on = words.firstIndex(of: "on"), on + 1 < words.count { last.device = words[on + 1] }
                    routes[routes.count - 1] = last
                }
            } else if first == "unicast" || first == "blackhole" || first == "unreachable", let prefix {
                routes.append(BirdRoute(prefix: prefix, gateway: nil, device: nil, protocolName: protocolName(words)))
            } else if first.hasPrefix("dev"), words.count >= 2, var last = routes.last {
                last.device = words[1]
                routes[routes.count - 1] = last
            }
        }
        return routes
    }

    static func protocolName(_ words: [String]) -> String {
        guard let open = words.firstIndex(where: { $0.hasPrefix("[") }) else { return "" }
        return String(words[open].dropFirst())
    }
}
