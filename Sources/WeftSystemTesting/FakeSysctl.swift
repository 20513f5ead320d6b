import Synchronization
import WeftSystem

/// A sysctl table in memory. Unknown keys fail like a missing /proc/sys file.
public final class FakeSysctl: Sysctl {
    private let values: Mutex<[String: String]>

    public init(_ initial: [String: String] = FakeSysctl.freshNamespace) { values = Mutex(initial) }

    /// What a new network namespace starts with.
    public static let freshNamespace: [String: String] = [
        "net.ipv4.ip_forward": "0",
        "net.ipv4.conf.all.rp_filter": "0",
        "net.ipv4.conf.default.rp_filter": "0",
    ]

    public func get(_ key: String) throws -> String {
        guard let value = values.withLock({ $0[key] }) else { throw SystemError.io("no sysctl \(key)") }
        return value
    }

    public func set(_ key: String, _ value: String) throws {
        try values.withLock { table in
            guard table[key] != nil else { throw SystemError.io("no sysctl \(key)") }
            table[key] = value
        }
    }

    public var snapshot: [String: String] { values.withLock { $0 } }
}
