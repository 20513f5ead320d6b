import Logging
import ServiceLifecycle
import Synchronization
import WeftModel
import WeftReconciler
import WeftStore
import WeftSystem

/// Watches who is connected to the overlay (WireGuard handshakes younger than 3 minutes,
/// OpenVPN's client list) every 2 s and turns changes into per-clientpack connect and
/// disconnect events: the clientpack logs, and log lines.
public final class ClientWatcher: Service, Sendable {
    public struct Event: Sendable, Equatable {
        public let kind: String        // "connect" or "disconnect"
        public let protocolName: String
        public let endpoint: String
        public let at: Int
    }

    public struct Seen: Sendable, Equatable, Hashable {
        public let address: String
        public let protocolName: String
        public let endpoint: String
    }

    public static let handshakeWindow = 180
    public static let keep = 200

    private let controller: Controller
    private let interval: Duration
    private let state: Mutex<(connected: Set<Seen>, events: [String: [Event]])>
    /// Per WireGuard client: its received-bytes counter and when it last moved. Keepalives
    /// (every 25 s) move it, handshakes only every 2 minutes: the mesh announces a client
    /// only while this is fresh, so a client that moved to another controller is withdrawn
    /// here within `activeWindow` seconds rather than after the 3-minute handshake window.
    private let activity = Mutex<(rx: [String: (bytes: Int, changedAt: Int)], active: Set<String>)>(([:], []))
    public static let activeWindow = 30

    /// Clients that reached this controller recently (announced to the mesh as /32s).
    public var active: [String] { activity.withLock { Array($0.active) } }

    /// Mesh peers whose BGP session was established at the last poll.
    private let peersUp = Mutex<Set<Int>>([])

    public init(controller: Controller, interval: Duration = .seconds(2)) {
        self.controller = controller
        self.interval = interval
        // The logs survive restarts: they are read back from the store.
        var events: [String: [Event]] = [:]
        for record in (try? controller.store.events(stream: Self.stream)) ?? [] {
            if let event = Event(record: record) { events[record.subject, default: []].append(event) }
        }
        state = Mutex(([], events.mapValues { Array($0.suffix(Self.keep)) }))
    }

    static let stream = "clientpack"

    public func events(_ address: String) -> [Event] { state.withLock { $0.events[address] ?? [] } }

    /// Addresses connected at the last poll, with the protocol.
    public var connected: [String: String] {
        state.withLock { Dictionary($0.connected.map { ($0.address, $0.protocolName) }, uniquingKeysWith: { a, _ in a }) }
    }

    /// The last connect and disconnect times of a clientpack.
    public func lastTimes(_ address: String) -> (connect: Int?, disconnect: Int?) {
        let list = events(address)
        return (list.last { $0.kind == "connect" }?.at, list.last { $0.kind == "disconnect" }?.at)
    }

    /// Mesh peers: `peer_up`/`peer_down` alerts when a BGP session over a peering link
    /// becomes established or drops (BFD makes that fast).
    public func pollPeers() async {
        let peers = controller.snapshot.peers.peers
        guard !peers.isEmpty, let bird = controller.bird, bird.isRunning,
              let protocols = try? await bird.control.protocols() else { return }
        let up = Set(peers.map(\.id).filter { id in
            protocols.contains { $0.name == BirdConfig.meshName(id) && $0.info.hasPrefix("Established") }
        })
        let (appeared, gone) = peersUp.withLock { previous -> (Set<Int>, Set<Int>) in
            defer { previous = up }
            return (up.subtracting(previous), previous.subtracting(up))
        }
        for id in appeared.sorted() {
            controller.alerts?.raise("peer_up", message: "mesh peer \(id) up", fields: ["peer_id": String(id)])
        }
        for id in gone.sorted() {
            controller.alerts?.raise("peer_down", message: "mesh peer \(id) down", fields: ["peer_id": String(id)])
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.poll()
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    public func poll() async {
        await pollPeers()
        let snapshot = controller.snapshot
        guard let keys = snapshot.overlayKeys else { return }
        var now: Set<Seen> = []
        let clock = Store.now()
        var active: Set<String> = []
        if let wireguard = controller.wireguard, let device = try? await wireguard.get() {
            for peer in device.peers where peer.lastHandshake > 0 && clock - peer.lastHandshake < Self.handshakeWindow {
                if let address = keys.addressByHex[peer.publicKeyHex] { now.insert(Seen(address: address, protocolName: "wireguard", endpoint: peer.endpoint ?? "")) }
            }
            activity.withLock { table in
                for peer in device.peers {
                    guard let address = keys.addressByHex[peer.publicKeyHex] else { continue }
                    let previous = table.rx[address]
                    let changedAt = previous.map { $0.bytes == peer.rxBytes ? $0.changedAt : clock } ?? (peer.rxBytes > 0 ? clock : 0)
                    table.rx[address] = (peer.rxBytes, changedAt)
                    let fresh = clock - changedAt <= Self.activeWindow || (peer.lastHandshake > 0 && clock - peer.lastHandshake <= Self.activeWindow)
                    if fresh && peer.lastHandshake > 0 { active.insert(address) }
                }
            }
        }
        for client in controller.openvpn?.connectedClients() ?? [] {
            if let address = ClientpackName.address(client.commonName) {
                now.insert(Seen(address: address.description, protocolName: "openvpn", endpoint: client.realAddress))
                active.insert(address.description)
            }
        }
        let activeChanged = activity.withLock { table -> Bool in
            defer { table.active = active }
            return table.active != active
        }
        let changes: [(Seen, String)] = state.withLock { current in
            let appeared = now.subtracting(current.connected).map { ($0, "connect") }
            let gone = current.connected.subtracting(now).map { ($0, "disconnect") }
            current.connected = now
            for (seen, kind) in appeared + gone {
                var list = current.events[seen.address] ?? []
                list.append(Event(kind: kind, protocolName: seen.protocolName, endpoint: seen.endpoint, at: clock))
                current.events[seen.address] = Array(list.suffix(Self.keep))
            }
            return appeared + gone
        }
        if !changes.isEmpty {
            let records = changes.map { seen, kind in
                EventRecord(stream: Self.stream, subject: seen.address, at: clock,
                            body: [kind, seen.protocolName, seen.endpoint].joined(separator: "\t"))
            }
            do { try controller.store.appendEvents(records, keep: Self.keep) } catch {
                controller.logger.warning("client events not stored", metadata: ["error": "\(error)"])
            }
        }
        // The mesh announces active clients: a change re-renders BIRD's configuration.
        if activeChanged && !snapshot.peers.peers.isEmpty { controller.reconciler.wake() }
        for (seen, kind) in changes {
            controller.logger.info("client \(kind)", metadata: ["clientpack": "\(seen.address)", "protocol": "\(seen.protocolName)", "endpoint": "\(seen.endpoint)"])
            controller.alerts?.raise(kind == "connect" ? "client_connected" : "client_disconnected",
                                     message: "clientpack \(seen.address) \(kind == "connect" ? "connected" : "disconnected") (\(seen.protocolName))",
                                     fields: ["clientpack": seen.address, "client_ip": seen.address, "protocol": seen.protocolName, "endpoint": seen.endpoint])
        }
    }
}

extension ClientWatcher.Event {
    /// From its stored form, "kind<TAB>protocol<TAB>endpoint".
    init?(record: EventRecord) {
        let fields = record.body.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 3, fields[0] == "connect" || fields[0] == "disconnect" else { return nil }
        self.init(kind: fields[0], protocolName: fields[1], endpoint: fields[2], at: record.at)
    }
}
