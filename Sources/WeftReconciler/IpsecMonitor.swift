import Foundation
import Synchronization
import WeftSystem

/// One child SA as charon reports it (`list-sas`), mapped back to Weft's ids.
public struct TunnelSA: Sendable, Equatable {
    public var endpointID: Int
    public var tunnelID: Int
    public var ikeState: String
    public var childState: String
    public var ikeVersion: String
    public var established: Int
    public var bytesIn: Int
    public var bytesOut: Int
    public var spiIn: String
    public var spiOut: String
    public var encryption: String
    public var integrity: String
    public var prf: String
    public var dhGroup: String
    public var childEncryption: String
    public var childIntegrity: String
    public var childDHGroup: String
    public var encapsulated: Bool
    public var installedSeconds: Int
    public var lifetimeRemaining: Int
    public var ikeRekeyRemaining: Int

    public var connected: Bool { childState == "INSTALLED" && ikeState == "ESTABLISHED" }
}

/// What charon says about Weft's tunnels: live SAs (polled over VICI on demand), and a
/// history of up/down events and the last failure reason per endpoint (from VICI
/// `child-updown` and `log` events, kept in memory).
public final class IpsecMonitor: Sendable {
    public struct LinkEvent: Sendable, Equatable {
        public let up: Bool
        public let time: Int
        public init(up: Bool, time: Int) {
            self.up = up
            self.time = time
        }
        public var event: String { up ? "Tunnel up" : "Tunnel down" }
    }

    struct State {
        var history: [Int: [LinkEvent]] = [:]
        var reasons: [Int: String] = [:]
        var upTunnels: Set<Int> = []
    }

    private let state = Mutex(State())
    private let observer = Mutex<(@Sendable (Int, Bool) -> Void)?>(nil)

    /// Called (outside the lock) for every up/down transition of a tunnel.
    public func observe(_ handler: @escaping @Sendable (_ tunnel: Int, _ up: Bool) -> Void) { observer.withLock { $0 = handler } }

    func notify(_ transitions: [(Int, Bool)], at time: Int) {
        guard !transitions.isEmpty else { return }
        recorder.withLock { $0 }?(transitions.map { ($0.0, LinkEvent(up: $0.1, time: time)) })
        guard let handler = observer.withLock({ $0 }) else { return }
        for (tunnel, up) in transitions { handler(tunnel, up) }
    }

    private let recorder = Mutex<(@Sendable ([(Int, LinkEvent)]) -> Void)?>(nil)
    /// Called with every transition as it is added to the history: the daemon stores them,
    /// so that the link history survives a restart.
    public func record(_ handler: @escaping @Sendable ([(tunnel: Int, event: LinkEvent)]) -> Void) { recorder.withLock { $0 = handler } }

    /// The history read back from the store at start (oldest first per tunnel).
    public func restore(history: [Int: [LinkEvent]]) {
        state.withLock { state in
            for (tunnel, events) in history { state.history[tunnel] = Array(events.suffix(Self.historyLimit)) + (state.history[tunnel] ?? []) }
        }
    }
    static let historyLimit = 200

    public init() {}

    public func history(tunnel: Int) -> [LinkEvent] { state.withLock { $0.history[tunnel] ?? [] } }
    public func reason(endpoint: Int) -> String? { state.withLock { $0.reasons[endpoint] } }

    /// Charon restarted or a tunnel was removed: its SAs are gone.
    public func markDown(tunnels: [Int], at time: Int = Int(Date().timeIntervalSince1970)) {
        let downs = state.withLock { state -> [(Int, Bool)] in
            var downs: [(Int, Bool)] = []
            for tunnel in tunnels where state.upTunnels.remove(tunnel) != nil {
                Self.append(LinkEvent(up: false, time: time), tunnel: tunnel, to: &state)
                downs.append((tunnel, false))
            }
            return downs
        }
        notify(downs, at: time)
    }

    /// Handles one VICI event (`child-updown`, `ike-updown`, `log`).
    public func handle(_ name: String, _ message: VICIMessage, at time: Int = Int(Date().timeIntervalSince1970)) {
        switch name {
        case "child-updown":
            let up = message["up"] == "yes"
            for (ikeName, ike) in message.sections {
                guard let endpoint = Self.id(ikeName, prefix: "ep") else { continue }
                for (_, child) in ike.section("child-sas")?.sections ?? [] {
                    guard let tunnel = child["name"].flatMap({ Self.id($0, prefix: "t") }) else { continue }
                    let changed = state.withLock { state -> Bool in
                        if up {
                            state.reasons[endpoint] = nil
                            guard state.upTunnels.insert(tunnel).inserted else { return false }
                        } else {
                            guard state.upTunnels.remove(tunnel) != nil else { return false }
                        }
                        Self.append(LinkEvent(up: up, time: time), tunnel: tunnel, to: &state)
                        return true
                    }
                    if changed { notify([(tunnel, up)], at: time) }
                }
            }
        case "log":
            guard let ikeName = message["ikesa-name"], let endpoint = Self.id(ikeName, prefix: "ep"),
                  let text = message["msg"], Self.isFailure(text) else { return }
            state.withLock { $0.reasons[endpoint] = text }
        default:
            break
        }
    }

    /// Log lines that explain why a tunnel is not up.
    static func isFailure(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return ["failed", "error", "no shared key", "no proposal", "giving up", "unable", "invalid", "no matching",
                "not acceptable", "timeout", "no ike config", "no peer config", "mismatch", "retransmit"]
            .contains { lowered.contains($0) }
    }

    static func append(_ event: LinkEvent, tunnel: Int, to state: inout State) {
        state.history[tunnel, default: []].append(event)
        if state.history[tunnel]!.count > historyLimit { state.history[tunnel]!.removeFirst() }
    }

    static func id(_ name: String, prefix: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        return Int(name.dropFirst(prefix.count))
    }

    /// Parses `list-sa` event messages into per-tunnel SAs (the newest per tunnel wins,
    /// installed ones before others).
    public static func tunnels(_ items: [VICIMessage]) -> [Int: TunnelSA] {
        var result: [Int: TunnelSA] = [:]
        for item in items {
            for (ikeName, ike) in item.sections {
                guard let endpoint = id(ikeName, prefix: "ep") else { continue }
                for (_, child) in ike.section("child-sas")?.sections ?? [] {
                    guard let tunnel = child["name"].flatMap({ id($0, prefix: "t") }) else { continue }
                    let sa = TunnelSA(
                        endpointID: endpoint, tunnelID: tunnel,
                        ikeState: ike["state"] ?? "", childState: child["state"] ?? "",
                        ikeVersion: ike["version"].map { "IKEv\($0)" } ?? "",
                        established: Int(ike["established"] ?? "") ?? 0,
                        bytesIn: Int(child["bytes-in"] ?? "") ?? 0, bytesOut: Int(child["bytes-out"] ?? "") ?? 0,
                        spiIn: child["spi-in"] ?? "", spiOut: child["spi-out"] ?? "",
                        encryption: [ike["encr-alg"], ike["encr-keysize"]].compactMap { $0 }.joined(separator: "_"),
                        integrity: ike["integ-alg"] ?? "", prf: ike["prf-alg"] ?? "", dhGroup: ike["dh-group"] ?? "",
                        childEncryption: [child["encr-alg"], child["encr-keysize"]].compactMap { $0 }.joined(separator: "_"),
                        childIntegrity: child["integ-alg"] ?? "", childDHGroup: child["dh-group"] ?? "",
                        encapsulated: child["encap"] == "yes",
                        installedSeconds: Int(child["install-time"] ?? "") ?? 0,
                        lifetimeRemaining: Int(child["life-time"] ?? "") ?? 0,
                        ikeRekeyRemaining: Int(ike["rekey-time"] ?? "") ?? 0)
                    if let existing = result[tunnel], existing.connected, !sa.connected { continue }
                    result[tunnel] = sa
                }
            }
        }
        return result
    }
}
