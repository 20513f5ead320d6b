import Testing
@testable import WeftFirewall

@Suite struct IDSSteeringTests {
    @Test func inlineSteeringGoesIntoWeftIDSWithBypassWhenFailOpen() {
        let open = FirewallCompiler.compile([], ids: IDSSteering(interfaces: ["tun0"], queue: 70, bypass: true))
        #expect(open.chains["WEFT_IDS"] == ["-i tun0 -j NFQUEUE --queue-num 70 --queue-bypass", "-o tun0 -j NFQUEUE --queue-num 70 --queue-bypass"])
        #expect(open.payload.contains("-A FORWARD -j WEFT_IDS"))
        #expect(open.payload.contains("-A INPUT -j WEFT_IDS"))
        #expect(open.payload.contains("-A OUTPUT -j WEFT_IDS"))
        let closed = FirewallCompiler.compile([], ids: IDSSteering(interfaces: ["tun0", "eth1"], queue: 70, bypass: false))
        #expect(closed.chains["WEFT_IDS"]?.count == 4)
        #expect(closed.chains["WEFT_IDS"]?.allSatisfy { !$0.contains("bypass") } == true)
        #expect(open.signature != closed.signature)
    }

    @Test func withoutSteeringTheChainIsEmptyAndOnlyMangleDiffers() {
        let none = FirewallCompiler.compile([])
        #expect(none.chains["WEFT_IDS"] == [])
        let some = FirewallCompiler.compile([], ids: IDSSteering(interfaces: ["tun0"], queue: 1, bypass: true))
        #expect(none.sections[.filter]?.signature == some.sections[.filter]?.signature)
        #expect(none.sections[.mangle]?.signature != some.sections[.mangle]?.signature)
    }
}
