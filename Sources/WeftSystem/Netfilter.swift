/// iptables through `iptables-save` / `iptables-restore --noflush`: a payload that declares
/// `:CHAIN - [0:0]` replaces exactly that chain, atomically, leaving all others alone.
/// Restores run with `--counters`: a rule line may start with `[packets:bytes]`, which
/// carries a rule's counters across a replace; without it a rule starts at zero.
public protocol Netfilter: Sendable {
    /// `iptables-save -t TABLE` output; with `counters`, each rule line starts with
    /// `[packets:bytes]` (`iptables-save -c`).
    func save(table: String, counters: Bool) async throws -> String
    /// Checks (`--test`) and then applies one restore payload. Nothing is applied when
    /// the check fails. The check matters: each table's COMMIT is its own kernel
    /// transaction, so without it an error in a later table would leave earlier tables
    /// changed (seen with iptables-nft 1.8.9).
    func restore(_ payload: String) async throws
    /// Applies a payload that touches exactly one table, in one `iptables-restore` run:
    /// one table is one kernel transaction, so a refused payload changes nothing and the
    /// separate check can be skipped.
    func restoreOneTable(_ payload: String) async throws
    /// Only checks (`--test`) a restore payload; changes nothing.
    func test(_ payload: String) async throws
}

extension Netfilter {
    public func save(table: String) async throws -> String { try await save(table: table, counters: false) }
}

public struct IptablesNetfilter: Netfilter {
    let runner: any CommandRunner

    public init(runner: any CommandRunner = ProcessRunner()) { self.runner = runner }

    public func save(table: String, counters: Bool) async throws -> String {
        try await runner.check(["iptables-save"] + (counters ? ["-c"] : []) + ["-t", table])
    }

    public func test(_ payload: String) async throws {
        try await runner.check(["iptables-restore", "--noflush", "--counters", "--test", "-w", "5"], stdin: payload)
    }

    public func restoreOneTable(_ payload: String) async throws {
        try await runner.check(["iptables-restore", "--noflush", "--counters", "-w", "5"], stdin: payload)
    }

    public func restore(_ payload: String) async throws {
        try await runner.check(["iptables-restore", "--noflush", "--counters", "--test", "-w", "5"], stdin: payload)
        try await runner.check(["iptables-restore", "--noflush", "--counters", "-w", "5"], stdin: payload)
    }
}
