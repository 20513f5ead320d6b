import Foundation
import WeftModel

/// One peer as the WireGuard cross-platform UAPI reports it (`get=1`).
public struct WireGuardPeerStatus: Sendable, Equatable {
    public var publicKeyHex: String
    public var allowedIPs: [String] = []
    public var endpoint: String?
    public var lastHandshake: Int = 0
    public var rxBytes: Int = 0
    public var txBytes: Int = 0
    public init(publicKeyHex: String, allowedIPs: [String] = [], endpoint: String? = nil, lastHandshake: Int = 0, rxBytes: Int = 0, txBytes: Int = 0) {
        self.publicKeyHex = publicKeyHex
        self.allowedIPs = allowedIPs
        self.endpoint = endpoint
        self.lastHandshake = lastHandshake
        self.rxBytes = rxBytes
        self.txBytes = txBytes
    }
}

public struct WireGuardDeviceStatus: Sendable, Equatable {
    public var privateKeyHex: String?
    public var listenPort: Int?
    public var peers: [WireGuardPeerStatus] = []
    public init(privateKeyHex: String? = nil, listenPort: Int? = nil, peers: [WireGuardPeerStatus] = []) {
        self.privateKeyHex = privateKeyHex
        self.listenPort = listenPort
        self.peers = peers
    }
}

/// The UAPI text protocol (https://www.wireguard.com/xplatform/): `key=value` lines, a
/// blank line ends a request or response, keys are hex.
public enum WireGuardUAPI {
    public static func parseGet(_ text: String) throws -> WireGuardDeviceStatus {
        var device = WireGuardDeviceStatus()
        var peer: WireGuardPeerStatus?
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals], value = String(line[line.index(after: equals)...])
            switch key {
            case "private_key": device.privateKeyHex = value
            case "listen_port": device.listenPort = Int(value)
            case "public_key":
                if let peer { device.peers.append(peer) }
                peer = WireGuardPeerStatus(publicKeyHex: value)
            case "allowed_ip": peer?.allowedIPs.append(value)
            case "endpoint": peer?.endpoint = value
            case "last_handshake_time_sec": peer?.lastHandshake = Int(value) ?? 0
            case "rx_bytes": peer?.rxBytes = Int(value) ?? 0
            case "tx_bytes": peer?.txBytes = Int(value) ?? 0
            case "errno":
                guard value == "0" else { throw SystemError.io("wireguard UAPI get failed: errno=\(value)") }
            default: continue
            }
        }
        if let peer { device.peers.append(peer) }
        return device
    }

    public static func device(privateKeyHex: String, listenPort: Int) -> [String] {
        ["private_key=\(privateKeyHex)", "listen_port=\(listenPort)"]
    }

    public static func peer(publicKeyHex: String, allowedIPs: [String]) -> [String] {
        ["public_key=\(publicKeyHex)", "replace_allowed_ips=true"] + allowedIPs.map { "allowed_ip=\($0)" }
    }

    public static func removePeer(publicKeyHex: String) -> [String] {
        ["public_key=\(publicKeyHex)", "remove=true"]
    }

    /// A whole `set=1` request.
    public static func setRequest(_ lines: [String]) -> String {
        (["set=1"] + lines).joined(separator: "\n") + "\n\n"
    }

    public static func hex(fromBase64 text: String) -> String? {
        guard let data = Data(base64Encoded: text), data.count == 32 else { return nil }
        return Hex.encode(data)
    }

    public static func base64(fromHex text: String) -> String? {
        guard text.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return Data(bytes).base64EncodedString()
    }
}

/// A WireGuard device driven through its UAPI socket.
public protocol WireGuardControl: Sendable {
    func get() async throws -> WireGuardDeviceStatus
    /// Sends one `set=1` request with these lines.
    func set(_ lines: [String]) async throws
}

/// `/run/wireguard/<device>.sock`, as wireguard-go (and the kernel module's userspace
/// tools) use it.
public struct WireGuardSocket: WireGuardControl {
    public let path: String

    public init(device: String, directory: String = "/run/wireguard") { path = "\(directory)/\(device).sock" }

    public func get() async throws -> WireGuardDeviceStatus {
        try WireGuardUAPI.parseGet(try exchange("get=1\n\n"))
    }

    public func set(_ lines: [String]) async throws {
        let reply = try exchange(WireGuardUAPI.setRequest(lines))
        guard reply.contains("errno=0") else {
            throw SystemError.io("wireguard UAPI set refused: \(reply.split(separator: "\n").joined(separator: " "))")
        }
    }

    /// One request/response on a fresh connection (the protocol's own framing: a blank line).
    func exchange(_ request: String) throws -> String {
        try UnixSocket.exchange(path: path, request: request) { reply in reply.hasSuffix("\n\n") }
    }
}
