import Foundation
import Synchronization
import Testing
@testable import WeftSystem

/// The spawn path with real processes (sh, cat, head are on every machine).
@Suite struct SpawnerTests {
    let runner = ProcessRunner()

    @Test func exitStatusesAreThoseOfTheTool() async throws {
        #expect(try await runner.run(["true"], stdin: nil).status == 0)
        #expect(try await runner.run(["false"], stdin: nil).status == 1)
        #expect(try await runner.run(["sh", "-c", "exit 7"], stdin: nil).status == 7)
        // A signal is 128 + its number, as a shell reports it.
        #expect(try await runner.run(["sh", "-c", "kill -KILL $$"], stdin: nil).status == 128 + 9)
    }

    @Test func stdoutAndStderrAreSeparate() async throws {
        let result = try await runner.run(["sh", "-c", "echo out; echo err >&2"], stdin: nil)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
    }

    @Test func aLargeInputAndOutputDoNotBlockOnAFullPipe() async throws {
        // 4 MiB through cat: both pipes fill many times over while the other is pending.
        let line = String(repeating: "x", count: 1023) + "\n"
        let input = String(repeating: line, count: 4096)
        let result = try await runner.run(["cat"], stdin: input)
        #expect(result.status == 0)
        #expect(result.stdout.utf8.count == input.utf8.count)
        #expect(result.stdout == input)
    }

    @Test func aToolThatClosesItsInputEarlyIsNotAnError() async throws {
        let input = String(repeating: "y\n", count: 1 << 20)
        let result = try await runner.run(["head", "-n", "1"], stdin: input)
        #expect(result.status == 0)
        #expect(result.stdout == "y\n")
    }

    @Test func aMissingToolIsRefusedBeforeAnythingStarts() async {
        await #expect(throws: SystemError.self) { try await runner.run(["no-such-tool-weft"], stdin: nil) }
        await #expect(throws: SystemError.self) { try await runner.run([], stdin: nil) }
    }

    @Test func aPathThatCannotBeExecutedIsAnErrorNotAChild() {
        #expect(throws: SystemError.self) { try Spawner.spawn(.init(path: "/etc/hostname", arguments: [])) }
    }

    @Test func childrenGetDefaultSignalsAndTheirOwnProcessGroup() async throws {
        // The daemon ignores signals (lifecycle handlers); a child must not inherit that.
        signal(SIGUSR1, SIG_IGN)
        defer { signal(SIGUSR1, SIG_DFL) }
        let result = try await runner.run(["sh", "-c", "kill -USR1 $$; echo survived"], stdin: nil)
        #expect(result.status == 128 + SIGUSR1)
        #expect(!result.stdout.contains("survived"))
        let group = try await runner.run(["sh", "-c", "ps -o pgid= -p $$; echo $$"], stdin: nil)
        let fields = group.stdout.split(whereSeparator: \.isWhitespace)
        #expect(fields.count == 2 && fields[0] == fields[1])
    }

    @Test func onlyTheStandardDescriptorsAreInherited() async throws {
        let open = Glibc.open("/dev/null", O_RDONLY)  // not close-on-exec
        defer { close(open) }
        let result = try await runner.run(["sh", "-c", "ls /proc/self/fd"], stdin: nil)
        let descriptors = result.stdout.split(separator: "\n").compactMap { Int($0) }.filter { $0 > 2 }
        // ls's own directory descriptor is the only one above 2.
        #expect(descriptors.count <= 1)
        #expect(!descriptors.contains(Int(open)) || descriptors.count == 1)
    }

    @Test func thousandsOfConcurrentSpawnsAllComplete() async throws {
        // The crash this replaces was a race in concurrent spawning: 2,000 commands from 40
        // tasks at once, each with its own output.
        let outputs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for task in 0..<40 {
                group.addTask {
                    var last = ""
                    for index in 0..<50 {
                        let result = try await ProcessRunner().run(["echo", "\(task)-\(index)"], stdin: index % 2 == 0 ? "in" : nil)
                        guard result.status == 0, result.stdout == "\(task)-\(index)\n" else { return (task, "bad: \(result)") }
                        last = result.stdout
                    }
                    return (task, last)
                }
            }
            var all: [Int: String] = [:]
            for try await (task, last) in group { all[task] = last }
            return all
        }
        #expect(outputs.count == 40)
        for (task, last) in outputs { #expect(last == "\(task)-49\n") }
    }
}

@Suite(.serialized) struct ManagedProcessTests {
    @Test func startRecordsTheChildAndStopEndsItsProcessGroup() throws {
        let directory = NSTemporaryDirectory() + "weft-children-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ChildRecords.shared.use(directory: directory)
        // A child that starts a grandchild: stop must reach both.
        let process = ManagedProcess(tool: "sh", arguments: ["-c", "sleep 60 & wait"])
        try process.start()
        let pid = try #require(process.pid)
        #expect(process.isRunning)
        #expect(getpgid(pid) == pid)
        #expect(FileManager.default.fileExists(atPath: "\(directory)/\(pid)"))
        process.stop()
        #expect(!process.isRunning)
        #expect(process.pid == nil)
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/\(pid)"))
        // No process of the group is left (the grandchild, reparented, is reaped by init).
        for _ in 0..<200 where kill(-pid, 0) == 0 { usleep(10_000) }
        #expect(kill(-pid, 0) != 0)
    }

    @Test func aChildThatExitsIsSeenAsStopped() async throws {
        let process = ManagedProcess(tool: "sh", arguments: ["-c", "exit 3"])
        try process.start()
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!process.isRunning)
    }

    @Test func leftoversAreEndedOnlyWhenTheyAreTheRecordedProcess() throws {
        let first = NSTemporaryDirectory() + "weft-left-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let second = first + "-next"
        defer { for path in [first, second] { try? FileManager.default.removeItem(atPath: path) } }
        let records = ChildRecords.shared
        try records.use(directory: first)
        let process = ManagedProcess(tool: "sleep", arguments: ["60"])
        try process.start()
        let pid = try #require(process.pid)
        // The "next daemon" reads the records: one true, one naming a PID with another start time.
        try FileManager.default.createDirectory(atPath: second, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(first)/\(pid)", toPath: "\(second)/\(pid)")
        try "1\nimposter\n".write(toFile: "\(second)/\(getpid())", atomically: true, encoding: .utf8)
        let next = ChildRecords()
        try next.use(directory: second)
        let ended = next.endLeftovers(grace: .seconds(2))
        #expect(ended == [.init(pid: pid, tool: ProcessRunner.resolve("sleep")!)])
        #expect(!process.isRunning)
        #expect(try FileManager.default.contentsOfDirectory(atPath: second).isEmpty)
        #expect(kill(getpid(), 0) == 0)
    }
}

@Suite(.serialized) struct RestartObserverTests {
    @Test func aChildThatDiedIsReportedWhenStartedAgainEvenAfterStop() async throws {
        let seen = Mutex<[String]>([])
        ManagedProcess.observeRestarts { tool, status in seen.withLock { $0.append("\(tool) \(status)") } }
        let process = ManagedProcess(tool: "sleep", arguments: ["60"])
        try process.start()
        let pid = try #require(process.pid)
        kill(pid, SIGKILL)
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        process.stop()   // as WireGuardGo.ensureRunning does before starting again
        try process.start()
        process.stop()
        #expect(seen.withLock { $0 } == ["sleep 137"])
    }

    @Test func aChildDyingWhenStopComesIsReportedAndADeliberateStopIsNot() async throws {
        let seen = Mutex<[String]>([])
        ManagedProcess.observeRestarts { tool, status in seen.withLock { $0.append("\(tool) \(status)") } }
        let process = ManagedProcess(tool: "sleep", arguments: ["60"])
        try process.start()
        kill(try #require(process.pid), SIGKILL)
        process.stop()   // perhaps before the kernel made it a zombie
        try process.start()
        process.stop()   // deliberate: SIGTERM
        try process.start()
        process.stop()
        #expect(seen.withLock { $0 } == ["sleep 137"])
    }
}
