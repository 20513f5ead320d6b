import CNetfilterQueue
import Foundation
import WeftIDS

/// Inline mode: reads packets from an NFQUEUE queue (the firewall's `-j NFQUEUE
/// --queue-num N` rules steer them here), hands each to the engine and gives the kernel
/// its verdict: NF_DROP for what a drop rule dropped, NF_ACCEPT for the rest. While no
/// process listens on the queue the kernel accepts (`--queue-bypass`, fail-open) or drops
/// (fail-closed) the steered packets.
public final class InlineQueue: @unchecked Sendable {
    let engine: LiveEngine
    public let queue: UInt16
    let failOpen: Bool
    private let lock = NSLock()
    private var stopping = false
    private var done = false
    private var state = "starting"
    private var accepted = 0
    private var dropped = 0

    public init(engine: LiveEngine, queue: UInt16, failOpen: Bool) {
        self.engine = engine
        self.queue = queue
        self.failOpen = failOpen
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "ids-nfqueue-\(queue)"
        thread.start()
    }

    public func stop() {
        lock.lock(); stopping = true; lock.unlock()
        for _ in 0..<50 {
            lock.lock(); let finished = done; lock.unlock()
            if finished { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    public var status: String { lock.lock(); defer { lock.unlock() }; return state }
    public var verdicts: (accepted: Int, dropped: Int) { lock.lock(); defer { lock.unlock() }; return (accepted, dropped) }

    var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }
    private func set(_ s: String) { lock.lock(); state = s; lock.unlock() }

    func count(drop: Bool) { lock.lock(); if drop { dropped += 1 } else { accepted += 1 }; lock.unlock() }

    private func run() {
        defer { lock.lock(); done = true; lock.unlock() }
        while !isStopping {
            if let problem = listen() { set("waiting: " + problem); Thread.sleep(forTimeInterval: 1) }
        }
    }

    /// Binds the queue and serves it until stopped; returns why it could not, or nil.
    private func listen() -> String? {
        guard let h = nfq_open() else { return "nfq_open: \(String(cString: strerror(errno)))" }
        defer { nfq_close(h) }
        _ = nfq_bind_pf(h, UInt16(AF_INET))
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard let qh = nfq_create_queue(h, queue, { qh, _, nfa, data in
            guard let qh, let nfa, let data else { return -1 }
            let me = Unmanaged<InlineQueue>.fromOpaque(data).takeUnretainedValue()
            guard let header = nfq_get_msg_packet_hdr(nfa) else { return -1 }
            let id = UInt32(bigEndian: header.pointee.packet_id)
            var payload: UnsafeMutablePointer<UInt8>?
            let length = nfq_get_payload(nfa, &payload)
            var drop = false
            if length > 0, let payload {
                let frame = [UInt8](UnsafeBufferPointer(start: payload, count: Int(length)))
                var tv = timeval()
                gettimeofday(&tv, nil)
                drop = me.engine.process(frame, linkType: .raw, seconds: UInt32(truncatingIfNeeded: tv.tv_sec),
                                         microseconds: UInt32(truncatingIfNeeded: tv.tv_usec))
            }
            me.count(drop: drop)
            return nfq_set_verdict(qh, id, UInt32(drop ? NF_DROP : NF_ACCEPT), 0, nil)
        }, me) else {
            return "cannot bind NFQUEUE \(queue): \(String(cString: strerror(errno)))"
        }
        defer { nfq_destroy_queue(qh) }
        _ = nfq_set_mode(qh, UInt8(NFQNL_COPY_PACKET.rawValue), 0xffff)
        _ = nfq_set_queue_maxlen(qh, 4096)
        if failOpen {
            // Fail-open also when the queue overflows: the kernel accepts instead of dropping.
            _ = nfq_set_queue_flags(qh, UInt32(NFQA_CFG_F_FAIL_OPEN), UInt32(NFQA_CFG_F_FAIL_OPEN))
        }
        let fd = nfq_fd(h)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var size: Int32 = 8 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        set("listening on queue \(queue)")
        var buffer = [CChar](repeating: 0, count: 0x10000 + 4096)
        while !isStopping {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ENOBUFS { continue }
                return "recv: \(String(cString: strerror(errno)))"
            }
            _ = buffer.withUnsafeMutableBufferPointer { nfq_handle_packet(h, $0.baseAddress, Int32(n)) }
        }
        return nil
    }
}
