import WeftStore

/// The reconciler contract (after tailscale's `Router.Set`): callable repeatedly with the
/// same input, returns early with no changes, adds before it deletes, keeps the last good
/// state on failure, checks with the tool before applying.
public protocol SubsystemReconciler: Sendable {
    var name: String { get }
    /// Plans from `desired`; with `apply`, applies the plan and reads the result back.
    /// Throws when applying or verifying fails.
    func reconcile(_ desired: DesiredState, apply: Bool) async throws -> [Change]
    /// Stops what the subsystem runs as child processes (daemon shutdown or restart).
    func shutdown() async
}

extension SubsystemReconciler {
    public func shutdown() async {}
}
