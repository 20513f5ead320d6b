import Foundation
import Testing
@testable import WeftApp
import WeftModel
import WeftStore
import WeftSystemTesting

/// Group commit of firewall writes against the fake netfilter: concurrent writes all land,
/// in the store, the snapshot and the kernel alike, while other in-place writes (clientpack
/// states) race with them; a bad write among them is refused on its own.
@Suite struct GroupCommitTests {
    @Test func concurrentRuleAddsAllLandWhileClientpackWritesRace() async throws {
        let harness = try TestController()
        let controller = harness.controller
        let rules = (0..<40).map { "FORWARD_CUST -s 10.77.\($0).0/24 -j DROP" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for rule in rules {
                group.addTask { _ = try await controller.addFirewallRule(rule, at: nil, actor: "api") }
                group.addTask {
                    // An in-place write of another part of the snapshot, racing the batch's.
                    _ = try controller.commitClientpacks("api", "clientpack.update", detail: "") { _, _ in }
                }
            }
            try await group.waitForAll()
        }
        let stored = try #require(try controller.store.get(.firewall))
        #expect(Set(stored.entries.map(\.rule)) == Set(rules))
        #expect(controller.snapshot.firewall.entries.map(\.rule) == stored.entries.map(\.rule))
        let kernel = harness.netfilter.chains(table: "filter")["FORWARD_CUST"]?.rules ?? []
        #expect(kernel.count == 40)
        #expect(kernel == stored.entries.map { $0.rule.replacingOccurrences(of: "FORWARD_CUST ", with: "") })
        // Each write has its audit row even when several share a generation.
        #expect(try controller.store.audit(limit: 500).filter { $0.action == "firewall.rule.create" }.count == 40)
    }

    @Test func aBadWriteInABurstIsRefusedAloneAndChangesNothing() async throws {
        let harness = try TestController()
        let controller = harness.controller
        let good = (0..<10).map { "FORWARD_CUST -s 10.78.\($0).0/24 -j DROP" }
        let results = await withTaskGroup(of: (String, Bool).self) { group in
            for rule in good + ["FORWARD_CUST -s 10.0.0.0/40 -j DROP", "FORWARD_CUST -j EXPLODE"] {
                group.addTask { ((try? await controller.addFirewallRule(rule, at: nil, actor: "api")) != nil ? rule : "refused: " + rule, true) }
            }
            var all: [String] = []
            for await (text, _) in group { all.append(text) }
            return all
        }
        #expect(results.filter { $0.hasPrefix("refused: ") }.count == 2)
        #expect(Set(controller.snapshot.firewall.entries.map(\.rule)) == Set(good))
        #expect(Set(try #require(try controller.store.get(.firewall)).entries.map(\.rule)) == Set(good))
    }
}

@Suite struct SnapshotInPlaceTests {
    /// The race the soak test found: a firewall batch commits generation G, a clientpack
    /// write commits G+1 and puts its states in place, then the batch's in-place update
    /// comes — it must not be dropped (the next batch would start from the old policy and
    /// lose an acknowledged write).
    @Test func anInPlaceWriteOvertakenByAnotherIsNotLost() throws {
        let harness = try TestController()
        let controller = harness.controller
        var policy = controller.snapshot.firewall
        policy.insert("FORWARD_CUST -s 10.9.9.0/24 -j DROP", at: nil)
        let frozen = policy
        let batch = try controller.store.write(lines: [.init(actor: "api", action: "firewall.rule.create", detail: "")]) { db in
            try Store.set(.firewall, frozen, in: db)
        }
        let overtaking = try controller.commitClientpacks("api", "clientpack.update", detail: "") { _, _ in }.generation
        #expect(overtaking == batch.generation + 1)
        controller.takeInPlace(generation: batch.generation) { $0.firewall = frozen }
        #expect(controller.snapshot.firewall.entries.map(\.rule) == ["FORWARD_CUST -s 10.9.9.0/24 -j DROP"])
        #expect(controller.snapshot.generation == overtaking)
    }

    /// The race the 30-minute soak found: a firewall batch commits G; before its in-place
    /// step, a clientpack write commits G+1. Stepping that snapshot from G-1 to G+1 in place
    /// would claim G+1 without the firewall of G, and a refresh racing it could be dropped as
    /// older: the next batch then started from the old policy. Now the clientpack write sees
    /// the gap and re-reads the store, so the snapshot holds both at once.
    @Test func anInPlaceWriteAfterAGapReReadsTheStore() throws {
        let harness = try TestController()
        let controller = harness.controller
        let before = controller.snapshot.generation
        var policy = controller.snapshot.firewall
        policy.insert("FORWARD_CUST -s 10.9.8.0/24 -j DROP", at: nil)
        let frozen = policy
        let batch = try controller.store.write(lines: [.init(actor: "api", action: "firewall.rule.create", detail: "")]) { db in
            try Store.set(.firewall, frozen, in: db)
        }
        #expect(batch.generation == before + 1)
        let (packs, overtaking) = try controller.commitClientpacks("api", "clientpack.update", detail: "") { packs, _ in
            packs.byAddress["100.127.255.193", default: ClientpackState()].description = "soak"
            return packs
        }
        // Before the batch's own in-place step: the snapshot already holds both writes.
        #expect(controller.snapshot.generation == overtaking)
        #expect(controller.snapshot.firewall.entries.map(\.rule) == ["FORWARD_CUST -s 10.9.8.0/24 -j DROP"])
        #expect(controller.snapshot.clientpacks == packs)
        // The batch's late step changes nothing.
        controller.takeInPlace(generation: batch.generation) { $0.firewall = FirewallPolicy() }
        #expect(controller.snapshot.firewall.entries.count == 1)
    }

    /// Consecutive in-place writes step the snapshot without a store read.
    @Test func consecutiveInPlaceWritesStepTheSnapshot() throws {
        let harness = try TestController()
        let controller = harness.controller
        for i in 0..<3 {
            let (packs, generation) = try controller.commitClientpacks("api", "clientpack.update", detail: "") { packs, _ in
                packs.byAddress["100.127.255.193", default: ClientpackState()].description = "t\(i)"
                return packs
            }
            #expect(controller.snapshot.generation == generation && controller.snapshot.clientpacks == packs)
        }
    }
}
