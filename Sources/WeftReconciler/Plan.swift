/// One step a reconciler intends to take, described for status and logs.
public struct Change: Sendable, Equatable, CustomStringConvertible {
    public let subsystem: String
    public let summary: String

    public init(_ subsystem: String, _ summary: String) {
        self.subsystem = subsystem
        self.summary = summary
    }

    public var description: String { "\(subsystem): \(summary)" }
}

/// What a subsystem reports after one reconcile pass.
public struct SubsystemStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Applied and read back equal to the desired state.
        case ok
        /// Planned only (`--no-apply`): nothing touched.
        case planned
        /// Applying or verifying failed; the last good state stays in force.
        case error
        case pending
    }

    public let name: String
    public var state: State
    public var desiredGeneration: Int
    public var appliedGeneration: Int?
    public var message: String
    public var lastChanges: [String]
    public var updatedAt: Int

    public init(name: String, state: State = .pending, desiredGeneration: Int = 0, appliedGeneration: Int? = nil,
                message: String = "", lastChanges: [String] = [], updatedAt: Int = 0) {
        self.name = name
        self.state = state
        self.desiredGeneration = desiredGeneration
        self.appliedGeneration = appliedGeneration
        self.message = message
        self.lastChanges = lastChanges
        self.updatedAt = updatedAt
    }
}
