import Synchronization

/// What a reconciler last put into the OS and read back equal to its plan, and when. A pass
/// whose plan equals it within `trust` skips the read-back: at 10,000 clientpacks reading
/// back (a UAPI dump of every WireGuard peer, every OpenVPN client-config file) is most of
/// a pass, and every clientpack toggle wakes one. A pass later than `trust` — the periodic
/// one every 30 s — reads back again and repairs drift.
final class Verified<Plan: Sendable & Equatable>: Sendable {
    static var trust: Duration { .seconds(10) }
    private let state = Mutex<(plan: Plan, at: ContinuousClock.Instant)?>(nil)

    /// `plan` is in the OS, read back at `at` (now, or the time of the record it was
    /// derived from, so a chain of trusted passes never stretches the trust).
    func record(_ plan: Plan, at: ContinuousClock.Instant = .now) { state.withLock { $0 = (plan, at) } }

    /// The OS may differ from anything recorded (a failed apply, a restarted daemon).
    func forget() { state.withLock { $0 = nil } }

    /// The plan last read back and when, if that was within `trust`.
    var recentEntry: (plan: Plan, at: ContinuousClock.Instant)? {
        state.withLock { entry in
            guard let entry, ContinuousClock.now - entry.at < Self.trust else { return nil }
            return entry
        }
    }

    var recent: Plan? { recentEntry?.plan }

    /// Whether `plan` is what was read back within `trust`.
    func trusts(_ plan: Plan) -> Bool { recent == plan }

    /// A change the reconciler's own fast path applied and checked (one peer): the record
    /// follows it, keeping its time.
    func update(_ change: (inout Plan) -> Void) {
        state.withLock { entry in
            guard var current = entry else { return }
            change(&current.plan)
            entry = current
        }
    }
}
