/// Runs `wireguard-go -f DEVICE` as a child of the daemon (the kernel has no WireGuard
/// module here), and stops it when the daemon stops or restarts.
public protocol WireGuardDaemon: Sendable {
    /// Starts the userspace device unless its UAPI socket already answers.
    func ensureRunning(socket: any WireGuardControl) async throws
    func stop()
}

public final class WireGuardGo: WireGuardDaemon {
    let device: String
    private let process: ManagedProcess

    public init(device: String) {
        self.device = device
        process = ManagedProcess(tool: "wireguard-go", arguments: ["-f", device])
    }

    public func ensureRunning(socket: any WireGuardControl) async throws {
        if (try? await socket.get()) != nil { return }
        process.stop()
        try process.start()
        for _ in 0..<100 {
            if (try? await socket.get()) != nil { return }
            guard process.isRunning else { throw SystemError.io("wireguard-go exited while starting \(device)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SystemError.io("wireguard-go did not open its UAPI socket for \(device) within 5 s")
    }

    public func stop() { process.stop() }
}
