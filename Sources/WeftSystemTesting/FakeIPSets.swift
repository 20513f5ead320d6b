import Synchronization
import WeftSystem

/// Models ipset state for `restore` scripts: create (-exist), add and del (-exist: no error
/// on a member already there / not there), swap, destroy, flush.
public final class FakeIPSets: IPSets {
    private let state = Mutex<[String: (type: String, entries: [String])]>([:])

    public init() {}

    public func entries(_ name: String) -> [String]? { state.withLock { $0[name]?.entries } }
    public var names: Set<String> { state.withLock { Set($0.keys) } }

    public func restore(_ script: String) async throws {
        try state.withLock { sets in
            var next = sets
            for line in script.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                guard let verb = words.first, words.count >= 2 else { continue }
                let name = words[1]
                switch verb {
                case "create":
                    if next[name] != nil {
                        guard words.contains("-exist") else { throw SystemError.command(["ipset", "restore"], status: 1, stderr: "set \(name) exists") }
                    } else {
                        next[name] = (words.count > 2 ? words[2] : "?", [])
                    }
                case "add":
                    guard next[name] != nil, words.count >= 3 else { throw SystemError.command(["ipset", "restore"], status: 1, stderr: "no set \(name)") }
                    if next[name]!.entries.contains(words[2]) {
                        guard words.contains("-exist") else { throw SystemError.command(["ipset", "restore"], status: 1, stderr: "element already added") }
                    } else {
                        next[name]!.entries.append(words[2])
                    }
                case "del":
                    guard next[name] != nil, words.count >= 3 else { throw SystemError.command(["ipset", "restore"], status: 1, stderr: "no set \(name)") }
                    if let at = next[name]!.entries.firstIndex(of: words[2]) {
                        next[name]!.entries.remove(at: at)
                    } else if !words.contains("-exist") {
                        throw SystemError.command(["ipset", "restore"], status: 1, stderr: "element not added")
                    }
                case "swap":
                    guard let a = next[name], words.count >= 3, let b = next[words[2]] else {
                        throw SystemError.command(["ipset", "restore"], status: 1, stderr: "swap: missing set")
                    }
                    next[name] = b
                    next[words[2]] = a
                case "destroy":
                    guard next.removeValue(forKey: name) != nil else { throw SystemError.command(["ipset", "restore"], status: 1, stderr: "no set \(name)") }
                case "flush":
                    next[name]?.entries.removeAll()
                default:
                    throw SystemError.command(["ipset", "restore"], status: 1, stderr: "unknown command \(verb)")
                }
            }
            sets = next
        }
    }

    public func counts() async throws -> [String: Int] {
        state.withLock { $0.mapValues(\.entries.count) }
    }
}
