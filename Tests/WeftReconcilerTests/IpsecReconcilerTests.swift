import Testing
import WeftModel
import WeftReconciler
import WeftStore
import WeftSystem

@Suite struct IpsecPlanTests {
    func config() -> IpsecConfig {
        IpsecConfig(endpoints: [
            IpsecEndpoint(id: 3, name: "dc", address: "198.51.100.2", privateAddress: "10.9.0.2", psk: "averylongsecret", ikeVersion: 2,
                          extraConfig: "phase1=aes256-sha2_256-dh14 phase2=aes256-sha2_256",
                          tunnels: [IpsecTunnel(id: 7, localSubnet: "10.1.0.0/24", remoteSubnet: "10.2.0.0/24"),
                                    IpsecTunnel(id: 8, localSubnet: "10.1.0.0/24", remoteSubnet: "10.3.0.0/24", enabled: false)]),
        ])
    }

    @Test func rendersOneConnectionPerEndpointAndOneChildPerEnabledTunnel() throws {
        let plan = IpsecPlan(config(), localAddress: "198.18.0.11", mode: .libipsec)
        #expect(plan.connections.count == 1)
        let connection = try #require(plan.connections.first)
        #expect(connection.name == "ep3")
        let conn = try #require(connection.message.section("ep3"))
        #expect(conn["version"] == "2")
        #expect(conn.list("remote_addrs") == ["198.51.100.2"])
        #expect(conn.list("proposals") == ["aes256-sha256-modp2048"])
        #expect(conn["encap"] == "yes")
        #expect(conn.section("local")?["id"] == "198.18.0.11")
        #expect(conn.section("remote")?["id"] == "10.9.0.2")
        let children = try #require(conn.section("children"))
        #expect(children.sections.map(\.0) == ["t7"])
        #expect(children.section("t7")?.list("esp_proposals") == ["aes256-sha256-modp2048"])
        #expect(children.section("t7")?["start_action"] == "start")
        #expect(connection.secret["data"] == "averylongsecret")
        #expect(connection.secret.list("owners") == ["10.9.0.2"])
        #expect(plan.tunnelRoutes.map(\.network) == ["10.2.0.0/24"])
    }

    @Test func aPhase2DHGroupIsThePFSGroupInTheESPProposals() throws {
        var config = config()
        config.endpoints[0].extraConfig = "phase1=aes256-sha2_256-dh14\r\nphase2=aes256-sha2_256-dh19"
        let esp = { (config: IpsecConfig) in
            IpsecPlan(config, localAddress: "198.18.0.11", mode: .libipsec).connections[0].message.section("ep3")?.section("children")?.section("t7")?.list("esp_proposals")
        }
        #expect(esp(config) == ["aes256-sha256-ecp256"])
        config.endpoints[0].extraConfig = "phase1=aes256-sha2_256-dh20 phase2=aes256-sha2_256"
        #expect(esp(config) == ["aes256-sha256-ecp384"], "no group in phase 2: the phase-1 group")
        config.endpoints[0].pfs = false
        #expect(esp(config) == ["aes256-sha256"])
    }

    @Test func localPeerIDAndCloudAddressOverrideTheIdentity() throws {
        var config = config()
        config.localAddress = "203.0.113.9"
        #expect(IpsecPlan(config, localAddress: "198.18.0.11", mode: .xfrm).connections[0].message.section("ep3")?.section("local")?["id"] == "203.0.113.9")
        config.endpoints[0].extraConfig = "local-peer-id=vpn.example.net"
        let conn = try #require(IpsecPlan(config, localAddress: "198.18.0.11", mode: .xfrm).connections[0].message.section("ep3"))
        #expect(conn.section("local")?["id"] == "vpn.example.net")
        #expect(conn["encap"] == "no")
    }

    @Test func kernelRoutesFollowTunnelsAndUserRoutes() {
        var desired = DesiredState()
        desired.ipsec = config()
        desired.routes = RouteConfig(nextID: 4, routes: [
            StaticRoute(id: 1, cidr: "10.50.0.0/16", interface: "eth0", gateway: "198.18.0.1", metric: 5),
            StaticRoute(id: 2, cidr: "10.60.0.0/16", tunnel: 7),
            StaticRoute(id: 3, cidr: "10.70.0.0/16", advertise: true),
        ])
        let plan = RouteReconciler.plan(desired, mode: .libipsec)
        #expect(plan.routes == [
            KernelRoute(destination: "10.2.0.0/24", device: "ipsec0"),
            KernelRoute(destination: "10.50.0.0/16", device: "eth0", gateway: "198.18.0.1", metric: 5),
            KernelRoute(destination: "10.60.0.0/16", device: "ipsec0"),
        ])
        #expect(RouteReconciler.plan(desired, mode: .xfrm).routes.count == 1)
    }
}

@Suite struct IpsecMonitorTests {
    func event(up: Bool, tunnel: Int) -> VICIMessage {
        var child = VICIMessage()
        child.set("name", "t\(tunnel)")
        child.set("state", "INSTALLED")
        var children = VICIMessage()
        children.set("t\(tunnel)-12", section: child)
        var ike = VICIMessage()
        ike.set("state", up ? "ESTABLISHED" : "DELETING")
        ike.set("child-sas", section: children)
        var message = VICIMessage()
        if up { message.set("up", "yes") }
        message.set("ep3", section: ike)
        return message
    }

    @Test func childUpdownEventsBecomeLinkHistory() {
        let monitor = IpsecMonitor()
        monitor.handle("child-updown", event(up: true, tunnel: 7), at: 100)
        monitor.handle("child-updown", event(up: true, tunnel: 7), at: 101)  // repeated: no second "up"
        monitor.handle("child-updown", event(up: false, tunnel: 7), at: 200)
        #expect(monitor.history(tunnel: 7).map(\.event) == ["Tunnel up", "Tunnel down"])
        #expect(monitor.history(tunnel: 7).map(\.time) == [100, 200])
    }

    @Test func failureLogLinesBecomeTheReason() {
        let monitor = IpsecMonitor()
        var log = VICIMessage()
        log.set("group", "IKE")
        log.set("level", "1")
        log.set("ikesa-name", "ep3")
        log.set("msg", "received AUTHENTICATION_FAILED notify error")
        monitor.handle("log", log)
        #expect(monitor.reason(endpoint: 3) == "received AUTHENTICATION_FAILED notify error")
        monitor.handle("child-updown", event(up: true, tunnel: 7))
        #expect(monitor.reason(endpoint: 3) == nil)
    }

    @Test func listSAsMapsChildrenToTunnels() {
        var child = VICIMessage()
        child.set("name", "t7")
        child.set("state", "INSTALLED")
        child.set("bytes-in", "252")
        child.set("bytes-out", "504")
        child.set("encap", "yes")
        var children = VICIMessage()
        children.set("t7-4", section: child)
        var ike = VICIMessage()
        ike.set("version", "2")
        ike.set("state", "ESTABLISHED")
        ike.set("child-sas", section: children)
        var item = VICIMessage()
        item.set("ep3", section: ike)
        let sa = IpsecMonitor.tunnels([item])[7]
        #expect(sa?.connected == true)
        #expect(sa?.bytesIn == 252 && sa?.bytesOut == 504)
        #expect(sa?.ikeVersion == "IKEv2" && sa?.encapsulated == true)
    }
}

@Suite struct BirdOutputTests {
    @Test func parsesShowRoute() {
        let text = """
        BIRD 2.0.12 ready.
        Table master4:
        10.2.0.0/24          unicast [ebgp_1 11:01:52.244] * (100) [AS64512i]
        \tvia 169.254.10.2 on ipsec0
        10.3.0.0/24          unicast [ebgp_1 11:01:52.244] * (100) [AS64512i]
        \tvia 169.254.10.2 on ipsec0
        """
        let routes = BirdRoute.parse(text)
        #expect(routes == [
            BirdRoute(prefix: "10.2.0.0/24", gateway: "169.254.10.2", device: "ipsec0", protocolName: "ebgp_1"),
            BirdRoute(prefix: "10.3.0.0/24", gateway: "169.254.10.2", device: "ipsec0", protocolName: "ebgp_1"),
        ])
    }

    @Test func parsesShowProtocols() {
        let text = """
        BIRD 2.0.12 ready.
        Name       Proto      Table      State  Since         Info
        device1    Device     ---        up     11:00:01.174
        ebgp_1     BGP        ---        up     11:01:50.100  Established
        """
        let protocols = BirdProtocol.parse(text)
        #expect(protocols.map(\.name) == ["device1", "ebgp_1"])
        #expect(protocols.last?.info == "Established")
    }
}
