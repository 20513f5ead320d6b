import Testing
@testable import WeftApp
import WeftMesh
import WeftModel
import WeftStore

/// Concurrent clientpack writes on one controller all land: each one changes the states as
/// the store holds them inside its transaction. (Made from the snapshot, two writes at once
/// started from the same states and the later stored the earlier's pack back as it was, and
/// the mesh recorded that as a newer revert; the three-controller test found it.)
@Suite struct ClientpackConcurrencyTests {
    @Test func concurrentWritesToDifferentPacksAreAllKept() async throws {
        let harness = try TestController()
        let controller = harness.controller
        let addresses = (1...40).map { IPv4Address("100.127.255.\($0)")! }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, address) in addresses.enumerated() {
                group.addTask {
                    if i % 4 == 0 {
                        try await controller.updateClientpack(address, enabled: false, checkedOut: nil, regenerate: false, principal: "api")
                    } else {
                        try await controller.tagClientpack(address, key: "n", value: "v\(i)", principal: "api")
                    }
                }
            }
            try await group.waitForAll()
        }
        let stored = try #require(try controller.store.read { db in try Store.get(.clientpacks, in: db) })
        let mesh = try controller.meshState().state
        for (i, address) in addresses.enumerated() {
            let key = address.description
            if i % 4 == 0 {
                #expect(stored.state(key).enabled == false && mesh.packs[key]?.state.enabled == false, "\(key)")
            } else {
                #expect(stored.state(key).tags["n"] == "v\(i)" && mesh.packs[key]?.state.tags["n"] == "v\(i)", "\(key)")
            }
        }
        #expect(controller.snapshot.clientpacks == stored)
    }
}
