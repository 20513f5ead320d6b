import Foundation

/// Offline mode, like `suricata -r`: reads a pcap, runs the rules, writes
/// `eve.json` and `fast.log` into a directory.
public struct Replay {
    public var rulesPath: String
    public var pcapPath: String
    public var logDir: String
    public var options: EngineOptions
    public var skipUnsupported = false
    /// Each log file stops growing at this size; the alerts past it are counted, not written.
    public var maxLogBytes = 1 << 30

    public init(rulesPath: String, pcapPath: String, logDir: String, options: EngineOptions) {
        self.rulesPath = rulesPath
        self.pcapPath = pcapPath
        self.logDir = logDir
        self.options = options
    }

    public struct Summary: Sendable {
        public var rules: Int
        public var packets: Int
        public var alerts: Int
        public var warnings: [String]
        /// Lines left out because a log file reached `maxLogBytes`.
        public var linesDropped: Int
    }

    public func run() throws -> Summary {
        guard let data = FileManager.default.contents(atPath: rulesPath) else {
            throw IDSError(.io, "cannot read rule file \(rulesPath)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let set = try RuleSet.parse(text, skipUnsupported: skipUnsupported)
        var reader = try PcapReader(path: pcapPath)
        try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
        let eve = try LogFile(path: logDir + "/eve.json", maxBytes: maxLogBytes)
        let fast = try LogFile(path: logDir + "/fast.log", maxBytes: maxLogBytes)
        var alerts = 0
        let engine = DetectionEngine(rules: set.rules, options: options) { alert in
            alerts += 1
            eve.write(AlertFormat.eveLine(alert))
            fast.write(AlertFormat.fastLine(alert))
        }
        var number = 0
        while let rec = reader.next() {
            number += 1
            guard var p = PacketDecoder.decode(rec.data, linkType: reader.linkType) else { continue }
            p.number = number
            p.seconds = rec.seconds
            p.microseconds = rec.microseconds
            engine.process(p)
        }
        engine.finish()
        try eve.close()
        try fast.close()
        return Summary(rules: set.rules.count, packets: number, alerts: alerts, warnings: set.warnings,
                       linesDropped: eve.dropped + fast.dropped)
    }
}

/// A log file written line by line through a buffer, bounded on disk.
final class LogFile {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private let maxBytes: Int
    private var written = 0
    private(set) var dropped = 0

    init(path: String, maxBytes: Int = 1 << 30) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let h = FileHandle(forWritingAtPath: path) else {
            throw IDSError(.io, "cannot create \(path)")
        }
        handle = h
        self.maxBytes = maxBytes
    }

    func write(_ line: String) {
        let bytes = Array(line.utf8)
        guard written + bytes.count + 1 <= maxBytes else { dropped += 1; return }
        written += bytes.count + 1
        buffer += bytes
        buffer.append(10)
        if buffer.count > 1 << 16 { handle.write(Data(buffer)); buffer = [] }
    }

    func close() throws {
        if !buffer.isEmpty { handle.write(Data(buffer)); buffer = [] }
        try handle.close()
    }
}
