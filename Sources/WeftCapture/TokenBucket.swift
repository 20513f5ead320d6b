/// A token bucket: `rate` tokens per second, at most `burst` saved up. Time is passed in
/// (monotonic nanoseconds), so the bucket is a pure value and unit-testable.
public struct TokenBucket: Sendable, Equatable {
    public let rate: Int
    public let burst: Int
    /// Tokens in units of 1/rate-second nanoseconds: one token = 1e9 units, so integer
    /// arithmetic never loses fractions.
    private var level: UInt64
    private var last: UInt64

    /// A bucket that starts full.
    public init(rate: Int, burst: Int? = nil, now: UInt64) {
        precondition(rate > 0, "a token bucket needs a positive rate")
        self.rate = rate
        self.burst = max(1, burst ?? rate)
        level = UInt64(self.burst) * 1_000_000_000
        last = now
    }

    /// Takes one token if there is one.
    public mutating func take(now: UInt64) -> Bool {
        if now > last {
            let capacity = UInt64(burst) * 1_000_000_000
            let (gained, overflow) = (now - last).multipliedReportingOverflow(by: UInt64(rate))
            level = overflow ? capacity : min(capacity, level + min(gained, capacity))
            last = now
        }
        guard level >= 1_000_000_000 else { return false }
        level -= 1_000_000_000
        return true
    }
}
