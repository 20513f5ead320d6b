import Testing
import WeftModel

@Suite struct IpsecExtraConfigTests {
    @Test func mapsVNS3AlgorithmsToStrongSwanProposals() throws {
        let config = try IpsecExtraConfig.parse("phase1=aes256_gcm-sha2_256-dh14 phase2=aes256_gcm")
        #expect(config.ike == ["aes256gcm16-prfsha256-modp2048"])
        #expect(config.esp(pfs: true) == ["aes256gcm16-modp2048"])
        #expect(config.esp(pfs: false) == ["aes256gcm16"])

        let classic = try IpsecExtraConfig.parse("phase1=aes128-sha1-dh2,aes256-sha2_512-dh20 phase2=aes128-sha1 pfs-group=dh19")
        #expect(classic.ike == ["aes128-sha1-modp1024", "aes256-sha512-ecp384"])
        #expect(classic.esp(pfs: true) == ["aes128-sha1-ecp256"])
    }

    @Test func aDHGroupInPhase2IsThePFSGroupOfThatProposal() throws {
        let config = try IpsecExtraConfig.parse("phase1=aes256-sha2_256-dh14 phase2=aes256-sha2_256-dh14")
        #expect(config.ike == ["aes256-sha256-modp2048"])
        #expect(config.esp(pfs: true) == ["aes256-sha256-modp2048"])
        #expect(config.phase2NamesGroup)

        let mixed = try IpsecExtraConfig.parse("phase1=aes256-sha2_256-dh20 phase2=aes256-sha2_256-dh19,aes128-sha1,aes256_gcm-dh31")
        #expect(mixed.esp(pfs: true) == ["aes256-sha256-ecp256", "aes128-sha1-ecp384", "aes256gcm16-curve25519"])
        #expect(mixed.esp(pfs: false) == ["aes256-sha256", "aes128-sha1", "aes256gcm16"])
    }

    @Test func withPFSAndNoGroupInPhase2ThePhase1GroupIsUsed() throws {
        let config = try IpsecExtraConfig.parse("phase1=aes256-sha2_256-dh19,aes128-sha1-dh14 phase2=aes256-sha2_256")
        #expect(config.esp(pfs: true) == ["aes256-sha256-ecp256"])
        #expect(!config.phase2NamesGroup)
        let defaults = try IpsecExtraConfig.parse("phase1=aes256-sha2_256-dh20")
        #expect(defaults.esp(pfs: true) == IpsecExtraConfig.defaultESP.map { "\($0)-ecp384" })
        // pfs-group wins over phase 1, in either order.
        #expect(try IpsecExtraConfig.parse("pfs-group=dh14 phase1=aes256-sha2_256-dh20 phase2=aes128-sha1").esp(pfs: true) == ["aes128-sha1-modp2048"])
    }

    @Test func readsLifetimesIdentityAndDPD() throws {
        let config = try IpsecExtraConfig.parse("local-peer-id=203.0.113.7\nphase1-lifetime=8h phase2-lifetime=3600 dpd-delay=5s")
        #expect(config.localPeerID == "203.0.113.7")
        #expect(config.ikeLifetime == 28800)
        #expect(config.childLifetime == 3600)
        #expect(config.dpdDelay == 5)
    }

    @Test(arguments: ["\r\n", "\n", "\r"])
    func optionsOnSeparateLinesWhateverTheLineEnd(_ newline: String) throws {
        let config = try IpsecExtraConfig.parse("phase1=aes256-sha2_256-dh14" + newline + "phase2=aes256-sha2_256-dh19" + newline + "dpd-delay=5" + newline)
        #expect(config.ike == ["aes256-sha256-modp2048"])
        #expect(config.esp(pfs: true) == ["aes256-sha256-ecp256"])
        #expect(config.dpdDelay == 5)
    }

    @Test func defaultsWhenEmpty() throws {
        let config = try IpsecExtraConfig.parse("")
        #expect(config.ike == IpsecExtraConfig.defaultIKE)
        #expect(config.esp(pfs: true).allSatisfy { $0.hasSuffix("-modp2048") })
    }

    @Test(arguments: [
        "phase1=rot13-md0-dh99", "phase1=aes256-sha2_256", "phase2=aes256_gcm-sha1", "phase2=aes999-sha1",
        "phase2=aes256-sha2_256-dh99", "phase2=aes256-dh14", "phase2=aes256_gcm-sha1-dh14", "phase2=aes256-sha2_256-dh14-dh14",
        "pfs-group=dh99", "phase1-lifetime=forever", "colour=blue", "justaword", "local-peer-id=",
    ])
    func refusesUnknownOptionsAndAlgorithms(_ text: String) {
        #expect(throws: ValidationError.self) { try IpsecExtraConfig.parse(text) }
        do { _ = try IpsecExtraConfig.parse(text) } catch let error as ValidationError {
            #expect(error.field == "extra_config")
            #expect(error.message.hasPrefix("extra_config:"))
        } catch {}
    }
}

@Suite struct RouteConflictTests {
    let overlay = RouteConflicts.Reserved(IPv4Network("100.127.255.192/26")!, owner: "the overlay network")

    @Test func sameNetworkSameMetricElsewhereConflicts() {
        let existing = [StaticRoute(id: 1, cidr: "10.5.0.0/16", interface: "eth0", gateway: "198.18.0.1")]
        let other = StaticRoute(id: 2, cidr: "10.5.0.0/16", interface: "eth1", gateway: "_notset")
        #expect(RouteConflicts.check(other, against: existing, reserved: [])?.contains("conflicts with route 1") == true)
        var backup = other
        backup.metric = 10
        #expect(RouteConflicts.check(backup, against: existing, reserved: []) == nil)
    }

    @Test func exactDuplicateIsReported() {
        let route = StaticRoute(id: 1, cidr: "10.5.0.0/16", interface: "eth0", gateway: "198.18.0.1")
        var again = route
        again.id = 2
        #expect(RouteConflicts.check(again, against: [route], reserved: [])?.contains("duplicates route 1") == true)
    }

    @Test func advertisementsNeverConflictWithForwardingRoutes() {
        let forwarding = StaticRoute(id: 1, cidr: "10.5.0.0/16", interface: "eth0")
        let advertised = StaticRoute(id: 2, cidr: "10.5.0.0/16", advertise: true)
        #expect(RouteConflicts.check(advertised, against: [forwarding], reserved: [overlay]) == nil)
    }

    @Test func routesInsideTheOverlayAreRefusedButWiderOnesAreNot() {
        let inside = StaticRoute(id: 1, cidr: "100.127.255.200/29", interface: "eth0")
        #expect(RouteConflicts.check(inside, against: [], reserved: [overlay])?.contains("the overlay network") == true)
        let wide = StaticRoute(id: 2, cidr: "0.0.0.0/0", gateway: "198.18.0.1")
        #expect(RouteConflicts.check(wide, against: [], reserved: [overlay]) == nil)
    }
}

@Suite struct BirdConfigTests {
    @Test func rendersPeersFiltersAndAdvertisements() {
        var config = IpsecConfig()
        config.endpoints = [IpsecEndpoint(id: 1, name: "dc1", address: "198.51.100.2", psk: "secretsecret", vpnType: .vti,
                                          linkAddress: "169.254.10.1/30",
                                          bgpPeers: [BGPPeer(id: 4, address: "169.254.10.2", asn: 64512,
                                                             accessList: "in permit 10.2.0.0/16\nout permit 10.1.0.0/24",
                                                             holdTime: 9, keepaliveInterval: 3)])]
        let text = BirdConfig.render(routerID: "198.18.0.11", advertised: [IPv4Network("10.1.0.0/24")!],
                                     peers: BirdConfig.peers(config, asn: 65001), log: "/var/lib/weft/bgp/bird.log")
        let expected = """
        # Written by Weft; changes are overwritten.
        log "/var/lib/weft/bgp/bird.log" { info, warning, error, auth };
        router id 198.18.0.11;

        protocol device {
          scan time 5;
        }

        protocol kernel weft_kernel {
          scan time 10;
          ipv4 {
            import none;
            export where source = RTS_BGP;
          };
        }

        protocol static weft_advertised {
          ipv4;
          route 10.1.0.0/24 blackhole;
        }

        filter ebgp_4_in {
          if net ~ [ 10.2.0.0/16+ ] then accept;
          reject;
        }

        filter ebgp_4_out {
          if proto != "weft_advertised" then reject;
          if net ~ [ 10.1.0.0/24+ ] then accept;
          reject;
        }

        protocol bgp ebgp_4 {
          description "endpoint dc1 peer 4";
          local as 65001;
          neighbor 169.254.10.2 as 64512;
          hold time 9;
          keepalive time 3;
          connect retry time 5;
          error wait time 5, 30;
          ipv4 {
            import filter ebgp_4_in;
            export filter ebgp_4_out;
            next hop self;
          };
        }

        """
        #expect(text == expected)
    }

    @Test func remoteLinkAddressIsTheOtherHostOfTheSlash30() {
        let endpoint = IpsecEndpoint(id: 1, name: "x", address: "198.51.100.2", psk: "secretsecret", vpnType: .vti, linkAddress: "169.254.10.2/30")
        #expect(endpoint.remoteLinkAddress == IPv4Address(169, 254, 10, 1))
    }
}
