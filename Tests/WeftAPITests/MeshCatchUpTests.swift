import Testing
@testable import WeftApp

/// Issue 26: a peered controller admits clients once it has caught up with one peer, or
/// when the operator's bound has passed; an unpeered one (or a bound of 0) at once.
@Suite struct MeshCatchUpTests {
    @Test func waitsForAPeerOrTheBound() {
        var c = MeshCatchUp(needed: true, bound: 30, now: 1000)
        #expect(!c.admitting && c.phase == .waiting)
        #expect(c.holdReason(now: 1010)?.contains("20 s") == true)
        let early = c.expire(now: 1029)
        #expect(!early)
        let ended = c.caughtUp(with: 2, now: 1012)
        #expect(ended && c.admitting && c.phase == .caughtUp && c.peer == 2 && c.endedAt == 1012)
        let again = c.caughtUp(with: 3, now: 1013)
        #expect(!again && c.peer == 2, "the first peer ends the wait; later rounds change nothing")
        let late = c.expire(now: 2000)
        #expect(!late && c.phase == .caughtUp)

        var alone = MeshCatchUp(needed: true, bound: 30, now: 1000)
        let expired = alone.expire(now: 1030)
        #expect(expired && alone.admitting && alone.phase == .timedOut && alone.holdReason(now: 1031) == nil)
        let afterwards = alone.caughtUp(with: 2, now: 1040)
        #expect(!afterwards)
    }

    @Test func noWaitWithoutPeersOrWithABoundOfZero() {
        #expect(MeshCatchUp(needed: false, bound: 30, now: 0).admitting)
        #expect(MeshCatchUp(needed: true, bound: 0, now: 0).admitting)
        #expect(MeshCatchUp(needed: true, bound: 0, now: 0).phase == .notNeeded)
    }
}
