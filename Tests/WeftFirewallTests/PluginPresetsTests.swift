import Testing
import WeftModel
@testable import WeftFirewall

/// Firewall presets of plugin instances: the rules they compile to, where those live in
/// the restore payload, and the host ports the controller keeps for itself.
@Suite struct PluginPresetsTests {
    let services = FirewallCompiler.Services(apiPort: 8000, udpPorts: [51820, 1194, 500, 4500, 51001], tcpPorts: [22], pluginBridge: "plugin0")

    @Test func presetsCompileToDNATAndMasquerade() {
        let rules = PluginPresets.compile([
            PluginPortRule(instanceID: 1, preset: .portMap, address: "198.51.100.2", hostPort: 8080, containerPort: 80, proto: "tcp"),
            PluginPortRule(instanceID: 1, preset: .ssh, address: "198.51.100.2", hostPort: 2022),
            PluginPortRule(instanceID: 1, preset: .portMap, address: "198.51.100.2", hostPort: 5353, containerPort: 53, proto: "udp"),
            PluginPortRule(instanceID: 1, preset: .internet, address: "198.51.100.2"),
        ], bridge: "plugin0", network: "198.51.100.0/28")
        #expect(rules.map(\.text) == [
            "WEFT_PLUGINS_PRE ! -i plugin0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.51.100.2:80",
            "WEFT_PLUGINS_PRE ! -i plugin0 -p tcp -m tcp --dport 2022 -j DNAT --to-destination 198.51.100.2:22",
            "WEFT_PLUGINS_PRE ! -i plugin0 -p udp -m udp --dport 5353 -j DNAT --to-destination 198.51.100.2:53",
            "WEFT_PLUGINS_POST -s 198.51.100.2/32 ! -d 198.51.100.0/28 ! -o plugin0 -j MASQUERADE",
        ])
    }

    @Test func generatedRulesGoIntoTheirOwnChainsAndHooksInTheSameRestore() {
        let generated = PluginPresets.compile([PluginPortRule(instanceID: 3, preset: .portMap, address: "198.51.100.4", hostPort: 9000, containerPort: 80)])
        let output = FirewallCompiler.compile([], services: services, generated: generated)
        let nat = output.sections[.nat]!.payload
        #expect(nat.contains(":WEFT_PLUGINS_PRE - [0:0]\n"))
        #expect(nat.contains(":WEFT_PLUGINS_POST - [0:0]\n"))
        #expect(nat.contains("-A WEFT_PLUGINS_PRE ! -i plugin0 -p tcp -m tcp --dport 9000 -j DNAT --to-destination 198.51.100.4:80\n"))
        // The plugin hooks come after the customer's: PREROUTING_CUST decides first.
        let lines = nat.split(separator: "\n")
        let customer = lines.firstIndex(of: "-A PREROUTING -j PREROUTING_CUST")!
        let plugin = lines.firstIndex(of: "-A PREROUTING -j WEFT_PLUGINS_PRE")!
        #expect(customer < plugin)
        #expect(output.chains["WEFT_PLUGINS_PRE"]?.count == 1)
        // The customer chains are still flushed and refilled by the same payload.
        #expect(nat.contains(":PREROUTING_CUST - [0:0]\n"))
    }

    @Test func withoutPresetsNothingChangesAndHookedChainsAreEmptied() {
        let plain = FirewallCompiler.compile([], services: services)
        #expect(!plain.payload.contains("WEFT_PLUGINS"))
        // Hooks already in the kernel and no preset left: the chains are flushed, hooks not added again.
        let present: Set<String> = ["nat PREROUTING WEFT_PLUGINS_PRE", "nat POSTROUTING WEFT_PLUGINS_POST"]
        let emptied = FirewallCompiler.compile([], services: services, present: present)
        #expect(emptied.payload.contains(":WEFT_PLUGINS_PRE - [0:0]"))
        #expect(!emptied.payload.contains("-A PREROUTING -j WEFT_PLUGINS_PRE"))
        #expect(emptied.chains["WEFT_PLUGINS_PRE"] == [])
    }

    @Test(arguments: [(22, "tcp"), (8000, "tcp"), (51820, "udp"), (500, "udp"), (4500, "udp"), (1194, "udp"), (1100, "udp"), (51001, "udp")])
    func portsTheControllerNeedsAreRefused(port: Int, proto: String) {
        let reason = PluginPresets.reservedReason(hostPort: port, proto: proto, services: services)
        #expect(reason?.hasPrefix("Invalid host port. Port can't be TCP ports 22, 8000") == true)
    }

    @Test(arguments: [(2222, "tcp"), (8080, "tcp"), (22, "udp"), (5353, "udp"), (500, "tcp")])
    func otherPortsMayBeMapped(port: Int, proto: String) {
        #expect(PluginPresets.reservedReason(hostPort: port, proto: proto, services: services) == nil)
    }
}
