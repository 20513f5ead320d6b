import Testing
import WeftModel
@testable import WeftCLI

/// Webhooks, alerts and IPsec endpoints in a site file: strict parsing, plans that name
/// what changed (never a secret), and export → parse → plan that plans nothing.
@Suite struct SiteObjectsTests {
    let file = """
    webhooks:
      - {name: ops, url: "http://192.0.2.9/hook", events: [tunnel_up]}
    alerts:
      - {name: to-ops, webhook: ops, enabled: true}
    ipsec:
      - name: branch
        ipaddress: 203.0.113.7
        secret: "s3cret-psk"
        ike_version: 2
        tunnels:
          - {local_subnet: 100.127.255.192/26, remote_subnet: 10.88.0.0/24}
    """

    @Test func parsesTypedValuesAndChildren() throws {
        let site = try SiteFile.parse(file)
        #expect(site.webhooks?.first?.fields["events"] == .array([.string("tunnel_up")]))
        #expect(site.alerts?.first?.fields["enabled"] == .bool(true))
        let endpoint = try #require(site.ipsec?.first)
        #expect(endpoint.fields["ike_version"] == .int(2) && endpoint.fields["secret"] == .string("s3cret-psk"))
        #expect(endpoint.children["tunnels"]?.first?.key(.tunnel) == "100.127.255.192/26 → 10.88.0.0/24")
        #expect(endpoint.children["ebgp_peers"] == nil)  // left out: not managed
    }

    @Test func refusesUnknownFieldsAndMissingOnesWithTheLine() {
        #expect(throws: SiteFile.Problem(line: 2, reason: "ipsec[0]: ipaddress is required")) {
            try SiteFile.parse("ipsec:\n  - {name: a, secret: x}\n")
        }
        #expect(throws: SiteFile.Problem.self) { try SiteFile.parse("webhooks:\n  - {name: a, url: u, colour: red}\n") }
        #expect(throws: SiteFile.Problem.self) { try SiteFile.parse("alerts:\n  - {name: a}\n  - {name: a}\n") }
    }

    @Test func plansOnlyWhatDiffersAndHidesSecrets() throws {
        let desired = try SiteFile.parse(file)
        var running = desired
        running.ipsec![0].fields["ike_version"] = .int(1)
        running.ipsec![0].fields["secret"] = .string("old-psk")
        running.ipsec![0].fields["pfs"] = .bool(true)  // not in the file: not managed
        running.ipsec![0].children["tunnels"] = []
        running.webhooks!.append(SiteObject(fields: ["name": "stale", "url": "http://192.0.2.1/"]))
        let plan = SitePlan(running: running, desired: desired)
        #expect(plan.changes(in: "ipsec").map(\.detail) == ["ike_version 1 → 2, secret (changed)"])
        #expect(plan.changes(in: "ipsec branch tunnels").map(\.operation) == [.add])
        #expect(plan.changes(in: "webhooks").map(\.key) == ["stale"])
        #expect(!plan.text.contains("psk"))
    }

    @Test func exportThenParsePlansNothing() throws {
        var site = try SiteFile.parse(file)
        site.webhooks![0].fields["body"] = .string("{\"text\": \"%{message}\"}\n")
        site.ipsec![0].children["ebgp_peers"] = []
        let again = try SiteFile.parse(SiteFile.yaml(site))
        #expect(SiteFile.yaml(again) == SiteFile.yaml(site))
        #expect(SitePlan(running: site, desired: again).isEmpty)
    }
}
