import Testing
import WeftMesh

@Suite struct HybridClockTests {
    @Test func localEventsAreStrictlyIncreasingEvenWhenTheWallClockStepsBack() {
        var clock = HybridClock(controller: 1)
        var previous = HybridTimestamp.zero
        for physical: Int64 in [100, 100, 101, 50, 50, 102] {
            let stamp = clock.now(physical: physical)
            #expect(previous < stamp)
            previous = stamp
        }
        #expect(previous.wallMillis == 102)
    }

    @Test func aReceivedTimestampOrdersLaterLocalEventsAfterIt() throws {
        var clock = HybridClock(controller: 1)
        _ = clock.now(physical: 100)
        let remote = HybridTimestamp(wallMillis: 5_000, counter: 7, controller: 2)
        try clock.receive(remote, physical: 200)
        let next = clock.now(physical: 300)
        #expect(remote < next)
        #expect(next.wallMillis == 5_000 && next.counter == 9)
    }

    @Test func aClockFarInTheFutureIsRefused() {
        var clock = HybridClock(controller: 1, maximumDriftMillis: 1_000)
        let before = clock
        #expect(throws: ClockSkewError.self) {
            try clock.receive(HybridTimestamp(wallMillis: 10_000, counter: 0, controller: 2), physical: 5_000)
        }
        #expect(clock == before)
    }
}
