import Logging
import ServiceLifecycle
import Synchronization
import WeftModel
import WeftStore

/// Ends clientpacks at their `expires_at`: raises `clientpack_expiring` once, `warning`
/// seconds before, then at the expiry disables the pack as `PUT /api/clientpack
/// {enabled: false}` does (WireGuard peer removed, OpenVPN session ended by its reconcile,
/// client groups left) and raises `clientpack_expired`. Checks every `interval`.
public final class ClientpackExpiry: Service, Sendable {
    /// What is due at one check (pure: `due`).
    public struct Due: Sendable, Equatable {
        public var warn: [String]
        public var expire: [String]
    }

    private let controller: Controller
    private let interval: Duration
    public let warning: Int
    /// "address@expiresAt" of the warnings raised, so each expiry warns once.
    private let warned = Mutex<Set<String>>([])

    public init(controller: Controller, warning: Int, interval: Duration = .seconds(1)) {
        self.controller = controller
        self.warning = max(0, warning)
        self.interval = interval
    }

    /// The enabled packs to warn about (expiry within `warning`, not warned yet) and to
    /// disable (expiry reached), in address order.
    public static func due(_ packs: ClientpackStates, now: Int, warning: Int, warned: Set<String>) -> Due {
        var result = Due(warn: [], expire: [])
        for (address, state) in packs.byAddress where state.enabled {
            guard let at = state.expiresAt else { continue }
            if now >= at - warning && !warned.contains("\(address)@\(at)") { result.warn.append(address) }
            if now >= at { result.expire.append(address) }
        }
        let order: (String, String) -> Bool = { (IPv4Address($0)?.value ?? 0) < (IPv4Address($1)?.value ?? 0) }
        result.warn.sort(by: order)
        result.expire.sort(by: order)
        return result
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.check(now: Store.now())
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// One check: warnings first, so a pack expiring now is announced before it is cut off.
    public func check(now: Int) async {
        let packs = controller.snapshot.clientpacks
        let due = Self.due(packs, now: now, warning: warning, warned: warned.withLock { $0 })
        for address in due.warn {
            let state = packs.state(address)
            guard let at = state.expiresAt else { continue }
            warned.withLock { _ = $0.insert("\(address)@\(at)") }
            let name = IPv4Address(address).map(ClientpackName.name) ?? address
            let owner = state.owner.isEmpty ? "" : " (\(state.owner))"
            controller.alerts?.raise("clientpack_expiring", message: "clientpack \(name)\(owner) \(ClientpackIdentity.remaining(at, now: now) ?? "")",
                                     fields: ["clientpack": name, "overlay_ipaddress": address, "owner": state.owner,
                                              "expires_at": RFC3339.format(at)])
            controller.logger.notice("clientpack expiring", metadata: ["clientpack": "\(address)", "clientpack.expires_at": "\(RFC3339.format(at))"])
        }
        for address in due.expire {
            guard let ip = IPv4Address(address) else { continue }
            do {
                try await controller.updateClientpack(ip, enabled: false, checkedOut: nil, regenerate: false, principal: "expiry",
                                                      source: "its expiry", action: "clientpack.expire")
                let state = controller.snapshot.clientpacks.state(address)
                controller.alerts?.raise("clientpack_expired", message: "clientpack \(ClientpackName.name(ip)) expired and was disabled",
                                         fields: ["clientpack": ClientpackName.name(ip), "overlay_ipaddress": address, "owner": state.owner,
                                                  "expires_at": state.expiresAt.map(RFC3339.format) ?? ""])
                controller.logger.notice("clientpack expired: disabled", metadata: ["clientpack": "\(address)"])
            } catch {
                controller.logger.warning("clientpack expiry not applied", metadata: ["clientpack": "\(address)", "error": "\(error)"])
            }
        }
    }
}
