/// A last-writer-wins register: the value with the later hybrid timestamp wins; at the same
/// logical instant the higher `tieRank` wins (disable beats enable), then the higher
/// controller id, then the larger canonical encoding. That is a total order on
/// (timestamp, value), so `merge` (the maximum) is commutative, associative and idempotent.
public struct Register<Value: MeshValue>: Sendable, Equatable, Codable {
    public var value: Value
    public var stamp: HybridTimestamp

    public init(_ value: Value, at stamp: HybridTimestamp) {
        self.value = value
        self.stamp = stamp
    }

    /// Whether `self` wins over `other`.
    public func beats(_ other: Self) -> Bool {
        if (stamp.wallMillis, stamp.counter) != (other.stamp.wallMillis, other.stamp.counter) {
            return (stamp.wallMillis, stamp.counter) > (other.stamp.wallMillis, other.stamp.counter)
        }
        if value.tieRank != other.value.tieRank { return value.tieRank > other.value.tieRank }
        if stamp.controller != other.stamp.controller { return stamp.controller > other.stamp.controller }
        return value.canonicalBytes.lexicographicallyPrecedes(other.value.canonicalBytes) == false
            && value.canonicalBytes != other.value.canonicalBytes
    }

    public func merged(_ other: Self) -> Self { other.beats(self) ? other : self }

    public func encode(into writer: inout CanonicalWriter) {
        writer.timestamp(stamp)
        value.encode(into: &writer)
    }
}

/// Merge of optional registers: a written register beats one never written.
func merge<V>(_ a: Register<V>?, _ b: Register<V>?) -> Register<V>? {
    switch (a, b) {
    case let (a?, b?): a.merged(b)
    case let (a?, nil): a
    case let (nil, b): b
    }
}
