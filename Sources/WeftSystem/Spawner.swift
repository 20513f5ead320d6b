import CSpawn
import Foundation
import Synchronization

/// The one place the daemon starts child processes. Every fork happens on one long-lived
/// thread: `PR_SET_PDEATHSIG` fires when the *thread* that forked a child ends, so children
/// started from short-lived pool threads could be killed at random, while children started
/// here die exactly when the daemon does (a crash or `kill -9` included). Foundation's
/// `Process` is not used: its Linux spawn path is not safe under concurrent use.
public enum Spawner {
    /// What one child is started with.
    public struct Request: Sendable {
        public var path: String
        public var arguments: [String]
        /// Added to the daemon's own environment ("NAME=value").
        public var environment: [String]
        public var stdin: Int32
        public var stdout: Int32
        public var stderr: Int32

        public init(path: String, arguments: [String], environment: [String] = [], stdin: Int32 = -1, stdout: Int32 = -1, stderr: Int32 = -1) {
            self.path = path
            self.arguments = arguments
            self.environment = environment
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Starts the child on the spawn thread and returns its PID (a process-group leader).
    public static func spawn(_ request: Request) throws -> pid_t {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<pid_t, SystemError>?>(nil)
        SpawnThread.shared.submit {
            outcome.withLock { $0 = start(request) }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }

    /// The same, without holding a task's thread while the spawn thread works.
    public static func spawn(_ request: Request) async throws -> pid_t {
        try await withCheckedThrowingContinuation { continuation in
            SpawnThread.shared.submit { continuation.resume(with: start(request)) }
        }
    }

    /// Runs on the spawn thread.
    private static func start(_ request: Request) -> Result<pid_t, SystemError> {
        let argv = [request.path] + request.arguments
        let environment = mergedEnvironment(request.environment)
        let pid = withCStrings(argv) { argvPointers in
            withCStrings(environment) { environmentPointers in
                var options = weft_spawn_options(stdin_fd: request.stdin, stdout_fd: request.stdout, stderr_fd: request.stderr,
                                                 death_signal: SIGKILL, new_process_group: 1)
                return weft_spawn(request.path, argvPointers, environmentPointers, &options)
            }
        }
        if pid < 0 { return .failure(.io("cannot start \(request.path): \(String(cString: strerror(-pid)))")) }
        return .success(pid)
    }

    static func mergedEnvironment(_ extra: [String]) -> [String] {
        var names = Set<Substring>()
        for entry in extra { if let equals = entry.firstIndex(of: "=") { names.insert(entry[..<equals]) } }
        let inherited = ProcessInfo.processInfo.environment
            .filter { !names.contains(Substring($0.key)) }
            .sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }
        return inherited + extra
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Waits for the child to end and returns its exit status (128 + N for signal N).
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        let got = weft_wait(pid, &status, 0)
        return got == pid ? exitStatus(status) : 255
    }

    /// nil while the child runs; its exit status once it has ended (and is reaped).
    public static func poll(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let got = weft_wait(pid, &status, 1)
        if got == 0 { return nil }
        return got == pid ? exitStatus(status) : 255
    }

    /// WIFEXITED/WEXITSTATUS/WTERMSIG, which Swift does not import.
    public static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// A thread that lives as long as the daemon and runs spawn jobs in order.
final class SpawnThread: @unchecked Sendable {
    static let shared = SpawnThread()

    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let waiting = DispatchSemaphore(value: 0)

    private init() {
        // A child that closes its stdin early must be an EPIPE for the writer, not the
        // daemon's end. Children get every signal back at its default.
        signal(SIGPIPE, SIG_IGN)
        let thread = Thread { [self] in run() }
        thread.name = "weft-spawn"
        thread.start()
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.append(job) }
        waiting.signal()
    }

    private func run() {
        while true {
            waiting.wait()
            guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            job()
        }
    }
}
