import Foundation

/// Kernel parameters (`net.ipv4.ip_forward`, ...), namespaced per network namespace.
public protocol Sysctl: Sendable {
    func get(_ key: String) throws -> String
    func set(_ key: String, _ value: String) throws
}

/// Reads and writes `/proc/sys` directly (no `sysctl` process per key).
public struct ProcSysctl: Sysctl {
    public let root: String

    public init(root: String = "/proc/sys") { self.root = root }

    func path(_ key: String) -> String { root + "/" + key.replacingOccurrences(of: ".", with: "/") }

    public func get(_ key: String) throws -> String {
        do {
            return try String(contentsOfFile: path(key), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw SystemError.io("cannot read sysctl \(key): \(error.localizedDescription)")
        }
    }

    public func set(_ key: String, _ value: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path(key)) else {
            throw SystemError.io("cannot open sysctl \(key) for writing (not root?)")
        }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data((value + "\n").utf8))
        } catch {
            throw SystemError.io("cannot write sysctl \(key)=\(value): \(error.localizedDescription)")
        }
    }
}
