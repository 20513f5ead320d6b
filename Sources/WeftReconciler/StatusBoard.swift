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

    public func update(_ status: SubsystemStatus) {
        entries.withLock { $0[status.name] = status }
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
