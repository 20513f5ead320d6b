import CSpawn
import Foundation

/// The output of one finished command.
public struct CommandResult: Sendable, Equatable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// The bottom layer of side effects: run a tool, shaped like the tool.
public protocol CommandRunner: Sendable {
    func run(_ argv: [String], stdin: String?) async throws -> CommandResult
}

extension CommandRunner {
    /// Runs and throws a `SystemError.command` on a non-zero exit.
    @discardableResult
    public func check(_ argv: [String], stdin: String? = nil) async throws -> String {
        let result = try await run(argv, stdin: stdin)
        guard result.status == 0 else { throw SystemError.command(argv, status: result.status, stderr: result.stderr) }
        return result.stdout
    }
}

/// Runs commands through `Spawner` (one spawn thread, no Foundation `Process`), resolving
/// the tool on a fixed PATH. Output is read and input written in one poll loop, so neither a
/// chatty tool nor a large input (an `iptables-restore` of 100,000 rules) can block on a full pipe.
public struct ProcessRunner: CommandRunner {
    public static let searchPath = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]

    public init() {}

    public static func resolve(_ tool: String) -> String? {
        if tool.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        return searchPath.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public func run(_ argv: [String], stdin: String?) async throws -> CommandResult {
        guard let tool = argv.first, let path = ProcessRunner.resolve(tool) else {
            throw SystemError.unsupported("\(argv.first ?? "(empty)") is not installed")
        }
        let input = try PipePair(), output = try PipePair(), errors = try PipePair()
        let pid: pid_t
        do {
            pid = try await Spawner.spawn(.init(path: path, arguments: Array(argv.dropFirst()),
                                                stdin: input.read, stdout: output.write, stderr: errors.write))
        } catch {
            for pair in [input, output, errors] { pair.closeBoth() }
            throw error
        }
        close(input.read); close(output.write); close(errors.write)
        let bytes = Array((stdin ?? "").utf8)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let (out, err) = PipeExchange.run(input: bytes, to: input.write, stdout: output.read, stderr: errors.read)
                let status = Spawner.wait(pid)
                continuation.resume(returning: CommandResult(status: status, stdout: String(decoding: out, as: UTF8.self),
                                                             stderr: String(decoding: err, as: UTF8.self)))
            }
        }
    }
}

/// Both ends of a pipe, close-on-exec (the child gets its end through dup2).
struct PipePair {
    let read: Int32
    let write: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        guard weft_pipe(&ends) == 0 else { throw SystemError.io("pipe: \(String(cString: strerror(errno)))") }
        read = ends[0]
        write = ends[1]
    }

    func closeBoth() { close(read); close(write) }
}

/// Feeds a child's stdin and drains its stdout and stderr until both reach end of file;
/// closes every descriptor it was given.
enum PipeExchange {
    static func run(input: [UInt8], to stdin: Int32, stdout: Int32, stderr: Int32) -> ([UInt8], [UInt8]) {
        var out: [UInt8] = [], err: [UInt8] = []
        var open = [stdout, stderr]
        var written = 0
        var stdin = Optional(stdin)
        if input.isEmpty, let fd = stdin { close(fd); stdin = nil }
        if let fd = stdin { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty || stdin != nil {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if let fd = stdin { fds.append(pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 { if errno == EINTR { continue }; break }
            for entry in fds where entry.revents != 0 {
                if entry.fd == stdin {
                    let count = input.withUnsafeBytes { raw in
                        Glibc.write(entry.fd, raw.baseAddress! + written, min(raw.count - written, 65536))
                    }
                    if count > 0 { written += count }
                    if written >= input.count || (count < 0 && errno != EAGAIN && errno != EINTR) || (entry.revents & Int16(POLLERR | POLLHUP)) != 0 && count <= 0 {
                        close(entry.fd); stdin = nil
                    }
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { Glibc.read(entry.fd, $0.baseAddress!, $0.count) }
                if count > 0 {
                    if entry.fd == stdout { out.append(contentsOf: buffer[0..<count]) } else { err.append(contentsOf: buffer[0..<count]) }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        return (out, err)
    }
}
