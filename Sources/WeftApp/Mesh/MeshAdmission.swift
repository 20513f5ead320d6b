import Foundation
import Synchronization

/// Admission after a start (issue 26). A controller of a mesh that was down or cut off may
/// hold stale key state: a pack disabled or regenerated elsewhere meanwhile. Until it has
/// completed one key-state exchange with a peer, or `bound` seconds have passed (the
/// operator's choice: `weft serve --mesh-catch-up SECONDS`, 0 admits at once), it admits no
/// client: the overlay and OpenVPN subsystems stay `pending` and their devices are not
/// created. A controller with no peers admits at once.
public struct MeshCatchUp: Sendable, Equatable {
    public enum Phase: String, Sendable {
        case notNeeded = "not_needed"
        case waiting
        case caughtUp = "caught_up"
        case timedOut = "timed_out"
    }

    public private(set) var phase: Phase
    /// When the wait began (Unix seconds).
    public let since: Double
    public let bound: Double
    /// When it ended, and with which peer it caught up.
    public private(set) var endedAt: Double?
    public private(set) var peer: Int?

    public init(needed: Bool, bound: Double, now: Double) {
        phase = needed && bound > 0 ? .waiting : .notNeeded
        since = now
        self.bound = bound
    }

    public var admitting: Bool { phase != .waiting }

    /// A completed exchange with `peer`; true when this ends the wait.
    public mutating func caughtUp(with peer: Int, now: Double) -> Bool {
        guard phase == .waiting else { return false }
        phase = .caughtUp
        endedAt = now
        self.peer = peer
        return true
    }

    /// True when the bound has just passed.
    public mutating func expire(now: Double) -> Bool {
        guard phase == .waiting, now - since >= bound else { return false }
        phase = .timedOut
        endedAt = now
        return true
    }

    /// Why clients are not admitted yet, or nil.
    public func holdReason(now: Double) -> String? {
        guard phase == .waiting else { return nil }
        return "held until the mesh key state has caught up with a peer (at most \(max(0, Int((bound - (now - since)).rounded(.up)))) s more)"
    }
}

/// The controller's `MeshCatchUp`, shared by the mesh exchange (which ends it), the
/// reconcile loop (which holds the client-facing subsystems meanwhile) and the status views.
public final class MeshAdmission: Sendable {
    /// The subsystems that admit clients.
    public static let held: Set<String> = ["overlay", "openvpn"]
    private let state = Mutex(MeshCatchUp(needed: false, bound: 0, now: Date().timeIntervalSince1970))

    public init() {}

    public var current: MeshCatchUp { state.withLock { $0 } }

    public func begin(needed: Bool, bound: Double) {
        state.withLock { $0 = MeshCatchUp(needed: needed, bound: bound, now: Date().timeIntervalSince1970) }
    }

    /// True when this ends the wait.
    public func caughtUp(with peer: Int) -> Bool { state.withLock { $0.caughtUp(with: peer, now: Date().timeIntervalSince1970) } }

    /// True when the bound has just passed.
    public func expire() -> Bool { state.withLock { $0.expire(now: Date().timeIntervalSince1970) } }

    public var admitting: Bool { state.withLock { $0.admitting } }

    public func holdReason() -> String? {
        let now = Date().timeIntervalSince1970
        return state.withLock { catchUp in
            _ = catchUp.expire(now: now)
            return catchUp.holdReason(now: now)
        }
    }
}
