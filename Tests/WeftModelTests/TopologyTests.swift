import Testing
@testable import WeftModel

@Suite struct TopologyTests {
    @Test func defaultTopologyMatchesVNS3() {
        let topology = Topology.default
        #expect(topology.subnet.description == "100.127.255.192/26")
        #expect(topology.managers.map(\.description) == ["100.127.255.253", "100.127.255.252", "100.127.255.251", "100.127.255.250"])
        #expect(topology.asns == [65001, 65002, 65003, 65004])
        #expect(topology.clients.count == 62 - 4)
        #expect(topology.clients.first?.description == "100.127.255.193")
        #expect(topology.managerAddress(peerID: 2)?.description == "100.127.255.252")
        #expect(topology.managerAddress(peerID: 5) == nil)
    }

    @Test func parsesParametersWithRangesAndLists() throws {
        let topology = try Topology.fromParameters(subnet: "172.31.1.0/24", managers: "172.31.1.253 172.31.1.252", asns: "65010 65011",
                                                   clients: "172.31.1.1-172.31.1.10,172.31.1.20", managerVIP: nil)
        #expect(topology.clients.count == 11)
        #expect(topology.asns == [65010, 65011])
    }

    @Test func fillsDefaultsForMissingParts() throws {
        let topology = try Topology.fromParameters(subnet: "10.9.0.0/29", managers: nil, asns: nil, clients: nil, managerVIP: nil)
        #expect(topology.managers.map(\.description) == ["10.9.0.5"])
        #expect(topology.asns == [65001])
        #expect(topology.clients.count == 5)
    }

    @Test func refusesBadParametersNamingTheField() {
        func field(_ body: () throws -> Topology) -> String? {
            do { _ = try body(); return nil } catch let error as ValidationError { return error.field } catch { return "unexpected \(error)" }
        }
        #expect(field { try Topology.fromParameters(subnet: "10.0.0.1/24", managers: nil, asns: nil, clients: nil, managerVIP: nil) } == "subnet")
        #expect(field { try Topology.fromParameters(subnet: "10.0.0.0/30", managers: nil, asns: nil, clients: nil, managerVIP: nil) } == "subnet")
        #expect(field { try Topology.fromParameters(subnet: nil, managers: nil, asns: nil, clients: nil, managerVIP: nil) } == "subnet")
        #expect(field { try Topology.fromParameters(subnet: "10.0.0.0/24", managers: "10.0.1.5", asns: nil, clients: nil, managerVIP: nil) } == "managers")
        #expect(field { try Topology.fromParameters(subnet: "10.0.0.0/24", managers: "10.0.0.5 10.0.0.6", asns: "65001", clients: nil, managerVIP: nil) } == "asns")
        #expect(field { try Topology.fromParameters(subnet: "10.0.0.0/24", managers: "10.0.0.5", asns: "x", clients: nil, managerVIP: nil) } == "asns")
        #expect(field { try Topology.fromParameters(subnet: "10.0.0.0/24", managers: "10.0.0.5", asns: nil, clients: "10.0.0.5", managerVIP: nil) } == "clients")
        #expect(field { try Topology.fromParameters(subnet: "10.0.0.0/24", managers: "10.0.0.5", asns: nil, clients: "10.0.0.9-10.0.0.2", managerVIP: nil) } == "clients")
        #expect(field { try Topology.fromParameters(subnet: "10.0.0.0/24", managers: "10.0.0.5", asns: nil, clients: nil, managerVIP: "10.0.0.5") } == "my_manager_vip")
    }
}
