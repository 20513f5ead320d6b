import Testing
@testable import WeftApp

/// When a peer's key state stays apart: one `mesh_state_diverged` after the threshold, one
/// `mesh_state_converged` when it is back in step, nothing for a brief difference.
@Suite struct MeshConvergenceTests {
    @Test func aBriefDifferenceRaisesNothing() {
        var p = MeshSync.PeerState()
        p.agreed = false
        #expect(p.judge(now: 100, after: 60) == nil)
        #expect(p.judge(now: 101, after: 60) == nil)
        p.agreed = true
        #expect(p.judge(now: 102, after: 60) == nil)
        #expect(p.divergedSince == nil && !p.alerted)
    }

    /// Under a steady stream of local writes the digests never match at a round's end, but
    /// each round leaves the peer holding what was pushed: not apart (a false
    /// `mesh_state_diverged` after 60 s of writes, seen in scripts/bench/mesh).
    @Test func aPeerThatTookEveryPushIsNotApartUnderSteadyWrites() {
        var p = MeshSync.PeerState()
        for t in stride(from: 100.0, through: 400, by: 1) {
            p.agreed = false
            p.inStep = true
            #expect(p.judge(now: t, after: 60) == nil)
        }
        #expect(p.divergedSince == nil && !p.alerted)
        p.inStep = false
        #expect(p.judge(now: 401, after: 60) == nil)
        #expect(p.judge(now: 461, after: 60) == .diverged)
    }

    @Test func apartPastTheThresholdRaisesOnceThenConvergedOnce() {
        var p = MeshSync.PeerState()
        p.agreed = false
        #expect(p.judge(now: 100, after: 60) == nil)
        #expect(p.judge(now: 159, after: 60) == nil)
        #expect(p.judge(now: 160, after: 60) == .diverged)
        #expect(p.judge(now: 161, after: 60) == nil)
        #expect(p.judge(now: 500, after: 60) == nil)
        p.agreed = true
        #expect(p.judge(now: 501, after: 60) == .converged)
        #expect(p.judge(now: 502, after: 60) == nil)
        // Apart again: the clock starts anew.
        p.agreed = false
        #expect(p.judge(now: 600, after: 60) == nil)
        #expect(p.judge(now: 659, after: 60) == nil)
        #expect(p.judge(now: 660, after: 60) == .diverged)
    }
}
