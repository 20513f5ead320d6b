import Foundation
import ServiceLifecycle
import Synchronization
import WeftSNMP

/// Samples every interface's byte counters from /proc/net/dev (of the daemon's own network
/// namespace) every `interval`, keeping the last `capacity` samples per interface, so the
/// dashboard can draw traffic charts. A `Service` in the daemon's `ServiceGroup`.
public final class TrafficSampler: Service, Sendable {
    public struct Sample: Sendable, Equatable {
        public var at: Double
        public var rxBytes: UInt64
        public var txBytes: UInt64
    }

    /// Rates between consecutive samples, in bytes per second.
    public struct Series: Sendable {
        public var name: String
        public var times: [Double]
        public var rx: [Double]
        public var tx: [Double]
    }

    public let interval: Duration
    public let capacity: Int
    public let path: String
    private let rings = Mutex<[String: [Sample]]>([:])

    public init(interval: Duration = .seconds(5), capacity: Int = 60, path: String = "/proc/net/dev") {
        self.interval = interval
        self.capacity = capacity
        self.path = path
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                self.sample()
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// Reads the counters once and appends one sample per interface.
    public func sample(now: Double = Date().timeIntervalSince1970) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        record(LinuxInterfaces.parseProcNetDev(text).mapValues { ($0.rxBytes, $0.txBytes) }, at: now)
    }

    public func record(_ counters: [String: (UInt64, UInt64)], at now: Double) {
        rings.withLock { rings in
            for (name, value) in counters {
                var ring = rings[name] ?? []
                ring.append(Sample(at: now, rxBytes: value.0, txBytes: value.1))
                if ring.count > capacity { ring.removeFirst(ring.count - capacity) }
                rings[name] = ring
            }
            for name in rings.keys where counters[name] == nil { rings[name] = nil }
        }
    }

    /// Per interface (sorted: overlay and tunnels first, loopback last), the rate between
    /// each pair of consecutive samples; a counter that went backwards counts as 0.
    public func series() -> [Series] {
        let snapshot = rings.withLock { $0 }
        return snapshot.keys.sorted(by: Self.order).map { name in
            let ring = snapshot[name]!
            var series = Series(name: name, times: [], rx: [], tx: [])
            for (previous, current) in zip(ring, ring.dropFirst()) {
                let seconds = max(current.at - previous.at, 0.001)
                series.times.append(current.at)
                series.rx.append(current.rxBytes >= previous.rxBytes ? Double(current.rxBytes - previous.rxBytes) / seconds : 0)
                series.tx.append(current.txBytes >= previous.txBytes ? Double(current.txBytes - previous.txBytes) / seconds : 0)
            }
            return series
        }
    }

    /// What an interface carries, for the chart's caption.
    public static func role(_ name: String) -> String {
        switch name {
        case "tun0": "overlay (WireGuard)"
        case "tun1": "overlay (OpenVPN)"
        case "ipsec0": "IPsec tunnels"
        case "lo": "loopback"
        default: name.hasPrefix("vti") || name.hasPrefix("wgp") ? "tunnel" : "interface"
        }
    }

    public static func order(_ a: String, _ b: String) -> Bool {
        func rank(_ name: String) -> Int {
            switch role(name) {
            case "loopback": 3
            case "interface": 2
            default: 1
            }
        }
        return (rank(a), a) < (rank(b), b)
    }
}
