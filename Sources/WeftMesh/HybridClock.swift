/// A hybrid logical clock timestamp (Kulkarni et al.): wall-clock milliseconds, a counter
/// that orders events within one millisecond (or while the wall clock lags a peer's), and
/// the controller that made it. Ordered by (wall, counter, controller).
public struct HybridTimestamp: Sendable, Hashable, Comparable, Codable {
    public var wallMillis: Int64
    public var counter: UInt32
    public var controller: Int

    public init(wallMillis: Int64, counter: UInt32, controller: Int) {
        self.wallMillis = wallMillis
        self.counter = counter
        self.controller = controller
    }

    public static let zero = HybridTimestamp(wallMillis: 0, counter: 0, controller: 0)

    public static func < (a: Self, b: Self) -> Bool {
        (a.wallMillis, a.counter, a.controller) < (b.wallMillis, b.counter, b.controller)
    }

    /// Same logical instant, whichever controller made it.
    public func sameInstant(_ other: Self) -> Bool { wallMillis == other.wallMillis && counter == other.counter }
}

/// Why a remote timestamp is not taken into the clock.
public struct ClockSkewError: Error, Equatable, Sendable {
    public let remote: HybridTimestamp
    public let physicalMillis: Int64
    public let maximumDriftMillis: Int64
}

/// The clock of one controller. `physical` is passed in (unix milliseconds) so the clock is
/// pure and testable; the service reads the system clock.
public struct HybridClock: Sendable, Equatable {
    public let controller: Int
    public private(set) var last: HybridTimestamp
    /// A remote timestamp more than this far ahead of our physical clock is refused.
    public let maximumDriftMillis: Int64

    public init(controller: Int, maximumDriftMillis: Int64 = 60_000, last: HybridTimestamp? = nil) {
        self.controller = controller
        self.maximumDriftMillis = maximumDriftMillis
        self.last = last ?? HybridTimestamp(wallMillis: 0, counter: 0, controller: controller)
    }

    /// The timestamp of a local event at `physical`: strictly after every timestamp this
    /// clock has made or received.
    public mutating func now(physical: Int64) -> HybridTimestamp {
        if physical > last.wallMillis {
            last = HybridTimestamp(wallMillis: physical, counter: 0, controller: controller)
        } else {
            last = HybridTimestamp(wallMillis: last.wallMillis, counter: last.counter &+ 1, controller: controller)
        }
        return last
    }

    /// Takes in a timestamp received from a peer; afterwards `now` is after it. Refuses a
    /// timestamp too far ahead of `physical` (a peer with a broken clock would otherwise drag
    /// every controller's clock into the future).
    public mutating func receive(_ remote: HybridTimestamp, physical: Int64) throws(ClockSkewError) {
        if remote.wallMillis > physical + maximumDriftMillis {
            throw ClockSkewError(remote: remote, physicalMillis: physical, maximumDriftMillis: maximumDriftMillis)
        }
        let wall = max(physical, last.wallMillis, remote.wallMillis)
        let counter: UInt32
        if wall == last.wallMillis && wall == remote.wallMillis {
            counter = max(last.counter, remote.counter) &+ 1
        } else if wall == last.wallMillis {
            counter = last.counter &+ 1
        } else if wall == remote.wallMillis {
            counter = remote.counter &+ 1
        } else {
            counter = 0
        }
        last = HybridTimestamp(wallMillis: wall, counter: counter, controller: controller)
    }
}
