import Foundation
import Synchronization
import WeftSystem

/// Programs Weft runs inside plugin instances for the `weft` process manager: started with
/// `crun exec --detach`, known by host PID and start time (so a reused PID is never
/// mistaken for ours), stopped with SIGTERM then SIGKILL. Keyed by container id (random,
/// unique across controllers in one process).
public enum PluginProcesses {
    public struct Tracked: Sendable, Equatable {
        public var pid: Int32
        public var started: UInt64
        public var since: Int
    }

    static let table = Mutex<[String: [String: Tracked]]>([:])

    public static func tracked(_ container: String, _ program: String) -> Tracked? {
        guard let entry = table.withLock({ $0[container]?[program] }) else { return nil }
        return HostProcess.startTime(entry.pid) == entry.started ? entry : nil
    }

    static func record(_ container: String, _ program: String, _ entry: Tracked?) {
        table.withLock { $0[container, default: [:]][program] = entry }
    }

    static let starting = Mutex<Set<String>>([])

    /// Only one start of a program at a time (the instance's start and a container restart may meet).
    static func claim(_ container: String, _ program: String) -> Bool {
        starting.withLock { $0.insert(container + "/" + program).inserted }
    }

    static func release(_ container: String, _ program: String) {
        _ = starting.withLock { $0.remove(container + "/" + program) }
    }

    static func forget(_ container: String) {
        _ = table.withLock { $0.removeValue(forKey: container) }
    }
}
