import CPcap
import Glibc
import Synchronization

/// A live capture that turns packets into `PacketSummary` lines for a consumer (the
/// API's event stream), at most `rate` per second (token bucket, `burst` saved up).
/// Packets over the rate are counted in `droppedByRate`, not queued; packets the consumer
/// is too slow to take (its queue of `queueLimit` events is full) in `droppedByConsumer`.
///
/// The capture stops when the consumer goes away (the `events` stream is dropped or its
/// task cancelled), on `stop()`, or after `seconds`. Only headers are captured
/// (`snapLength` 256 bytes by default).
public final class Sniffer: Sendable {
    public struct Options: Sendable, Equatable {
        public var interface: String
        public var filter: String
        /// Lines per second delivered.
        public var rate: Int
        public var burst: Int?
        /// Longest run in seconds.
        public var seconds: Int
        public var snapLength: Int32
        /// How often a `.stats` event is sent, in milliseconds.
        public var statsIntervalMilliseconds: Int
        public var queueLimit: Int

        public init(interface: String, filter: String = "", rate: Int = 50, burst: Int? = nil, seconds: Int = 60,
                    snapLength: Int32 = 256, statsIntervalMilliseconds: Int = 1000, queueLimit: Int = 512) {
            self.interface = interface
            self.filter = filter
            self.rate = rate
            self.burst = burst
            self.seconds = seconds
            self.snapLength = snapLength
            self.statsIntervalMilliseconds = statsIntervalMilliseconds
            self.queueLimit = queueLimit
        }
    }

    public enum Event: Sendable, Equatable {
        case packet(PacketSummary)
        case stats(SnifferStats)
        /// The last event: why the capture ended.
        case ended(StopReason)
    }

    public let options: Options
    public let linkType: LinkType
    /// Summaries, periodic counters, then `.ended`; finishes when the capture ends.
    public let events: AsyncStream<Event>
    private let loop: CaptureLoop
    private let counters: Mutex<SnifferStats>

    /// Current counters.
    public var stats: SnifferStats { counters.withLock { $0 } }

    private init(options: Options, loop: CaptureLoop, events: AsyncStream<Event>) {
        self.options = options
        self.loop = loop
        self.events = events
        linkType = loop.source.linkType
        counters = Mutex(SnifferStats())
    }

    /// Opens the interface (a bad filter throws `.invalid` with libpcap's message before
    /// anything runs) and starts the capture thread.
    public static func start(_ options: Options) throws(CaptureError) -> Sniffer {
        guard options.rate >= 1 else { throw .invalid("rate must be at least 1 line per second, got \(options.rate)") }
        guard options.seconds >= 1 else { throw .invalid("seconds must be at least 1, got \(options.seconds)") }
        let source = try LiveSource.open(interface: options.interface, filter: options.filter, snapLength: options.snapLength,
                                         promiscuous: false, bufferSize: nil, immediate: true)
        let loop = try CaptureLoop(source: source)
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingOldest(options.queueLimit))
        let sniffer = Sniffer(options: options, loop: loop, events: stream)
        continuation.onTermination = { _ in loop.stop() }
        let sink = SummarySink(options: options, linkType: source.linkType, continuation: continuation) { stats in
            sniffer.counters.withLock { $0 = stats }
        }
        loop.start(name: "weft-sniffer-\(options.interface)", seconds: options.seconds, sink: sink)
        return sniffer
    }

    public func stop() { loop.stop() }

    /// Waits until the capture thread has ended.
    public func finished() async { await loop.finished() }
}

/// Counters of a sniffer run, sent as `event: stats`.
public struct SnifferStats: Sendable, Equatable {
    /// Packets that passed the filter and were read.
    public var captured = 0
    /// Lines delivered to the consumer.
    public var delivered = 0
    /// Packets over the rate limit.
    public var droppedByRate = 0
    /// Packets the consumer's queue had no room for.
    public var droppedByConsumer = 0
    /// Packets the kernel dropped (capture buffer full).
    public var droppedByKernel = 0

    public init(captured: Int = 0, delivered: Int = 0, droppedByRate: Int = 0, droppedByConsumer: Int = 0, droppedByKernel: Int = 0) {
        self.captured = captured
        self.delivered = delivered
        self.droppedByRate = droppedByRate
        self.droppedByConsumer = droppedByConsumer
        self.droppedByKernel = droppedByKernel
    }
}

/// Decodes, rate-limits and yields summaries. Lives on the capture thread only.
private final class SummarySink: PacketSink, @unchecked Sendable {
    private let options: Sniffer.Options
    private let linkType: LinkType
    private let continuation: AsyncStream<Sniffer.Event>.Continuation
    private let publish: @Sendable (SnifferStats) -> Void
    private var bucket: TokenBucket
    private var stats = SnifferStats()
    private var lastStats: UInt64

    init(options: Sniffer.Options, linkType: LinkType, continuation: AsyncStream<Sniffer.Event>.Continuation,
         publish: @escaping @Sendable (SnifferStats) -> Void) {
        self.options = options
        self.linkType = linkType
        self.continuation = continuation
        self.publish = publish
        let now = Self.now()
        bucket = TokenBucket(rate: options.rate, burst: options.burst, now: now)
        lastStats = now
    }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    func handle(_ header: UnsafePointer<pcap_pkthdr>, _ bytes: UnsafePointer<UInt8>) -> StopReason? {
        stats.captured += 1
        guard bucket.take(now: Self.now()) else {
            stats.droppedByRate += 1
            return nil
        }
        let packet = header.pointee
        let summary = PacketSummary.decode(UnsafeRawBufferPointer(start: bytes, count: Int(packet.caplen)), linkType: linkType,
                                           wireLength: Int(packet.len),
                                           time: CaptureTime(seconds: packet.ts.tv_sec, microseconds: Int(packet.ts.tv_usec)),
                                           interface: options.interface)
        switch continuation.yield(.packet(summary)) {
        case .enqueued: stats.delivered += 1
        case .dropped: stats.droppedByConsumer += 1
        case .terminated: return .requested
        @unknown default: return .requested
        }
        return nil
    }

    func tick(_ counters: KernelCounters) -> StopReason? {
        stats.droppedByKernel = counters.dropped
        publish(stats)
        let now = Self.now()
        guard now - lastStats >= UInt64(options.statsIntervalMilliseconds) * 1_000_000 else { return nil }
        lastStats = now
        if case .terminated = continuation.yield(.stats(stats)) { return .requested }
        return nil
    }

    func end(_ reason: StopReason, _ counters: KernelCounters) {
        stats.droppedByKernel = counters.dropped
        publish(stats)
        continuation.yield(.stats(stats))
        continuation.yield(.ended(reason))
        continuation.finish()
    }
}
