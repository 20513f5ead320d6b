import Synchronization
import WeftSystem

/// A userspace WireGuard device for unit tests: the state wireguard-go keeps behind its
/// UAPI socket (private key, listen port, peers with their allowed IPs), changed by `set`
/// requests as wireguard-go applies them (`replace_allowed_ips`, `remove`), read by `get`.
/// It counts requests, so a test sees what a pass cost; `running` models the daemon (a
/// stopped device answers nothing and comes back empty).
public final class FakeWireGuard: WireGuardControl, WireGuardDaemon, Sendable {
    public struct Device: Sendable, Equatable {
        public var running = false
        public var privateKeyHex: String?
        public var listenPort: Int?
        /// Public key (hex) → allowed IPs, in the order set.
        public var peers: [String: [String]] = [:]
        public var gets = 0
        public var sets = 0
        public var starts = 0
    }

    private let state = Mutex(Device())

    public init() {}

    public var device: Device { state.withLock { $0 } }

    public func get() async throws -> WireGuardDeviceStatus {
        try state.withLock { d in
            guard d.running else { throw SystemError.io("connect: no such file or directory (UAPI socket)") }
            d.gets += 1
            return WireGuardDeviceStatus(privateKeyHex: d.privateKeyHex, listenPort: d.listenPort,
                                         peers: d.peers.keys.sorted().map { WireGuardPeerStatus(publicKeyHex: $0, allowedIPs: d.peers[$0]!) })
        }
    }

    public func set(_ lines: [String]) async throws {
        try state.withLock { d in
            guard d.running else { throw SystemError.io("connect: no such file or directory (UAPI socket)") }
            d.sets += 1
            var peer: String?
            for line in lines {
                guard let equals = line.firstIndex(of: "=") else { throw SystemError.io("UAPI: bad line \(line)") }
                let key = line[..<equals], value = String(line[line.index(after: equals)...])
                switch key {
                case "private_key": d.privateKeyHex = value
                case "listen_port": d.listenPort = Int(value)
                case "public_key":
                    peer = value
                    if d.peers[value] == nil { d.peers[value] = [] }
                case "replace_allowed_ips": if let peer { d.peers[peer] = [] }
                case "allowed_ip": if let peer { d.peers[peer, default: []].append(value) }
                case "remove": if let peer { d.peers[peer] = nil }
                default: throw SystemError.io("UAPI: unknown key \(key)")
                }
            }
        }
    }

    @discardableResult
    public func ensureRunning(socket: any WireGuardControl) async throws -> Bool {
        state.withLock { d in
            guard !d.running else { return false }
            d = Device(running: true, gets: d.gets, sets: d.sets, starts: d.starts + 1)
            return true
        }
    }

    public func stop() { state.withLock { $0.running = false } }

    /// A change made behind Weft's back (`wg set` by hand).
    public func tamper(_ change: (inout Device) -> Void) { state.withLock { change(&$0) } }
}

/// `ip` for one device, as the overlay uses it: `addr show/flush/add`, `link show/set up`.
public final class FakeIPDevice: CommandRunner, Sendable {
    private let state = Mutex<(addresses: [String], up: Bool)>(([], false))
    let device: String

    public init(device: String) { self.device = device }

    public var addresses: [String] { state.withLock { $0.addresses } }

    public func run(_ argv: [String], stdin: String?) async throws -> CommandResult {
        state.withLock { s in
            switch Array(argv.drop { $0 != "ip" }.dropFirst()).filter({ $0 != "-o" && $0 != "-4" }) {
            case ["addr", "show", "dev", device]:
                return CommandResult(status: 0, stdout: s.addresses.map { "9: \(device)    inet \($0) scope global \(device)\n" }.joined(), stderr: "")
            case ["addr", "flush", "dev", device]: s.addresses = []
            case let a where a.count == 5 && a[0] == "addr" && a[1] == "add" && a[3] == "dev" && a[4] == device: s.addresses.append(a[2])
            case ["link", "show", "dev", device]:
                return CommandResult(status: 0, stdout: "9: \(device): <POINTOPOINT,NOARP\(s.up ? ",UP,LOWER_UP" : "")> mtu 1420\n", stderr: "")
            case ["link", "set", device, "up"]: s.up = true
            default: return CommandResult(status: 1, stdout: "", stderr: "unexpected: \(argv.joined(separator: " "))")
            }
            return CommandResult(status: 0, stdout: "", stderr: "")
        }
    }
}
