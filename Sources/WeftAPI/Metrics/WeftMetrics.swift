import Foundation
import Hummingbird
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

    static let requestBuckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                             .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                             .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
    static let reconcileBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
                                               .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(30)]

    public init() {}

    public func recordRequest(method: String, status: Int, duration: Duration) {
        registry.makeDurationHistogram(name: "weft_api_request_duration_seconds",
                                       labels: [("method", method), ("code", String(status))], buckets: Self.requestBuckets)
            .recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    public func recordReconcile(subsystem: String, duration: Duration, failed: Bool) {
        registry.makeDurationHistogram(name: "weft_reconcile_duration_seconds", labels: [("subsystem", subsystem)], buckets: Self.reconcileBuckets)
            .recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        registry.makeCounter(name: "weft_reconcile_passes_total", labels: [("subsystem", subsystem)]).increment()
        if failed { registry.makeCounter(name: "weft_reconcile_failures_total", labels: [("subsystem", subsystem)]).increment() }
    }

    /// Brings a counter up to a total read from the kernel (resetting it when the kernel's
    /// counter went backwards, e.g. a device was recreated).
    func advance(_ name: String, labels: [(String, String)], to total: UInt64) {
        let key = name + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        let counter = registry.makeCounter(name: name, labels: labels)
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
                registry.makeGauge(name: "weft_tunnel_up", labels: labels).set(sa?.connected == true ? 1.0 : 0.0)
                advance("weft_tunnel_receive_bytes_total", labels: labels, to: UInt64(max(0, sa?.bytesIn ?? 0)))
                advance("weft_tunnel_transmit_bytes_total", labels: labels, to: UInt64(max(0, sa?.bytesOut ?? 0)))
            }
        }
        registry.makeGauge(name: "weft_tunnels_up").set(Double(up))
        registry.makeGauge(name: "weft_tunnels_configured").set(Double(state.ipsec.endpoints.reduce(0) { $0 + $1.tunnels.count }))
        let connected = controller.clientWatcher?.connected ?? [:]
        for protocolName in ["wireguard", "openvpn"] {
            registry.makeGauge(name: "weft_clients_connected", labels: [("protocol", protocolName)])
                .set(Double(connected.values.filter { $0 == protocolName }.count))
        }
        registry.makeGauge(name: "weft_clientpacks").set(Double(state.topology?.clients.count ?? 0))
        registry.makeGauge(name: "weft_generation").set(Double(state.generation))
        for status in controller.reconciler.board.all {
            registry.makeGauge(name: "weft_subsystem_ok", labels: [("subsystem", status.name)]).set(status.state == .error ? 0.0 : 1.0)
        }
        return registry.emitToBuffer()
    }

    struct NetDevRow: Equatable {
        var name: String
        var rxBytes: UInt64
        var rxPackets: UInt64
        var txBytes: UInt64
        var txPackets: UInt64
    }

    /// `/proc/net/dev`: two header lines, then `name: rx_bytes rx_packets … (8 rx) tx_bytes tx_packets …`.
    static func parseNetDev(_ text: String) -> [NetDevRow] {
        text.split(separator: "\n").dropFirst(2).compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let numbers = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
            guard numbers.count >= 10, !name.isEmpty else { return nil }
            return NetDevRow(name: name, rxBytes: numbers[0], rxPackets: numbers[1], txBytes: numbers[8], txPackets: numbers[9])
        }
    }
}

/// Records every request's method, final status and duration (outermost middleware).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = WeftRequestContext
    let metrics: WeftMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.recordRequest(method: request.method.rawValue, status: Int(response.status.code), duration: ContinuousClock.now - start)
            return response
        } catch {
            metrics.recordRequest(method: request.method.rawValue, status: 500, duration: ContinuousClock.now - start)
            throw error
        }
    }
}
