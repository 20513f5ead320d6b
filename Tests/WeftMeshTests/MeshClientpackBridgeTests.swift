import Testing
import WeftMesh
import WeftModel

@Suite struct MeshClientpackBridgeTests {
    let address = "100.127.255.193"

    @Test func aLocalDisableOnOneControllerIsInForceOnAnotherAfterMerge() {
        var clock1 = HybridClock(controller: 1)
        var mesh1 = MeshState(), mesh2 = MeshState()
        let before = ClientpackStates()
        var after = before
        after.byAddress[address] = ClientpackState(enabled: false, tags: ["team": "red"])
        #expect(mesh1.record(from: before, to: after, clock: &clock1, physical: 1_000))
        #expect(mesh1.packs[address]?.enabled?.value == EnabledFlag(false))
        #expect(mesh1.packs[address]?.owner == nil, "unchanged fields are not written")

        mesh2.merge(mesh1)
        let local2 = mesh2.applied(to: ClientpackStates(), now: 5)
        #expect(local2.state(address).enabled == false)
        #expect(local2.state(address).tags == ["team": "red"])
    }

    @Test func anUnchangedWriteRecordsNothing() {
        var clock = HybridClock(controller: 1)
        var mesh = MeshState()
        let states = ClientpackStates(byAddress: [address: ClientpackState(owner: "ann")])
        #expect(!mesh.record(from: states, to: states, clock: &clock, physical: 1))
        #expect(mesh.packs.isEmpty)
    }

    @Test func aRevokedCertificateIsRefusedEverywhere() {
        var clock = HybridClock(controller: 1)
        var mesh1 = MeshState()
        var after = ClientpackStates()
        after.revoked = [.init(serial: "4242", name: "100_127_255_193", revokedAt: 1)]
        mesh1.record(from: ClientpackStates(), to: after, clock: &clock, physical: 10)
        #expect(mesh1.packs[address]?.revokedSerials == ["4242"])
        let local2 = MeshState().merged(mesh1).applied(to: ClientpackStates(), now: 20)
        #expect(local2.revoked.map(\.serial) == ["4242"])
        #expect(local2.revoked.first?.name == "100_127_255_193")
        // Applying again adds nothing.
        #expect(mesh1.applied(to: local2, now: 30).revoked.count == 1)
    }

    /// Both sides of a partition: a disable on 1 and a tag on 3 of the same pack both hold
    /// after the heal, and on both controllers alike.
    @Test func concurrentChangesToDifferentFieldsBothSurvive() {
        var clock1 = HybridClock(controller: 1), clock3 = HybridClock(controller: 3)
        var mesh1 = MeshState(), mesh3 = MeshState()
        let base = ClientpackStates()
        var disabled = base
        disabled.byAddress[address] = ClientpackState(enabled: false)
        var tagged = base
        tagged.byAddress[address] = ClientpackState(tags: ["site": "east"])
        mesh1.record(from: base, to: disabled, clock: &clock1, physical: 100)
        mesh3.record(from: base, to: tagged, clock: &clock3, physical: 100)
        let healed1 = mesh1.merged(mesh3), healed3 = mesh3.merged(mesh1)
        #expect(healed1 == healed3)
        #expect(healed1.packs[address]?.state == ClientpackState(enabled: false, tags: ["site": "east"]))
    }
}
