import Foundation
import WeftIDS

/// weft-ids: Weft's detection engine on the command line.
///   weft-ids replay --rules FILE --pcap FILE --log-dir DIR [--set stream.inline=true]
///                   [--set stream.midstream=true] [--simulate-ips] [--skip-unsupported]
///   weft-ids live --interface IF --rules FILE --log-dir DIR   (passive, until SIGTERM)

let usage = """
    usage: weft-ids replay --rules FILE --pcap FILE --log-dir DIR [--set stream.inline=true] \
    [--set stream.midstream=true] [--simulate-ips] [--skip-unsupported] [--max-log-bytes N]
           weft-ids live --interface IF [--interface IF ...] --rules FILE --log-dir DIR [--skip-unsupported] [--max-log-bytes N]
           weft-ids bench [FLOWS]
    """

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("weft-ids: \(message)\n".utf8))
    exit(code)
}

struct Arguments {
    var rules: String?
    var pcap: String?
    var logDir: String?
    var options = EngineOptions()
    var skipUnsupported = false
    var maxLogBytes = 1 << 30

    mutating func setting(_ s: String) {
        let kv = s.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2, ["true", "false", "yes", "no", "1", "0"].contains(kv[1]) else {
            fail("--set \(s): expected NAME=true|false", code: 2)
        }
        let on = ["true", "yes", "1"].contains(kv[1])
        switch kv[0] {
        case "stream.inline": options.streamInline = on
        case "stream.midstream": options.midstream = on
        default: fail("--set \(kv[0]) is not supported (only stream.inline and stream.midstream)", code: 2)
        }
    }

    static func parse(_ argv: [String]) -> Arguments {
        var out = Arguments()
        var i = 0
        func value() -> String {
            i += 1
            guard i < argv.count else { fail("\(argv[i - 1]) needs a value\n\(usage)", code: 2) }
            return argv[i]
        }
        while i < argv.count {
            let a = argv[i]
            switch a {
            case "--rules", "-S": out.rules = value()
            case "--pcap", "-r": out.pcap = value()
            case "--log-dir", "-l": out.logDir = value()
            case "--set": out.setting(value())
            case "--simulate-ips": out.options.simulateIPS = true
            case "--skip-unsupported": out.skipUnsupported = true
            case "--max-log-bytes":
                guard let n = Int(value()), n > 0 else { fail("--max-log-bytes needs a positive number", code: 2) }
                out.maxLogBytes = n
            case "-h", "--help": print(usage); exit(0)
            default:
                if a.hasPrefix("--set=") { out.setting(String(a.dropFirst(6))) } else { fail("unknown option \(a)\n\(usage)", code: 2) }
            }
            i += 1
        }
        return out
    }
}

func main() -> Never {
    var argv = Array(CommandLine.arguments.dropFirst())
    if argv.first == "bench" {
        let flows = argv.count > 1 ? Int(argv[1]) ?? 2000 : 2000
        do { try Bench.run(flows: flows) } catch { fail("\(error)", code: 1) }
        exit(0)
    }
    if argv.first == "live" { Live.main(Array(argv.dropFirst())) }
    guard argv.first == "replay" else { fail(usage, code: 2) }
    argv.removeFirst()
    let args = Arguments.parse(argv)
    guard let rules = args.rules, let pcap = args.pcap, let logDir = args.logDir else { fail(usage, code: 2) }
    var replay = Replay(rulesPath: rules, pcapPath: pcap, logDir: logDir, options: args.options)
    replay.skipUnsupported = args.skipUnsupported
    replay.maxLogBytes = args.maxLogBytes
    do {
        let s = try replay.run()
        for w in s.warnings { FileHandle.standardError.write(Data("weft-ids: warning: \(w)\n".utf8)) }
        if s.linesDropped > 0 {
            FileHandle.standardError.write(Data("weft-ids: warning: \(s.linesDropped) log lines left out: --max-log-bytes reached\n".utf8))
        }
        FileHandle.standardError.write(Data("weft-ids: \(s.rules) rules, \(s.packets) packets, \(s.alerts) alerts\n".utf8))
        exit(0)
    } catch let e as IDSError {
        fail(e.line != nil ? "\(rules): \(e.description)" : e.description, code: 1)
    } catch {
        fail("\(error)", code: 1)
    }
}

main()
