import Foundation
import Testing
@testable import WeftModel

@Suite struct ClientGroupsTests {
    let a = "100.127.255.193", b = "100.127.255.194", c = "100.127.255.195"

    func packs(_ states: [String: ClientpackState]) -> ClientpackStates { ClientpackStates(byAddress: states) }

    func group(_ name: String, _ entries: [String]) -> FirewallSet {
        FirewallSet(name: name, kind: .clients, entries: entries.map { FirewallSet.Entry(entry: $0) })
    }

    @Test func selectorsParseTheirThreeFormsAndRefuseOthers() {
        #expect(ClientSelector("tag:team=engineering") == .tag(key: "team", value: "engineering"))
        #expect(ClientSelector(" owner:alice@example.com ") == .owner("alice@example.com"))
        #expect(ClientSelector("100.127.255.195") == .address(IPv4Address(100, 127, 255, 195)))
        #expect(ClientSelector("tag:team=")?.description == "tag:team=")
        for bad in ["", "team=a", "tag:", "tag:=a", "tag:team", "owner:", "100.127.255.300", "10.0.0.0/8", "group:x"] {
            #expect(ClientSelector(bad) == nil, "\(bad)")
        }
    }

    @Test func clientsSetsNormalizeSelectorsAndRefuseTheRest() {
        let set = FirewallSet(name: "team-a", kind: .clients)
        #expect(set.normalize(" tag:team=a") == "tag:team=a")
        #expect(set.normalize("10.0.0.1") == "10.0.0.1")
        #expect(set.normalize("10.0.0.0/24") == nil)
        #expect(FirewallSet.Kind.clients.ipsetType == "hash:ip")
        #expect(FirewallSet.Kind.fromV1Name("CLIENTS_ops") == .clients)
    }

    @Test func membersAreTheEnabledPacksTheSelectorsName() {
        let states = packs([a: .init(tags: ["team": "a"]), b: .init(tags: ["team": "a"], owner: "bob"),
                            c: .init(enabled: false, tags: ["team": "a"])])
        let sets = [group("team-a", ["tag:team=a"]), group("bob", ["owner:bob", "100.127.255.196"]), group("none", ["tag:team=z"]),
                    FirewallSet(name: "NETS_x", kind: .net, entries: [.init(entry: "10.0.0.0/8")])]
        let clients = Topology.default.clients
        let members = ClientGroups.members(sets, clients: clients, packs: states)
        #expect(members["team-a"]?.map(\.description) == [a, b])
        #expect(members["bob"]?.map(\.description) == [b, "100.127.255.196"], "an address selector names a pack in its default state")
        #expect(members["none"] == [], "a selector that matches nothing leaves the set empty")
        let resolved = ClientGroups.resolve(sets, clients: clients, packs: states)
        #expect(resolved[0].entries.map(\.entry) == [a, b])
        #expect(resolved[3] == sets[3], "other sets are untouched")
    }

    @Test func addressesOutsideTheTopologyAreNeverMembers() {
        let members = ClientGroups.members([group("g", ["10.9.9.9", "tag:x=1"])], clients: Topology.default.clients,
                                           packs: packs(["10.9.9.8": .init(tags: ["x": "1"])]))
        #expect(members["g"] == [])
    }

    @Test func aMoveNamesOnlyTheSetsJoinedAndLeft() {
        let index = ClientGroups.Index([group("team-a", ["tag:team=a"]), group("team-b", ["tag:team=b"]), group("all", ["tag:staff=yes"])])
        let before = ClientpackState(tags: ["team": "a", "staff": "yes"])
        var after = before
        after.tags["team"] = "b"
        #expect(ClientGroups.move(a, from: before, to: after, index: index) == .init(joined: ["team-b"], left: ["team-a"]))
        after.enabled = false
        #expect(ClientGroups.move(a, from: before, to: after, index: index) == .init(joined: [], left: ["team-a", "all"]))
        #expect(ClientGroups.move(a, from: before, to: before, index: index).isEmpty)
        #expect(index.selecting(a, after) == ["team-b", "all"], "the page lists the groups naming a disabled pack")
    }
}

@Suite struct ClientpackIdentityTests {
    @Test func rfc3339RoundTripsAndHonoursOffsets() {
        #expect(RFC3339.parse("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.parse("2026-12-31T23:59:59Z") == 1_798_761_599)
        #expect(RFC3339.parse("2026-12-31T23:59:59.250Z") == 1_798_761_599)
        #expect(RFC3339.parse("2027-01-01T01:59:59+02:00") == 1_798_761_599)
        #expect(RFC3339.parse("2026-12-31t18:59:59-05:00") == 1_798_761_599)
        #expect(RFC3339.parse("2024-02-29T00:00:00Z") != nil)
        #expect(RFC3339.format(1_798_761_599) == "2026-12-31T23:59:59Z")
        for epoch in [0, 951_782_400, 1_709_164_800, 4_102_444_800] { #expect(RFC3339.parse(RFC3339.format(epoch)) == epoch) }
    }

    @Test func rfc3339RefusesWhatIsNotOne() {
        for bad in ["", "tomorrow", "2026-12-31", "2026-12-31T23:59:59", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                    "2026-12-31T24:00:00Z", "2026-12-31T23:59:59+0200", "2026-12-31T23:59:59Zjunk", "1798761599", "2026-12-31T23:59:59."] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func expiryIsParsedOrRefusedNamingTheField() throws {
        #expect(try ClientpackIdentity.parseExpiry("2026-12-31T23:59:59Z") == 1_798_761_599)
        #expect(try ClientpackIdentity.parseExpiry("") == nil)
        #expect(throws: ValidationError(field: "expires_at", "")) { try ClientpackIdentity.parseExpiry("next week") }
        #expect(throws: ValidationError(field: "owner", "")) { try ClientpackIdentity.Change(owner: "a\nb").validated() }
    }

    @Test func remainingTimeReadsAsTheUIShowsIt() {
        #expect(ClientpackIdentity.remaining(nil, now: 0) == nil)
        #expect(ClientpackIdentity.remaining(3 * 86_400 + 50, now: 0) == "expires in 3 d")
        #expect(ClientpackIdentity.remaining(5 * 3600, now: 0) == "expires in 5 h")
        #expect(ClientpackIdentity.remaining(40, now: 0) == "expires in 40 s")
        #expect(ClientpackIdentity.remaining(0, now: 7200) == "expired 2 h ago")
    }

    @Test func changesApplyOnlyTheFieldsGiven() {
        let state = ClientpackState(tags: ["k": "v"], owner: "alice", description: "laptop", expiresAt: 100)
        #expect(ClientpackIdentity.Change(owner: "bob").applied(to: state).description == "laptop")
        #expect(ClientpackIdentity.Change(expiresAt: .some(nil)).applied(to: state).expiresAt == nil)
        #expect(ClientpackIdentity.Change().applied(to: state) == state)
        #expect(state.expired(at: 100) && !state.expired(at: 99))
    }

    @Test func statesStoredBeforeTheIdentityFieldsStillDecode() throws {
        let old = try JSONDecoder().decode(ClientpackState.self, from: Data(#"{"enabled":false,"checkedOut":true,"tags":{"a":"b"}}"#.utf8))
        #expect(old == ClientpackState(enabled: false, checkedOut: true, tags: ["a": "b"]))
        let full = ClientpackState(owner: "alice@example.com", description: "d", expiresAt: 42)
        #expect(try JSONDecoder().decode(ClientpackState.self, from: JSONEncoder().encode(full)) == full)
    }
}
