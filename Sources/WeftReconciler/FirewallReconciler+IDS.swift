import Synchronization
import WeftFirewall

/// The inline IDS's NFQUEUE steering, set by the IDS service and compiled into every
/// firewall apply (reconcile passes and API writes alike), so neither removes the other's rules.
final class IDSSteeringSlot: Sendable {
    let value = Mutex<IDSSteering?>(nil)
}

extension FirewallReconciler {
    /// Sets (or with nil removes) the steering; the next reconcile pass puts it into the kernel.
    public func setIDSSteering(_ steering: IDSSteering?) { idsSlot.value.withLock { $0 = steering } }
    public var idsSteering: IDSSteering? { idsSlot.value.withLock { $0 } }
}
