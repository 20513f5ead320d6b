import Logging
import Testing
@testable import WeftReconciler
import WeftStore
import WeftSystem
import WeftSystemTesting

@Suite struct HostReconcilerTests {
    @Test func appliesThenStaysInSync() async throws {
        let sysctl = FakeSysctl(), netfilter = FakeNetfilter()
        let reconciler = HostReconciler(sysctl: sysctl, netfilter: netfilter)
        let first = try await reconciler.reconcile(DesiredState(), apply: true)
        #expect(!first.isEmpty)
        #expect(sysctl.snapshot["net.ipv4.ip_forward"] == "1")
        #expect(sysctl.snapshot["net.ipv4.conf.all.rp_filter"] == "2")
        #expect(netfilter.chains(table: "mangle")["WEFT_MSS"]?.rules.count == 8)
        #expect(netfilter.chains(table: "mangle")["FORWARD"]?.rules == ["-j WEFT_MSS"])
        let second = try await reconciler.reconcile(DesiredState(), apply: true)
        #expect(second.isEmpty)
        #expect(netfilter.restoreCount == 1)
    }

    @Test func repairsDriftWithoutTouchingOtherRules() async throws {
        let sysctl = FakeSysctl(), netfilter = FakeNetfilter()
        try await netfilter.restore("*mangle\n-A FORWARD -j MARK --set-mark 1\nCOMMIT\n")
        let reconciler = HostReconciler(sysctl: sysctl, netfilter: netfilter)
        _ = try await reconciler.reconcile(DesiredState(), apply: true)
        try sysctl.set("net.ipv4.ip_forward", "0")
        try await netfilter.restore("*mangle\n:WEFT_MSS - [0:0]\nCOMMIT\n")
        let repair = try await reconciler.reconcile(DesiredState(), apply: true)
        #expect(repair.map(\.summary).contains { $0.contains("ip_forward") })
        #expect(sysctl.snapshot["net.ipv4.ip_forward"] == "1")
        #expect(netfilter.chains(table: "mangle")["WEFT_MSS"]?.rules.count == 8)
        #expect(netfilter.chains(table: "mangle")["FORWARD"]?.rules == ["-j MARK --set-mark 1", "-j WEFT_MSS"])
    }

    @Test func planOnlyTouchesNothing() async throws {
        let sysctl = FakeSysctl(), netfilter = FakeNetfilter()
        let changes = try await HostReconciler(sysctl: sysctl, netfilter: netfilter).reconcile(DesiredState(), apply: false)
        #expect(changes.count == 5)
        #expect(sysctl.snapshot == FakeSysctl.freshNamespace)
        #expect(netfilter.restoreCount == 0)
    }

    @Test func aRefusedPayloadKeepsTheLastGoodState() async throws {
        let sysctl = FakeSysctl(), netfilter = FakeNetfilter(rejectRulesContaining: "TCPMSS")
        await #expect(throws: SystemError.self) {
            _ = try await HostReconciler(sysctl: sysctl, netfilter: netfilter).reconcile(DesiredState(), apply: true)
        }
        #expect(netfilter.chains(table: "mangle")["WEFT_MSS"] == nil)
        #expect(sysctl.snapshot == FakeSysctl.freshNamespace)
    }

    @Test func theServiceReportsStatusWithGenerations() async throws {
        let store = try Store()
        try store.write(actor: "t", action: "t") { _ in }
        let service = ReconcileService(store: store, subsystems: [HostReconciler(sysctl: FakeSysctl(), netfilter: FakeNetfilter())],
                                       applying: true, logger: Logger(label: "test"))
        await service.pass()
        let status = try #require(service.board.status("host"))
        #expect(status.state == .ok)
        #expect(status.appliedGeneration == 1)

        let failing = ReconcileService(store: store, subsystems: [HostReconciler(sysctl: FakeSysctl(), netfilter: FakeNetfilter(rejectRulesContaining: "TCPMSS"))],
                                       applying: true, logger: Logger(label: "test"))
        await failing.pass()
        #expect(failing.board.status("host")?.state == .error)
        #expect(failing.board.status("host")?.appliedGeneration == nil)
    }

    @Test func parsesIptablesSaveOutput() {
        let text = """
        *mangle
        :PREROUTING ACCEPT [0:0]
        :WEFT_MSS - [0:0]
        -A FORWARD -j WEFT_MSS
        -A WEFT_MSS -i tun+ -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
        COMMIT
        """
        let observed = HostReconciler.observe(mangle: text)
        #expect(observed.hooked)
        #expect(observed.rules == ["-i tun+ -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu"])
    }
}
