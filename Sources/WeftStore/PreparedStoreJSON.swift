import Dispatch
import Synchronization
import WeftModel

/// A value's store JSON, written on another core from the moment it is made: a firewall
/// write prepares its policy's JSON (10,000 rules: about 14 ms) while `iptables-restore`
/// applies the rules, and its transaction then only waits for bytes that are ready.
public final class PreparedStoreJSON<V: StoreJSONWritable & Sendable>: Sendable {
    private let done = DispatchGroup()
    private let result = Mutex<[UInt8]>([])

    public init(_ value: V) {
        done.enter()
        DispatchQueue.global().async { self.write(value) }
    }

    private func write(_ value: V) {
        var bytes: [UInt8] = []
        value.writeStoreJSON(into: &bytes)
        result.withLock { $0 = bytes }
        done.leave()
    }

    /// The JSON; waits for it if it is still being written.
    public var bytes: [UInt8] {
        done.wait()
        return result.withLock { $0 }
    }
}
