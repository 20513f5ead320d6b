import Foundation
import Synchronization

/// Runs `wireguard-go -f DEVICE` as a child of the daemon (the kernel has no WireGuard
/// module here), and stops it when the daemon stops or restarts.
public protocol WireGuardDaemon: Sendable {
    /// Starts the userspace device unless its UAPI socket already answers.
    func ensureRunning(device: String, socket: any WireGuardControl) async throws
    func stop()
}

public final class WireGuardGo: WireGuardDaemon {
    private struct Child: @unchecked Sendable { let process: Process }
    private let child = Mutex<Child?>(nil)
    let executable: String

    public init(executable: String = ProcessRunner.resolve("wireguard-go") ?? "/usr/bin/wireguard-go") {
        self.executable = executable
    }

    public var pid: Int32? { child.withLock { $0?.process.isRunning == true ? $0?.process.processIdentifier : nil } }

    public func ensureRunning(device: String, socket: any WireGuardControl) async throws {
        if (try? await socket.get()) != nil { return }
        let process = Process()
        ManagedProcess.launch(process, executable: executable, arguments: ["-f", device])
        var environment = ProcessInfo.processInfo.environment
        environment["WG_PROCESS_FOREGROUND"] = "1"
        environment["LOG_LEVEL"] = "error"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw SystemError.io("cannot start \(executable): \(error)") }
        child.withLock { $0 = Child(process: process) }
        for _ in 0..<100 {
            if (try? await socket.get()) != nil { return }
            guard process.isRunning else { throw SystemError.io("wireguard-go exited with \(process.terminationStatus) while starting \(device)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SystemError.io("wireguard-go did not open its UAPI socket for \(device) within 5 s")
    }

    public func stop() {
        guard let running = child.withLock({ value -> Process? in defer { value = nil }; return value?.process }) else { return }
        ManagedProcess.terminate(running)
    }
}
