import Foundation
import WeftIDS
import WeftIDSLive

/// `weft-ids live`: the engine on live interfaces (libpcap, passive), writing eve.json and
/// fast.log into a directory until SIGTERM or SIGINT — what an IDS instance fed with copied
/// traffic (a `COPY` macro towards it) runs.
enum Live {
    static let usage = "usage: weft-ids live --interface IF [--interface IF ...] --rules FILE --log-dir DIR [--skip-unsupported] [--max-log-bytes N]"

    static func main(_ argv: [String]) -> Never {
        var interfaces: [String] = [], rules: String?, logDir: String?
        var skip = false, maxBytes = 64 << 20
        var i = 0
        func value() -> String {
            i += 1
            guard i < argv.count else { fail("\(argv[i - 1]) needs a value\n\(usage)", code: 2) }
            return argv[i]
        }
        while i < argv.count {
            switch argv[i] {
            case "--interface", "-i": interfaces.append(value())
            case "--rules", "-S": rules = value()
            case "--log-dir", "-l": logDir = value()
            case "--skip-unsupported": skip = true
            case "--max-log-bytes":
                guard let n = Int(value()), n > 0 else { fail("--max-log-bytes needs a positive number", code: 2) }
                maxBytes = n
            case "-h", "--help": print(usage); exit(0)
            default: fail("unknown option \(argv[i])\n\(usage)", code: 2)
            }
            i += 1
        }
        guard !interfaces.isEmpty, let rules, let logDir else { fail(usage, code: 2) }
        let set: RuleSet
        do {
            guard let data = FileManager.default.contents(atPath: rules) else { throw IDSError(.io, "cannot read rule file \(rules)") }
            set = try RuleSet.parse(String(decoding: data, as: UTF8.self), skipUnsupported: skip)
            try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
        } catch { fail("\(error)", code: 1) }
        for w in set.warnings { FileHandle.standardError.write(Data("weft-ids: \(w)\n".utf8)) }
        let eve = RotatingLog(path: logDir + "/eve.json", maxBytes: maxBytes)
        let fast = RotatingLog(path: logDir + "/fast.log", maxBytes: maxBytes)
        let engine = LiveEngine(rules: set.rules, ips: false) { alert in
            eve.write(AlertFormat.eveLine(alert))
            fast.write(AlertFormat.fastLine(alert))
        }
        let capture = PassiveCapture(engine: engine, interfaces: interfaces)
        capture.start()
        FileHandle.standardOutput.write(Data("weft-ids live: \(set.rules.count) rule(s) on \(interfaces.joined(separator: ", ")), logs in \(logDir)\n".utf8))
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            source.setEventHandler {
                capture.stop()
                let c = engine.snapshot
                FileHandle.standardOutput.write(Data("weft-ids live: \(c.packets) packets, \(c.alerts) alerts, \(capture.kernelDropped) kernel drops\n".utf8))
                exit(0)
            }
            source.resume()
            sources.append(source)
        }
        withExtendedLifetime(sources) { dispatchMain() }
    }
}
