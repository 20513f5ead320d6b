import Testing
import WeftMesh

@Suite struct MeshMergeTests {
    @Test func mergeIsCommutativeAssociativeAndIdempotent() {
        for seed in UInt64(1)...2_000 {
            var rng = SeededRandom(seed: seed)
            let a = Generate.state(&rng), b = Generate.state(&rng), c = Generate.state(&rng)
            #expect(a.merged(b) == b.merged(a), "commutative, seed \(seed)")
            #expect(a.merged(b).merged(c) == a.merged(b.merged(c)), "associative, seed \(seed)")
            #expect(a.merged(a) == a, "idempotent, seed \(seed)")
            #expect(a.merged(b).digest == b.merged(a).digest, "digest, seed \(seed)")
        }
    }

    /// Replicas that receive the same writes in any order, some duplicated, some many
    /// times, end equal; a revoked serial stays revoked whatever arrives later.
    @Test func replicasConvergeUnderReorderingAndDuplication() {
        for seed in UInt64(1)...300 {
            var rng = SeededRandom(seed: seed)
            let writes = (0..<12).map { _ in Generate.state(&rng) }
            var replicas: [MeshState] = []
            for _ in 0..<3 {
                var order = writes + writes.prefix(Int.random(in: 0...writes.count, using: &rng))
                order.shuffle(using: &rng)
                var replica = MeshState()
                var revokedSoFar: Set<String> = []
                for write in order {
                    replica.merge(write)
                    #expect(replica.refusedSerials.isSuperset(of: revokedSoFar), "revoke undone, seed \(seed)")
                    revokedSoFar = replica.refusedSerials
                }
                replicas.append(replica)
            }
            #expect(replicas[0] == replicas[1] && replicas[1] == replicas[2], "seed \(seed)")
            #expect(Set(replicas.map(\.digest)).count == 1, "seed \(seed)")
        }
    }

    @Test func laterWriteWins() {
        var clock1 = HybridClock(controller: 1), clock2 = HybridClock(controller: 2)
        var one = MeshState(), two = MeshState()
        one.apply(.tags(["site": "a"]), to: "100.127.255.193", clock: &clock1, physical: 1_000)
        two.apply(.tags(["site": "b"]), to: "100.127.255.193", clock: &clock2, physical: 1_001)
        #expect(one.merged(two).packs["100.127.255.193"]?.state.tags == ["site": "b"])
        #expect(two.merged(one).packs["100.127.255.193"]?.state.tags == ["site": "b"])
    }

    @Test func disableWinsATieWhicheverControllerWroteIt() {
        let instant = (wall: Int64(5_000), counter: UInt32(0))
        var enable = PackRecord(), disable = PackRecord()
        enable.apply(.enabled(true), at: HybridTimestamp(wallMillis: instant.wall, counter: instant.counter, controller: 9))
        disable.apply(.enabled(false), at: HybridTimestamp(wallMillis: instant.wall, counter: instant.counter, controller: 1))
        #expect(enable.merged(disable).state.enabled == false)
        #expect(disable.merged(enable).state.enabled == false)
    }

    @Test func earlierExpiryWinsATie() {
        var later = PackRecord(), earlier = PackRecord(), never = PackRecord()
        later.apply(.expiresAt(200), at: HybridTimestamp(wallMillis: 1, counter: 0, controller: 3))
        earlier.apply(.expiresAt(100), at: HybridTimestamp(wallMillis: 1, counter: 0, controller: 1))
        never.apply(.expiresAt(nil), at: HybridTimestamp(wallMillis: 1, counter: 0, controller: 2))
        #expect(later.merged(earlier).state.expiresAt == 100)
        #expect(never.merged(later).state.expiresAt == 200)
    }

    @Test func aRegenerateIsNeverUndoneAndRevokesTheOldSerial() {
        var record = PackRecord()
        record.apply(.regenerated(serial: "11"), at: HybridTimestamp(wallMillis: 1, counter: 0, controller: 1))
        let stale = record
        record.apply(.regenerated(serial: "12"), at: HybridTimestamp(wallMillis: 2, counter: 0, controller: 1))
        // A stale copy of generation 1 stamped later still loses to generation 2.
        var lateStale = stale
        lateStale.key?.stamp = HybridTimestamp(wallMillis: 99, counter: 0, controller: 3)
        let merged = record.merged(lateStale)
        #expect(merged.key?.value == KeyGeneration(generation: 2, serial: "12"))
        #expect(merged.refusedSerials == ["11"])
        #expect(lateStale.merged(record) == merged)
    }

    @Test func concurrentRegeneratesKeepOneKeyAndRevokeTheOther() {
        var base = PackRecord()
        base.apply(.regenerated(serial: "1"), at: HybridTimestamp(wallMillis: 1, counter: 0, controller: 1))
        var left = base, right = base
        left.apply(.regenerated(serial: "2"), at: HybridTimestamp(wallMillis: 5, counter: 0, controller: 1))
        right.apply(.regenerated(serial: "3"), at: HybridTimestamp(wallMillis: 5, counter: 0, controller: 2))
        let merged = left.merged(right)
        #expect(merged == right.merged(left))
        #expect(merged.key?.value.serial == "3")
        #expect(merged.refusedSerials == ["1", "2"])
    }

    @Test func anUnwrittenFieldKeepsTheDefault() {
        var record = PackRecord()
        record.apply(.owner("ann"), at: HybridTimestamp(wallMillis: 1, counter: 0, controller: 1))
        #expect(record.state.enabled == true)
        #expect(record.state.owner == "ann")
    }
}
