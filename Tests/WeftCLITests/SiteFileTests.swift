import Testing
@testable import WeftCLI

@Suite struct SiteFileTests {
    static let sample = """
        weft: 1
        controller:
          topology_name: lab
          controller_name: "edge-1"
        firewall:
          fwsets:
            - name: admins
              type: net
              entries: ["10.1.0.0/24", {entry: 10.2.0.5, comment: "jump host"}]
          rules:
            - INPUT_CUST -m set --match-set admins src -p tcp --dport 22 -j ACCEPT
            - "FORWARD_CUST   -j DROP"
        routes:
          - cidr: 10.9.0.0/24
            gateway: 198.18.0.1
            advertise: true
        peers:
          - {id: 2, address: 198.18.0.12, mtu: 1420}
        """

    @Test func readsEverySection() throws {
        let site = try SiteFile.parse(Self.sample)
        #expect(site.controller == ["topology_name": "lab", "controller_name": "edge-1"])
        #expect(site.fwsets == [.init(name: "admins", type: "net", entries: [.init(entry: "10.1.0.0/24"), .init(entry: "10.2.0.5", comment: "jump host")])])
        #expect(site.rules == ["INPUT_CUST -m set --match-set admins src -p tcp --dport 22 -j ACCEPT", "FORWARD_CUST -j DROP"])
        var route = SiteConfig.RouteSpec(cidr: "10.9.0.0/24")
        route.gateway = "198.18.0.1"
        route.advertise = true
        #expect(site.routes == [route])
        #expect(site.peers == [.init(id: 2, address: "198.18.0.12", mtu: 1420)])
    }

    @Test func exportReadsBackToTheSameConfiguration() throws {
        var site = try SiteFile.parse(Self.sample)
        site.controller?["ntp_hosts"] = ""
        site.fwsets?[0].description = "quote \" and \\ and\nnewline"
        let text = SiteFile.yaml(site)
        #expect(try SiteFile.parse(text) == site)
        #expect(SitePlan(running: site, desired: try SiteFile.parse(text)).isEmpty)
        var empty = SiteConfig()
        empty.rules = []
        empty.routes = []
        empty.peers = []
        empty.fwsets = []
        #expect(try SiteFile.parse(SiteFile.yaml(empty)) == empty)
    }

    @Test func badFilesNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("controller:\n  topology_nam: x\n", 2, "unknown key topology_nam"),
            ("routes:\n  - cidr: 10.0.0.0/24\n", 2, "a gateway, an interface or a tunnel is required"),
            ("peers:\n  - id: two\n    address: x\n", 2, "peers[0].id must be an integer"),
            ("firewall:\n  rules: INPUT_CUST -j DROP\n", 2, "firewall.rules must be a list"),
            ("firewall:\n  rules:\n    - [a]\n", 3, "must be text"),
            ("weft: 2\n", 1, "only version 1"),
            ("controller: [\n", 2, "expected"),
            ("fwsets: []\n", 1, "unknown key fwsets"),
            ("peers:\n  - {id: 2, address: a}\n  - {id: 2, address: b}\n", 3, "listed twice"),
            ("", 1, "empty"),
        ]
        for (text, line, reason) in cases {
            do {
                _ = try SiteFile.parse(text)
                Issue.record("accepted: \(text)")
            } catch let error as SiteFile.Problem {
                #expect(error.line == line, "\(text): \(error)")
                #expect(error.reason.contains(reason), "\(text): \(error)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}

@Suite struct SitePlanTests {
    @Test func plansPerSectionAndOnlyManagedSections() throws {
        var running = SiteConfig()
        running.controller = ["topology_name": "old", "controller_name": "edge-1", "ntp_hosts": ""]
        running.rules = ["A -j ACCEPT", "B -j DROP"]
        running.fwsets = [.init(name: "gone", type: "net"), .init(name: "kept", type: "net", entries: [.init(entry: "10.0.0.1")])]
        var old = SiteConfig.RouteSpec(cidr: "10.9.0.0/24")
        old.gateway = "198.18.0.1"
        running.routes = [old]
        running.peers = [.init(id: 3, address: "x", mtu: 1420)]

        var desired = SiteConfig()
        desired.controller = ["topology_name": "new"]
        desired.rules = ["A -j ACCEPT", "C -j ACCEPT"]
        desired.fwsets = [.init(name: "kept", type: "net", entries: [.init(entry: "10.0.0.2")]), .init(name: "new", type: "port")]
        var changed = old
        changed.metric = 5
        desired.routes = [changed]
        let plan = SitePlan(running: running, desired: desired)
        #expect(plan.changes(in: "controller").map(\.key) == ["topology_name"])
        #expect(plan.changes(in: "firewall").map(\.operation) == [.add, .remove])
        #expect(plan.changes(in: "fwsets").map { "\($0.operation) \($0.key)" } == ["change kept", "add new", "remove gone"])
        #expect(plan.changes(in: "routes").map(\.operation) == [.change])
        #expect(plan.changes(in: "peers").isEmpty, "peers: not in the file, not managed")
        #expect(plan.text.contains("fwsets: 1 to add, 1 to change, 1 to remove\n"))
        #expect(plan.text.hasSuffix("plan: 2 to add, 3 to change, 2 to remove\n"))

        #expect(SitePlan(running: running, desired: running).isEmpty)
        #expect(SitePlan(running: running, desired: SiteConfig()).text == "no changes\n")
        var peers = SiteConfig()
        peers.peers = []
        #expect(SitePlan(running: running, desired: peers).changes.map(\.operation) == [.remove])
    }
}
