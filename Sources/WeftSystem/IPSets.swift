/// ipset through `ipset restore` scripts and `ipset list -t` (headers only).
public protocol IPSets: Sendable {
    /// Runs an `ipset restore` script.
    func restore(_ script: String) async throws
    /// Every set's name and number of entries (`ipset list -t`).
    func counts() async throws -> [String: Int]
}

public struct IpsetTool: IPSets {
    let runner: any CommandRunner

    public init(runner: any CommandRunner = ProcessRunner()) { self.runner = runner }

    public func restore(_ script: String) async throws {
        try await runner.check(["ipset", "restore"], stdin: script)
    }

    public func counts() async throws -> [String: Int] {
        Self.parseTerse(try await runner.check(["ipset", "list", "-t"]))
    }

    /// "Name: X" ... "Number of entries: N" blocks.
    public static func parseTerse(_ text: String) -> [String: Int] {
        var result: [String: Int] = [:]
        var name: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Name: ") { name = String(line.dropFirst(6)) }
            if line.hasPrefix("Number of entries: "), let name, let n = Int(line.dropFirst(19)) { result[name] = n }
        }
        return result
    }
}
