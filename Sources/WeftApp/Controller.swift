import Foundation
import GRDB
import Logging
import Synchronization
import WeftCapture
import WeftModel
import WeftReconciler
import WeftStore
import WeftSystem

/// The running controller: store, the current desired-state snapshot, reconcilers,
/// credentials, host facts and background services. Handlers get it by reference.
public final class Controller: Sendable {
    public let store: Store
    public let options: ControllerOptions
    public let reconciler: ReconcileService
    public let verifier: CredentialVerifier
    public let facts: HostFactsCache
    public let restart: RestartSwitch
    public let keysets: KeysetService
    public let transfers: KeysetTransferGate
    public let startedAt = Store.now()
    public let logger: Logger
    /// Prometheus metrics (`GET /metrics`).
    public let metrics = WeftMetrics()
    /// Whether clients are admitted yet after a start (the mesh catch-up, issue 26).
    public let meshAdmission = MeshAdmission()
    /// The firewall reconciler, for checking rule sets against the kernel before they are
    /// stored (nil: parse and lint only, as with --no-apply).
    public let firewall: FirewallReconciler?
    /// For `PUT /api/firewall/actions {action: reset_connection_tracking}` (nil with --no-apply).
    public let conntrack: (any ConntrackTable)?
    /// The overlay device's UAPI, for live client status (nil with --no-apply).
    public let wireguard: (any WireGuardControl)?
    /// The OpenVPN server, for connected clients and immediate disconnects (nil with --no-apply).
    public let openvpn: OpenVPNReconciler?
    /// The overlay reconciler, for the one-peer fast path of enable/disable (nil with --no-apply).
    public let overlay: OverlayReconciler?
    /// IPsec (charon over VICI): live SAs, link history (nil with --no-apply).
    public let ipsec: IpsecReconciler?
    /// eBGP (BIRD): learned routes and peer states (nil with --no-apply).
    public let bird: BirdReconciler?
    /// Packet monitors: capture definitions and files in `DATA/captures` (libpcap).
    public let packetMonitors: PacketMonitors
    /// Mesh links (nil with --no-apply).
    public let peering: PeeringReconciler?
    /// Connect/disconnect events per clientpack (set once at start, before serving).
    public var clientWatcher: ClientWatcher? { watcher.withLock { $0 } }
    private let watcher = Mutex<ClientWatcher?>(nil)
    public func attach(_ clientWatcher: ClientWatcher) { watcher.withLock { $0 = clientWatcher } }
    /// Alert delivery (set once at start, before serving; nil with --no-apply).
    public var alerts: AlertDispatcher? { dispatcher.withLock { $0 } }
    private let dispatcher = Mutex<AlertDispatcher?>(nil)
    public func attach(_ alerts: AlertDispatcher) { dispatcher.withLock { $0 = alerts } }
    /// The container system (set once at start, before serving; nil with --no-apply).
    public var containers: ContainerSystem? { containerSystem.withLock { $0 } }
    private let containerSystem = Mutex<ContainerSystem?>(nil)
    public func attach(_ containers: ContainerSystem) { containerSystem.withLock { $0 = containers } }
    /// The built-in IDS (set once at start, before serving; nil with --no-apply).
    public var ids: IDSService? { idsService.withLock { $0 } }
    private let idsService = Mutex<IDSService?>(nil)
    public func attach(_ ids: IDSService) { idsService.withLock { $0 = ids } }
    /// The WAF (set once at start, before serving; nil with --no-apply).
    public var waf: WAFRuntime? { wafRuntime.withLock { $0 } }
    private let wafRuntime = Mutex<WAFRuntime?>(nil)
    public func attach(_ waf: WAFRuntime) { wafRuntime.withLock { $0 = waf } }
    /// The mesh key state's sender (nil with --no-apply).
    public var meshSync: MeshSync? { meshSyncService.withLock { $0 } }
    private let meshSyncService = Mutex<MeshSync?>(nil)
    public func attach(_ sync: MeshSync) { meshSyncService.withLock { $0 = sync } }
    /// Called when the web UI's account changes (password, name, switched off): the UI ends
    /// its sessions. Registered once at start by the UI.
    public func observeUIAccountChanges(_ handler: @escaping @Sendable () -> Void) { uiAccountObservers.withLock { $0.append(handler) } }
    public func uiAccountChanged() { for handler in uiAccountObservers.withLock({ $0 }) { handler() } }
    private let uiAccountObservers = Mutex<[@Sendable () -> Void]>([])
    private let state: Mutex<DesiredState>
    /// Serialises and groups firewall read-modify-writes (`changeFirewall`).
    let firewallWrites = FirewallWriteQueue()

    /// The address clientpacks name as the server (see `ControllerOptions.publicAddress`).
    public var publicAddress: IPv4Address? { options.publicAddress(facts.facts, setting: snapshot.controller) }

    public init(store: Store, options: ControllerOptions, subsystems: [any SubsystemReconciler],
                inventory: any LinkInventory, logger: Logger, firewall: FirewallReconciler? = nil,
                conntrack: (any ConntrackTable)? = nil, wireguard: (any WireGuardControl)? = nil,
                openvpn: OpenVPNReconciler? = nil, overlay: OverlayReconciler? = nil,
                ipsec: IpsecReconciler? = nil, bird: BirdReconciler? = nil, peering: PeeringReconciler? = nil) throws {
        self.store = store
        self.peering = peering
        self.ipsec = ipsec
        self.bird = bird
        self.overlay = overlay
        self.openvpn = openvpn
        self.wireguard = wireguard
        self.firewall = firewall
        self.conntrack = conntrack
        self.options = options
        self.logger = logger
        reconciler = ReconcileService(store: store, subsystems: subsystems, applying: options.apply, logger: logger)
        reconciler.hold(MeshAdmission.held) { [meshAdmission] in meshAdmission.holdReason() }
        reconciler.observePasses { [metrics] subsystem, duration, failed in
            metrics.recordReconcile(subsystem: subsystem, duration: duration, failed: failed)
        }
        verifier = try CredentialVerifier(store: store, failureLimit: options.loginFailureLimit)
        facts = HostFactsCache(inventory: inventory, options: options)
        restart = RestartSwitch(logger: logger)
        state = Mutex(try store.desiredState())
        transfers = KeysetTransferGate(store: store)
        keysets = KeysetService(store: store, logger: logger)
        packetMonitors = PacketMonitors(directory: options.dataDirectory + "/captures")
        for problem in packetMonitors.loadErrors {
            logger.warning("packet monitor definition not loaded", metadata: ["capture.sidecar": "\(problem)"])
        }
        keysets.onInstalled { [weak self] in
            self?.refresh()
            self?.reconciler.wake()
        }
    }

    /// The current desired state (an immutable snapshot).
    public var snapshot: DesiredState { state.withLock { $0 } }

    /// One API write: a transaction that bumps the generation and records an audit row,
    /// then a fresh snapshot and a reconcile wake-up. A throwing body changes nothing.
    @discardableResult
    public func commit<T>(_ principal: String?, _ action: String, detail: String = "", _ body: (Database) throws -> T) throws -> T {
        let result = try store.write(actor: principal ?? "system", action: action, detail: detail, body)
        refresh()
        reconciler.wake()
        return result.value
    }

    /// Like `commit`, where the body also returns what it changed for the audit row
    /// (`FieldChanges.describe(old, new)`, say).
    public func commit<T>(_ principal: String?, _ action: String, detail: String = "",
                          describing body: (Database) throws -> (value: T, change: String)) throws -> T {
        let result = try store.write(actor: principal ?? "system", action: action, detail: detail, describing: body)
        refresh()
        reconciler.wake()
        return result.value
    }

    /// Like `commit`, returning the generation the write created.
    public func commitReturningGeneration(_ principal: String?, _ action: String, detail: String = "", _ body: (Database) throws -> Void) throws -> Int {
        let result = try store.write(actor: principal ?? "system", action: action, detail: detail, body)
        refresh()
        reconciler.wake()
        return result.generation
    }

    /// A write that changes only the clientpack states (enable, check-out, tags, owner,
    /// expiry): `change` runs on the states as the store holds them, inside the transaction
    /// (a change made from the snapshot instead lost a concurrent write: both started from
    /// the same snapshot and the later one stored the earlier one's pack back as it was);
    /// then the snapshot takes the new states and generation in place instead of being
    /// re-read whole, which costs a read of every keyset row (O(packs)).
    /// With `keysChanged` (a regenerate) the snapshot is re-read whole instead: the keys changed.
    public func commitClientpacks<T>(_ principal: String?, _ action: String, detail: String, keysChanged: Bool = false,
                                     _ change: (inout ClientpackStates, Database) throws -> T) throws -> (value: T, generation: Int) {
        let controllerID = meshControllerID
        let result = try store.write(actor: principal ?? "system", action: action, detail: detail) { db -> (T, ClientpackStates) in
            let before = try Store.get(.clientpacks, in: db) ?? ClientpackStates()
            var packs = before
            let value = try change(&packs, db)
            try MeshRecording.set(packs, before: before, controller: controllerID, in: db)
            return (value, packs)
        }
        let packs = result.value.1
        if keysChanged { refresh() } else { takeInPlace(generation: result.generation) { $0.clientpacks = packs } }
        reconciler.wake()
        meshSync?.wake()
        return (result.value.0, result.generation)
    }

    /// A batch of firewall writes (`changeFirewall`): one transaction with an audit row per
    /// write; the snapshot takes the new policy in place instead of being re-read whole (at
    /// 10,000 rules the re-read costs more than the write).
    func commitFirewall(_ policy: FirewallPolicy, prepared: PreparedStoreJSON<FirewallPolicy>? = nil, lines: [Store.AuditLine]) throws -> Int {
        let result = try store.write(lines: lines) { db in
            if let prepared { try Store.set(.firewall, prepared: prepared, in: db) } else { try Store.set(.firewall, policy, in: db) }
        }
        takeInPlace(generation: result.generation) { $0.firewall = policy }
        reconciler.wake()
        return result.generation
    }

    /// Puts a committed write's part of the desired state into the snapshot without
    /// re-reading the store — only when the snapshot is at the generation just before it.
    /// Every snapshot holds every write up to its generation: a store read does, and so does
    /// an in-place step from G-1 to G. A snapshot already at G or later came from a store
    /// read at or after G, so it holds this write. A snapshot further behind lacks a write
    /// whose in-place step has not come yet: stepping over that gap made a snapshot that
    /// claimed a generation without holding it (a 30-minute soak lost 8 acknowledged
    /// firewall writes that way), so the store is re-read instead.
    func takeInPlace(generation: Int, _ change: (inout DesiredState) -> Void) {
        let gap = state.withLock { current -> Bool in
            if current.generation >= generation { return false }
            guard current.generation == generation - 1 else { return true }
            change(&current)
            current.generation = generation
            return false
        }
        if gap { refresh() }
    }

    /// Re-reads the snapshot from the store. A read older than the snapshot in place (two
    /// writers refreshing at once, or an in-place write since this read) is dropped: a
    /// read at generation G holds every write up to G, so the newest read wins.
    public func refresh() {
        if let fresh = try? store.desiredState() {
            state.withLock { current in
                if fresh.generation >= current.generation { current = fresh }
            }
        }
    }
}

