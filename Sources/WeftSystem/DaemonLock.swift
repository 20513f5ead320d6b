import Foundation

/// One daemon per data directory: an exclusive `flock` on `run/daemon.lock`, held for the
/// daemon's life (close-on-exec, so an in-place restart re-takes it, and children never
/// hold it). A second `weft serve` on the same directory would otherwise fight the first
/// over devices and end its children as "leftovers".
public struct DaemonLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Waits up to `patience` for a daemon that is still stopping.
    public init(directory: String, patience: Duration = .seconds(10)) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        path = directory + "/daemon.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SystemError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        let deadline = ContinuousClock.now + patience
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, ContinuousClock.now < deadline else {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                close(descriptor)
                throw SystemError.io("another weft daemon (PID \(holder)) is running on this data directory")
            }
            usleep(50_000)
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }
}
