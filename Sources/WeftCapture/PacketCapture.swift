import CPcap
import Glibc
import Synchronization

/// A live capture on one interface written to a standard pcap file (libpcap's
/// `pcap_dump`), on its own thread, until `stop()`, the duration, `maxPackets` or the
/// size cap.
///
/// The file is bounded on disk: one file, never a ring. `maxBytes` is a hard cap on its
/// size including the 24-byte file header and the 16-byte record headers; the packet
/// that would cross it is not written and the capture ends in `limit_reached`. Records
/// are flushed after every round of the loop (at least every 200 ms), and `bytes` counts
/// only flushed, complete records, so the first `bytes` bytes of the file are always a
/// valid pcap even while the capture runs. The file is created mode 0600.
public final class PacketCapture: Sendable {
    public struct Options: Sendable, Equatable {
        public var interface: String
        /// BPF expression; "" captures everything.
        public var filter: String
        public var duration: CaptureDuration
        public var maxPackets: Int?
        /// Hard cap on the file size in bytes.
        public var maxBytes: Int
        public var snapLength: Int32
        public var promiscuous: Bool
        /// Kernel capture buffer (libpcap's default is 2 MiB).
        public var bufferSize: Int32?

        public init(interface: String, filter: String = "", duration: CaptureDuration = .forever, maxPackets: Int? = nil,
                    maxBytes: Int = PacketCapture.defaultMaxBytes, snapLength: Int32 = PacketFilter.defaultSnapLength,
                    promiscuous: Bool = false, bufferSize: Int32? = 4 << 20) {
            self.interface = interface
            self.filter = filter
            self.duration = duration
            self.maxPackets = maxPackets
            self.maxBytes = maxBytes
            self.snapLength = snapLength
            self.promiscuous = promiscuous
            self.bufferSize = bufferSize
        }
    }

    /// Default hard cap of one capture file: 64 MiB.
    public static let defaultMaxBytes = 64 << 20
    /// Smallest cap accepted: the file header and a few records.
    public static let minimumMaxBytes = 4096
    /// Size of the pcap file header.
    public static let fileHeaderSize = 24

    public let options: Options
    public let path: String
    public let linkType: LinkType
    private let loop: CaptureLoop
    private let state: Mutex<CaptureStatus>

    /// The current state and counters.
    public var status: CaptureStatus { state.withLock { $0 } }

    private init(options: Options, path: String, loop: CaptureLoop, startedAt: Int) {
        self.options = options
        self.path = path
        self.loop = loop
        linkType = loop.source.linkType
        state = Mutex(CaptureStatus(state: .running, bytes: Self.fileHeaderSize, startedAt: startedAt))
    }

    /// Opens the interface (filter compiled for its link type), creates `path` (replacing
    /// an older file only once the interface is open) and starts the capture thread.
    /// `onFinish` runs once on the capture thread with the final status, after the file
    /// is closed.
    public static func start(_ options: Options, path: String,
                             onFinish: (@Sendable (CaptureStatus) -> Void)? = nil) throws(CaptureError) -> PacketCapture {
        guard options.maxBytes >= minimumMaxBytes else {
            throw .invalid("The size cap must be at least \(minimumMaxBytes) bytes, got \(options.maxBytes)")
        }
        if let maxPackets = options.maxPackets, maxPackets < 1 {
            throw .invalid("max_packets must be at least 1, got \(maxPackets)")
        }
        let source = try LiveSource.open(interface: options.interface, filter: options.filter, snapLength: options.snapLength,
                                         promiscuous: options.promiscuous, bufferSize: options.bufferSize, immediate: false)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .failed("Cannot create \(path): \(String(cString: strerror(errno)))") }
        guard let file = fdopen(fd, "wb") else {
            Glibc.close(fd)
            throw .failed("fdopen \(path): \(String(cString: strerror(errno)))")
        }
        guard let dumper = pcap_dump_fopen(source.handle, file) else {
            fclose(file)
            throw .failed("pcap_dump_fopen \(path): \(source.lastError)")
        }
        _ = pcap_dump_flush(dumper)
        let loop = try CaptureLoop(source: source)
        let capture = PacketCapture(options: options, path: path, loop: loop, startedAt: Int(time(nil)))
        let sink = FileSink(dumper: dumper, options: options, onFinish: onFinish) { update in
            capture.state.withLock { status in
                update(&status)
                return status
            }
        }
        loop.start(name: "weft-capture-\(options.interface)", seconds: options.duration.seconds, sink: sink)
        return capture
    }

    /// Asks the capture to stop; returns at once (see `finished()`).
    public func stop() { loop.stop() }

    /// Waits until the capture thread has ended and the file is closed.
    @discardableResult
    public func finished() async -> CaptureStatus {
        await loop.finished()
        return status
    }

    /// Blocking form of `finished()`.
    @discardableResult
    public func waitUntilFinished() -> CaptureStatus {
        loop.waitUntilFinished()
        return status
    }
}

/// State and counters of a capture, as the API shows them.
public struct CaptureStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case running
        /// Ended by `stop()`.
        case stopped
        /// The duration elapsed.
        case finished
        /// `max_packets` or the size cap was reached.
        case limitReached = "limit_reached"
        /// libpcap or the disk failed; see `reason`.
        case failed
    }

    public var state: State
    public var reason: String?
    /// Packets written to the file.
    public var packets = 0
    /// Bytes of the file that are flushed, complete records (header included).
    public var bytes: Int
    public var kernel = KernelCounters()
    /// Epoch seconds.
    public var startedAt: Int
    public var endedAt: Int?

    public init(state: State, reason: String? = nil, packets: Int = 0, bytes: Int, kernel: KernelCounters = KernelCounters(),
                startedAt: Int, endedAt: Int? = nil) {
        self.state = state
        self.reason = reason
        self.packets = packets
        self.bytes = bytes
        self.kernel = kernel
        self.startedAt = startedAt
        self.endedAt = endedAt
    }

    /// The state and sentence a stop reason maps to.
    public static func describe(_ reason: StopReason) -> (State, String) {
        switch reason {
        case .requested: (.stopped, "stopped on request")
        case .duration(let seconds): (.finished, "duration of \(seconds) s elapsed")
        case .maxPackets(let count): (.limitReached, "limit reached: max_packets \(count)")
        case .maxBytes(let bytes): (.limitReached, "limit reached: file size cap of \(bytes) bytes")
        case .failed(let message): (.failed, message)
        }
    }
}

/// Writes packets with `pcap_dump`, enforcing the packet and byte limits. Lives on the
/// capture thread only.
private final class FileSink: PacketSink, @unchecked Sendable {
    private let dumper: OpaquePointer
    private let options: Options
    private let publish: @Sendable ((inout CaptureStatus) -> Void) -> CaptureStatus
    private let onFinish: (@Sendable (CaptureStatus) -> Void)?
    private var packets = 0
    private var written = PacketCapture.fileHeaderSize
    private var flushed = PacketCapture.fileHeaderSize
    typealias Options = PacketCapture.Options

    init(dumper: OpaquePointer, options: Options, onFinish: (@Sendable (CaptureStatus) -> Void)?,
         publish: @escaping @Sendable ((inout CaptureStatus) -> Void) -> CaptureStatus) {
        self.dumper = dumper
        self.options = options
        self.onFinish = onFinish
        self.publish = publish
    }

    func handle(_ header: UnsafePointer<pcap_pkthdr>, _ bytes: UnsafePointer<UInt8>) -> StopReason? {
        let record = 16 + Int(header.pointee.caplen)
        guard written + record <= options.maxBytes else { return .maxBytes(options.maxBytes) }
        pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), header, bytes)
        written += record
        packets += 1
        if let maxPackets = options.maxPackets, packets >= maxPackets { return .maxPackets(maxPackets) }
        return nil
    }

    func tick(_ counters: KernelCounters) -> StopReason? {
        let failure = flush()
        let (packets, flushed) = (self.packets, self.flushed)
        _ = publish { status in
            status.packets = packets
            status.bytes = flushed
            status.kernel = counters
        }
        return failure
    }

    func end(_ reason: StopReason, _ counters: KernelCounters) {
        let failure = flush()
        pcap_dump_close(dumper)
        let (state, sentence) = CaptureStatus.describe(failure ?? reason)
        let (packets, flushed) = (self.packets, self.flushed)
        let final = publish { status in
            status.packets = packets
            status.bytes = flushed
            status.kernel = counters
            status.state = state
            status.reason = sentence
            status.endedAt = Int(time(nil))
        }
        onFinish?(final)
    }

    private func flush() -> StopReason? {
        guard flushed != written else { return nil }
        guard pcap_dump_flush(dumper) == 0 else {
            return .failed("Writing the capture file failed: \(String(cString: strerror(errno)))")
        }
        flushed = written
        return nil
    }
}
