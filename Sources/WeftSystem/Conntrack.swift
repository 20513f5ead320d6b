/// The kernel's connection tracking table (`conntrack`, Debian package conntrack).
public protocol ConntrackTable: Sendable {
    /// Forgets every tracked connection (`conntrack -F`), so new rules apply to flows that
    /// were already established.
    func flush() async throws
}

public struct ConntrackTool: ConntrackTable {
    let runner: any CommandRunner
    public init(runner: any CommandRunner = ProcessRunner()) { self.runner = runner }

    public func flush() async throws {
        try await runner.check(["conntrack", "-F"])
    }
}
