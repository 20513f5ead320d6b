import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WeftModel
import WeftSNMP

/// The SNMP agent (read-only v1/v2c, UDP 161 by default) as a service of the daemon. The
/// agent answers from its own thread; the Weft counters it serves (clientpacks connected,
/// tunnels up, mesh peers up) are refreshed here every 2 s, so the agent never waits on
/// the controller. As on VNS3, the port is closed by the default firewall until a customer
/// rule opens it (`INPUT_CUST -p udp -s NET --dport 161 -j ACCEPT`).
public final class SNMPService: Service, Sendable {
    public let controller: Controller
    public let agent: SNMPAgent
    private let counters = Mutex(WeftCounters(clientpacksConnected: 0, clientpacksTotal: 0, tunnelsUp: 0, tunnelsConfigured: 0, peersUp: 0,
                                              version: WeftVersion.weft))
    private let reported = Mutex<Int>(0)

    public init(controller: Controller, community: String, port: Int) {
        self.controller = controller
        let box = Box()
        let hostname = ProcessInfo.processInfo.hostName
        let source = StandardMIB(sysName: hostname, sysDescr: "weft \(WeftVersion.weft) network edge controller (Linux)",
                                 weft: { box.read() })
        let logger = controller.logger
        let reported = Mutex<Int>(0)
        agent = SNMPAgent(community: community, source: source, port: port) { event in
            // At most 10 log lines per process lifetime for bad packets: a flood stays a count.
            guard reported.withLock({ count -> Bool in count += 1; return count <= 10 }) else { return }
            logger.info("snmp packet dropped", metadata: ["snmp.event": "\(event)"])
        }
        box.service = self
    }

    /// Gives the data source (created before `self`) a way back to the counters.
    public final class Box: Sendable {
        private let target = Mutex<SNMPService?>(nil)
        public var service: SNMPService? {
            get { target.withLock { $0 } }
            set { target.withLock { $0 = newValue } }
        }
        public func read() -> WeftCounters {
            service?.counters.withLock { $0 }
                ?? WeftCounters(clientpacksConnected: 0, clientpacksTotal: 0, tunnelsUp: 0, tunnelsConfigured: 0, peersUp: 0, version: WeftVersion.weft)
        }
    }

    public var statistics: SNMPStatistics { agent.statistics }

    public func run() async throws {
        do {
            try agent.start()
            controller.logger.notice("snmp agent listening", metadata: ["snmp.port": "\(agent.localPort ?? 0)"])
        } catch {
            controller.logger.error("snmp agent not started", metadata: ["error": "\(error)"])
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.refresh()
                try? await Task.sleep(for: .seconds(2))
            }
        }
        agent.stop()
    }

    public func refresh() async {
        let state = controller.snapshot
        let live = controller.ipsec?.liveTunnels() ?? [:]
        let handshakes = await controller.peering?.handshakes() ?? [:]
        let now = Int(Date().timeIntervalSince1970)
        let fresh = WeftCounters(
            clientpacksConnected: controller.clientWatcher?.connected.count ?? 0,
            clientpacksTotal: state.topology?.clients.count ?? 0,
            tunnelsUp: live.values.filter(\.connected).count,
            tunnelsConfigured: state.ipsec.endpoints.reduce(0) { $0 + $1.tunnels.count },
            peersUp: handshakes.values.filter { $0.lastHandshake > 0 && now - $0.lastHandshake < 180 }.count,
            version: WeftVersion.weft)
        counters.withLock { $0 = fresh }
    }
}
