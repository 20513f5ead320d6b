import Foundation
import Testing
@testable import WeftApp
import WeftModel

/// Found by schemathesis (two `POST /api/snapshots {}` in one second answered 500): default
/// names taken within the same second get a suffix, and one name is never written twice.
@Suite struct SnapshotNameTests {
    @Test func defaultNamesInOneSecondAreDistinct() throws {
        let harness = try TestController()
        let first = try harness.controller.createSnapshot(name: nil, asynchronous: false, actor: "test").name
        let second = try harness.controller.createSnapshot(name: nil, asynchronous: false, actor: "test").name
        #expect(first != second)
        for name in [first, second] { try harness.controller.deleteSnapshot(name, actor: "test") }
    }

    @Test func aNameIsWrittenOnceEvenWhenTwoWritersRace() throws {
        let harness = try TestController()
        let name = "race_\(UUID().uuidString.prefix(8))"
        try harness.controller.writeSnapshot([1, 2, 3], name: name)
        #expect(throws: ValidationError.self) { try harness.controller.writeSnapshot([4, 5, 6], name: name) }
        let kept = try Data(contentsOf: URL(fileURLWithPath: harness.controller.snapshotDirectory + "/" + name))
        #expect(Array(kept) == [1, 2, 3])
        #expect(!harness.controller.snapshots().contains { $0.name.contains(".tmp") })
        try harness.controller.deleteSnapshot(name, actor: "test")
    }
}
