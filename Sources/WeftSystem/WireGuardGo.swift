/// Runs `wireguard-go -f DEVICE` as a child of the daemon (the kernel has no WireGuard
/// module here), and stops it when the daemon stops or restarts.
public protocol WireGuardDaemon: Sendable {
    /// Starts the userspace device unless it runs (a child of this daemon that is alive, or
    /// a UAPI socket that answers); true when it had to start it (the device is new and empty).
    @discardableResult
    func ensureRunning(socket: any WireGuardControl) async throws -> Bool
    func stop()
}

public final class WireGuardGo: WireGuardDaemon {
    let device: String
    private let process: ManagedProcess

    public init(device: String) {
        self.device = device
        process = ManagedProcess(tool: "wireguard-go", arguments: ["-f", device])
    }

    /// A live child is trusted without a UAPI dump (at 10,000 peers a dump costs more than
    /// the rest of a pass); a hung one is found by the reconciler's periodic read-back.
    @discardableResult
    public func ensureRunning(socket: any WireGuardControl) async throws -> Bool {
        if process.isRunning { return false }
        if (try? await socket.get()) != nil { return false }
        process.stop()
        try process.start()
        for _ in 0..<100 {
            if (try? await socket.get()) != nil { return true }
            guard process.isRunning else { throw SystemError.io("wireguard-go exited while starting \(device)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SystemError.io("wireguard-go did not open its UAPI socket for \(device) within 5 s")
    }

    public func stop() { process.stop() }
}
