import Testing
import WeftMesh

@Suite struct MeshDigestTests {
    @Test func digestsAgreeExactlyWhenStatesAreEqual() {
        for seed in UInt64(1)...500 {
            var rng = SeededRandom(seed: seed)
            let a = Generate.state(&rng), b = Generate.state(&rng)
            #expect((a.digest == b.digest) == (a == b), "seed \(seed)")
        }
    }

    /// One round of anti-entropy: each side sends its pack digests, the other replies with
    /// the packs that differ; after merging both replies the two sides are equal.
    @Test func oneDigestRoundReconcilesTwoReplicas() {
        for seed in UInt64(1)...500 {
            var rng = SeededRandom(seed: seed)
            let common = Generate.state(&rng)
            var left = common.merged(Generate.state(&rng)), right = common.merged(Generate.state(&rng))
            let forRight = left.packs(differingFrom: right.packDigests)
            let forLeft = right.packs(differingFrom: left.packDigests)
            right.merge(forRight)
            left.merge(forLeft)
            #expect(left == right, "seed \(seed)")
            #expect(left.digest == right.digest)
            #expect(left.packs(differingFrom: right.packDigests).packs.isEmpty)
        }
    }

    @Test func theDigestIsStableHex() {
        var record = PackRecord()
        record.apply(.enabled(false), at: HybridTimestamp(wallMillis: 1, counter: 0, controller: 1))
        let state = MeshState(packs: ["100.127.255.193": record])
        #expect(state.digest.count == 64)
        #expect(state.digest == MeshState(packs: ["100.127.255.193": record]).digest)
        #expect(MeshState().digest != state.digest)
    }
}
