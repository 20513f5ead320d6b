import Foundation
import Synchronization

/// Per-subsystem status, shared between the reconcile loop and the API.
public final class StatusBoard: Sendable {
    private let entries: Mutex<[String: SubsystemStatus]>
    public let applying: Bool

    public init(subsystems: [String], applying: Bool) {
        self.applying = applying
        entries = Mutex(Dictionary(uniqueKeysWithValues: subsystems.map { ($0, SubsystemStatus(name: $0)) }))
    }

    /// A pass's result. A pass works on the desired state it read when it began: when a
    /// write path (`markApplied`) put a later generation into effect meanwhile, that entry
    /// stays — the pass's older view would set the applied generation back (a toggle at
    /// 10,000 clientpacks then looked unapplied until the next whole pass ended).
    public func update(_ status: SubsystemStatus) {
        entries.withLock { table in
            if let current = table[status.name], current.state == .ok, status.state != .error,
               let applied = current.appliedGeneration, applied > status.desiredGeneration {
                return
            }
            table[status.name] = status
        }
    }

    public var all: [SubsystemStatus] {
        entries.withLock { $0.values.sorted { $0.name < $1.name } }
    }

    public func status(_ name: String) -> SubsystemStatus? { entries.withLock { $0[name] } }

    /// Records that a write path outside the loop (the API) put `generation` into effect.
    public func markApplied(_ name: String, generation: Int, message: String) {
        entries.withLock { table in
            var status = table[name] ?? SubsystemStatus(name: name)
            status.desiredGeneration = max(status.desiredGeneration, generation)
            status.appliedGeneration = max(status.appliedGeneration ?? 0, generation)
            status.state = .ok
            status.message = message
            status.updatedAt = Int(Date().timeIntervalSince1970)
            table[name] = status
        }
    }
}
