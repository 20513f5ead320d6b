import CPcap
import Foundation
import Glibc
import Synchronization

/// Why a capture ended.
public enum StopReason: Sendable, Equatable {
    /// `stop()` was called (or the consumer went away).
    case requested
    /// The duration (seconds) elapsed.
    case duration(Int)
    /// `maxPackets` packets were written.
    case maxPackets(Int)
    /// The next packet would have made the file larger than this many bytes.
    case maxBytes(Int)
    /// libpcap or the file system failed (the interface went down, the disk is full...).
    case failed(String)
}

/// What a capture thread does with packets. Used only on that thread (so implementations
/// are `@unchecked Sendable`: they are handed over once, at start).
protocol PacketSink: AnyObject, Sendable {
    /// One packet; a non-nil reason ends the capture after it.
    func handle(_ header: UnsafePointer<pcap_pkthdr>, _ bytes: UnsafePointer<UInt8>) -> StopReason?
    /// After every round of the loop (at least every 200 ms), with the kernel counters;
    /// a non-nil reason ends the capture.
    func tick(_ counters: KernelCounters) -> StopReason?
    /// Once, before the handle is closed.
    func end(_ reason: StopReason, _ counters: KernelCounters)
}

/// Runs a `LiveSource` on its own thread (a Foundation `Thread`): `poll` on the pcap
/// descriptor and a wake-up pipe with a timeout of at most 200 ms, then a non-blocking
/// `pcap_dispatch`. `stop()` writes to the pipe, so the thread ends within
/// milliseconds; a duration deadline is checked every round.
final class CaptureLoop: Sendable {
    private struct Control {
        var stopRequested = false
        var wakeWrite: Int32 = -1
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let source: LiveSource
    private let control = Mutex(Control())
    private let wakeRead: Int32
    private let done = DispatchSemaphore(value: 0)
    /// Packets handed to the sink per `pcap_dispatch` call, so that a busy interface
    /// still lets the loop check its stop conditions.
    private static let batch: Int32 = 1024

    init(source: LiveSource) throws(CaptureError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .failed("pipe: \(String(cString: strerror(errno)))") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        self.source = source
        wakeRead = fds[0]
        control.withLock { $0.wakeWrite = fds[1] }
    }

    /// Starts the thread. `deadline` is for the duration limit.
    func start(name: String, seconds: Int?, sink: any PacketSink) {
        let deadline = seconds.map { ContinuousClock.now + .seconds($0) }
        let thread = Thread { [self] in
            run(sink: sink, deadline: deadline, seconds: seconds ?? 0)
        }
        thread.name = name
        thread.start()
    }

    /// Asks the thread to stop; returns at once.
    func stop() {
        control.withLock { control in
            control.stopRequested = true
            if control.wakeWrite >= 0 {
                var byte: UInt8 = 1
                _ = write(control.wakeWrite, &byte, 1)
            }
        }
    }

    var isFinished: Bool { control.withLock { $0.finished } }

    /// Returns when the thread has ended (at once if it has).
    func finished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = control.withLock { control in
                if control.finished { return true }
                control.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Blocks until the thread has ended.
    func waitUntilFinished() {
        if isFinished { return }
        done.wait()
        done.signal()
    }

    private func run(sink: any PacketSink, deadline: ContinuousClock.Instant?, seconds: Int) {
        let box = DispatchBox(sink: sink, handle: source.handle)
        let user = Unmanaged.passUnretained(box).toOpaque().assumingMemoryBound(to: UInt8.self)
        var descriptors = [pollfd(fd: source.fd, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        var reason: StopReason?
        // After a stop request or at the deadline, packets that arrived before it may still
        // sit in a ring block the kernel has not handed over: keep reading until the
        // block timeout has passed, then end with the reason kept here.
        var pending: (reason: StopReason, until: ContinuousClock.Instant)?
        while reason == nil {
            let now = ContinuousClock.now
            if pending == nil {
                if control.withLock({ $0.stopRequested }) {
                    pending = (.requested, now + .milliseconds(source.drainMilliseconds))
                } else if let deadline, deadline <= now {
                    pending = (.duration(seconds), now + .milliseconds(source.drainMilliseconds))
                }
            }
            let next = pending?.until ?? deadline
            var timeout: Int32 = 200
            if let next {
                if let pending, next <= now { reason = pending.reason; break }
                timeout = Int32(max(1, min(200, Self.milliseconds(next - now) + 1)))
            }
            if poll(&descriptors, 2, timeout) < 0, errno != EINTR {
                reason = .failed("poll: \(String(cString: strerror(errno)))")
                break
            }
            if descriptors[1].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &sink, sink.count) > 0 {}
            }
            let handled = pcap_dispatch(source.handle, Self.batch, { user, header, bytes in
                guard let user, let header, let bytes else { return }
                let box = Unmanaged<DispatchBox>.fromOpaque(UnsafeRawPointer(user)).takeUnretainedValue()
                guard box.stop == nil else { return }
                if let stop = box.sink.handle(header, bytes) {
                    box.stop = stop
                    pcap_breakloop(box.handle)
                }
            }, user)
            if let stop = box.stop {
                reason = stop
            } else if handled == PCAP_ERROR {
                reason = .failed("Capture on \(source.interface) failed: \(source.lastError)")
            } else if let stop = sink.tick(source.counters) {
                reason = stop
            }
        }
        sink.end(reason ?? .requested, source.counters)
        source.close()
        let waiters = control.withLock { control in
            control.finished = true
            if control.wakeWrite >= 0 { close(control.wakeWrite) }
            control.wakeWrite = -1
            defer { control.waiters = [] }
            return control.waiters
        }
        close(wakeRead)
        done.signal()
        for waiter in waiters { waiter.resume() }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// The per-dispatch context handed to libpcap's C callback.
    private final class DispatchBox {
        let sink: any PacketSink
        let handle: OpaquePointer
        var stop: StopReason?
        init(sink: any PacketSink, handle: OpaquePointer) {
            self.sink = sink
            self.handle = handle
        }
    }
}
