/// When a peer's key state stays apart from this controller's: after `MeshSync.PeerState`'s
/// rounds, `judge` says whether to raise `mesh_state_diverged` (digests apart, or no round
/// completing, for `after` seconds) or, once that was raised, `mesh_state_converged`.
extension MeshSync.PeerState {
    public enum Verdict: String, Sendable, Equatable {
        case diverged = "mesh_state_diverged"
        case converged = "mesh_state_converged"
    }

    /// Updates the divergence bookkeeping after a round at `now`; returns the alert to raise.
    public mutating func judge(now: Double, after: Double) -> Verdict? {
        if agreed || inStep {
            divergedSince = nil
            guard alerted else { return nil }
            alerted = false
            return .converged
        }
        let since = divergedSince ?? now
        divergedSince = since
        guard !alerted, now - since >= after else { return nil }
        alerted = true
        return .diverged
    }
}
