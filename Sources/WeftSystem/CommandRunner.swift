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

/// Runs commands with Foundation's `Process`, resolving the tool on a fixed PATH.
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
        return try await withCheckedThrowingContinuation { continuation in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = Array(argv.dropFirst())
            let output = Pipe(), errors = Pipe(), input = Pipe()
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = input
            // Drain both pipes concurrently so a chatty tool cannot block on a full pipe.
            let collected = OutputCollector()
            let group = DispatchGroup()
            for (pipe, isError) in [(output, false), (errors, true)] {
                group.enter()
                DispatchQueue.global().async {
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    collected.store(data, isError: isError)
                    group.leave()
                }
            }
            process.terminationHandler = { finished in
                group.notify(queue: .global()) {
                    let (out, err) = collected.values()
                    continuation.resume(returning: CommandResult(status: finished.terminationStatus,
                                                                 stdout: String(decoding: out, as: UTF8.self),
                                                                 stderr: String(decoding: err, as: UTF8.self)))
                }
            }
            do {
                try process.run()
            } catch {
                try? output.fileHandleForWriting.close()
                try? errors.fileHandleForWriting.close()
                continuation.resume(throwing: SystemError.io("cannot start \(path): \(error)"))
                return
            }
            if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
            try? input.fileHandleForWriting.close()
        }
    }
}

private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    func store(_ data: Data, isError: Bool) {
        lock.lock(); defer { lock.unlock() }
        if isError { err = data } else { out = data }
    }

    func values() -> (Data, Data) {
        lock.lock(); defer { lock.unlock() }
        return (out, err)
    }
}
