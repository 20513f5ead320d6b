import Logging
import Synchronization
import Testing
@testable import WeftReconciler
import WeftStore
import WeftSystemTesting

/// A held subsystem (the mesh catch-up after a start) is not touched and shows why; once
/// the hold ends the next pass applies it.
@Suite struct HeldSubsystemTests {
    @Test func aHeldSubsystemStaysPendingUntilTheHoldEnds() async throws {
        let store = try Store()
        try store.write(actor: "t", action: "t") { _ in }
        let sysctl = FakeSysctl()
        let service = ReconcileService(store: store, subsystems: [HostReconciler(sysctl: sysctl, netfilter: FakeNetfilter())],
                                       applying: true, logger: Logger(label: "test"))
        let reason = Mutex<String?>("held until the mesh key state has caught up with a peer (at most 30 s more)")
        service.hold(["host"]) { reason.withLock { $0 } }
        await service.pass()
        let held = try #require(service.board.status("host"))
        #expect(held.state == .pending && held.appliedGeneration == nil && held.message.contains("caught up"))
        #expect(sysctl.snapshot == FakeSysctl.freshNamespace, "nothing applied while held")

        reason.withLock { $0 = nil }
        await service.pass()
        #expect(service.board.status("host")?.state == .ok)
        #expect(service.board.status("host")?.appliedGeneration == 1)
    }
}
