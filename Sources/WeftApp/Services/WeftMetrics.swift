import Foundation
import Prometheus
import Synchronization
import WeftModel
import WeftReconciler

/// Prometheus metrics (`GET /metrics`, API auth: Basic, `api-token` or `Authorization:
/// Bearer`). Request latency and reconcile durations are recorded as they happen; interface,
/// tunnel and client figures are read from the system when scraped.
public final class WeftMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let interfaceTotals = Mutex<[String: UInt64]>([:])

    public static let requestBuckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                             .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                             .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
    public static let reconcileBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
                                               .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(30)]

    public init() {}

    public static let help: [String: String] = [
        "weft_api_request_duration_seconds": "API request latency by method and status code.",
        "weft_api_targets_refused_total": "Requests refused before routing for an ambiguous target (//, dot segments, encoded / . NUL, foreign absolute URL).",
        "weft_reconcile_duration_seconds": "Duration of one subsystem's reconcile pass.",
        "weft_reconcile_passes_total": "Reconcile passes per subsystem.",
        "weft_reconcile_failures_total": "Reconcile passes that failed, per subsystem.",
        "weft_interface_receive_bytes_total": "Bytes received by the interface (kernel counter).",
        "weft_interface_receive_packets_total": "Packets received by the interface (kernel counter).",
        "weft_interface_transmit_bytes_total": "Bytes sent by the interface (kernel counter).",
        "weft_interface_transmit_packets_total": "Packets sent by the interface (kernel counter).",
        "weft_tunnel_up": "1 when the IPsec tunnel's child SA is installed.",
        "weft_tunnel_receive_bytes_total": "Bytes received through the IPsec tunnel's current SA.",
        "weft_tunnel_transmit_bytes_total": "Bytes sent through the IPsec tunnel's current SA.",
        "weft_tunnels_up": "IPsec tunnels up.",
        "weft_tunnels_configured": "IPsec tunnels configured.",
        "weft_clients_connected": "Overlay clients connected, by protocol.",
        "weft_clientpacks": "Clientpacks in the topology.",
        "weft_generation": "The store generation (one per configuration change).",
        "weft_subsystem_ok": "1 when the subsystem's last reconcile pass succeeded.",
        "weft_ids_alerts_total": "IDS alerts raised, per signature id.",
        "weft_waf_requests_logged_total": "Requests the WAF logged, per service and action (blocked, detected).",
        "weft_waf_rule_matches_total": "CRS rule matches in logged requests, per service and rule id.",
    ]

    /// The full name goes in `metricName` (the unit is already part of it).
    public static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? name)
    }

    public func gauge(_ name: String, _ labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name), labels: labels)
    }

    public func counter(_ name: String, _ labels: [(String, String)] = []) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name), labels: labels)
    }

    public func histogram(_ name: String, _ labels: [(String, String)], buckets: [Duration]) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.descriptor(name), labels: labels, buckets: buckets)
    }

    public func recordRequest(method: String, status: Int, duration: Duration) {
        histogram("weft_api_request_duration_seconds", [("method", method), ("code", String(status))], buckets: Self.requestBuckets)
            .recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    public func countRefusedTarget() {
        counter("weft_api_targets_refused_total").increment()
    }

    public func recordReconcile(subsystem: String, duration: Duration, failed: Bool) {
        histogram("weft_reconcile_duration_seconds", [("subsystem", subsystem)], buckets: Self.reconcileBuckets)
            .recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        counter("weft_reconcile_passes_total", [("subsystem", subsystem)]).increment()
        if failed { counter("weft_reconcile_failures_total", [("subsystem", subsystem)]).increment() }
    }

    /// Brings a counter up to a total read from the kernel (resetting it when the kernel's
    /// counter went backwards, e.g. a device was recreated).
    public func advance(_ name: String, labels: [(String, String)], to total: UInt64) {
        let key = name + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        let counter = counter(name, labels)
        let previous = interfaceTotals.withLock { table -> UInt64? in
            defer { table[key] = total }
            return table[key]
        }
        if let previous, total >= previous {
            if total > previous { counter.increment(by: Int64(total - previous)) }
        } else {
            counter.reset()
            counter.increment(by: Int64(total))
        }
    }

    /// Reads the system and renders the text exposition.
    public func scrape(_ controller: Controller) -> [UInt8] {
        if let text = try? String(contentsOfFile: "/proc/net/dev", encoding: .utf8) {
            for row in Self.parseNetDev(text) {
                let labels = [("interface", row.name)]
                advance("weft_interface_receive_bytes_total", labels: labels, to: row.rxBytes)
                advance("weft_interface_receive_packets_total", labels: labels, to: row.rxPackets)
                advance("weft_interface_transmit_bytes_total", labels: labels, to: row.txBytes)
                advance("weft_interface_transmit_packets_total", labels: labels, to: row.txPackets)
            }
        }
        let state = controller.snapshot
        let live = controller.ipsec?.liveTunnels() ?? [:]
        var up = 0
        for endpoint in state.ipsec.endpoints {
            for tunnel in endpoint.tunnels {
                let labels = [("tunnel", String(tunnel.id)), ("endpoint", endpoint.name)]
                let sa = live[tunnel.id]
                if sa?.connected == true { up += 1 }
                gauge("weft_tunnel_up", labels).set(sa?.connected == true ? 1.0 : 0.0)
                advance("weft_tunnel_receive_bytes_total", labels: labels, to: UInt64(max(0, sa?.bytesIn ?? 0)))
                advance("weft_tunnel_transmit_bytes_total", labels: labels, to: UInt64(max(0, sa?.bytesOut ?? 0)))
            }
        }
        gauge("weft_tunnels_up").set(Double(up))
        gauge("weft_tunnels_configured").set(Double(state.ipsec.endpoints.reduce(0) { $0 + $1.tunnels.count }))
        let connected = controller.clientWatcher?.connected ?? [:]
        for protocolName in ["wireguard", "openvpn"] {
            gauge("weft_clients_connected", [("protocol", protocolName)])
                .set(Double(connected.values.filter { $0 == protocolName }.count))
        }
        gauge("weft_clientpacks").set(Double(state.topology?.clients.count ?? 0))
        gauge("weft_generation").set(Double(state.generation))
        for status in controller.reconciler.board.all {
            gauge("weft_subsystem_ok", [("subsystem", status.name)]).set(status.state == .error ? 0.0 : 1.0)
        }
        return registry.emitToBuffer()
    }

    public struct NetDevRow: Equatable {
        public var name: String
        public var rxBytes: UInt64
        public var rxPackets: UInt64
        public var txBytes: UInt64
        public var txPackets: UInt64
    }

    /// `/proc/net/dev`: two header lines, then `name: rx_bytes rx_packets … (8 rx) tx_bytes tx_packets …`.
    public static func parseNetDev(_ text: String) -> [NetDevRow] {
        text.split(separator: "\n").dropFirst(2).compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let numbers = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
            guard numbers.count >= 10, !name.isEmpty else { return nil }
            return NetDevRow(name: name, rxBytes: numbers[0], rxPackets: numbers[1], txBytes: numbers[8], txPackets: numbers[9])
        }
    }
}
