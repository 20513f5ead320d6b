import CPcap
import Foundation
import WeftIDS

/// Passive mode: one libpcap handle per interface, each read on its own thread, every
/// frame handed to the engine. An interface that does not exist yet (tun0 before the
/// overlay is up) is retried every second until it does or the capture stops.
public final class PassiveCapture: @unchecked Sendable {
    let engine: LiveEngine
    let interfaces: [String]
    private let lock = NSLock()
    private var stopping = false
    private var threads: [Thread] = []
    private var kernelDrops: [String: Int] = [:]
    private var states: [String: String] = [:]
    private var finished = 0

    public init(engine: LiveEngine, interfaces: [String]) {
        self.engine = engine
        self.interfaces = interfaces
    }

    public func start() {
        for name in interfaces {
            let thread = Thread { [self] in run(name) }
            thread.name = "ids-capture-\(name)"
            threads.append(thread)
            thread.start()
        }
    }

    /// Asks every thread to end; returns once they have (within about the read timeout).
    public func stop() {
        lock.lock(); stopping = true; lock.unlock()
        for _ in 0..<50 {
            lock.lock(); let done = finished; lock.unlock()
            if done >= threads.count { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

    /// Per interface: "capturing", "waiting: <why>".
    public var interfaceStates: [String: String] { lock.lock(); defer { lock.unlock() }; return states }
    /// Packets the kernel dropped before the engine saw them (pcap_stats), summed.
    public var kernelDropped: Int { lock.lock(); defer { lock.unlock() }; return kernelDrops.values.reduce(0, +) }

    private func set(_ name: String, state: String) { lock.lock(); states[name] = state; lock.unlock() }

    private final class Context {
        let engine: LiveEngine
        let linkType: LinkType
        init(engine: LiveEngine, linkType: LinkType) { self.engine = engine; self.linkType = linkType }
    }

    private func run(_ name: String) {
        defer { lock.lock(); finished += 1; lock.unlock() }
        while !isStopping {
            var errorText = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
            guard let handle = pcap_create(name, &errorText) else {
                set(name, state: "waiting: " + String(cString: errorText)); Thread.sleep(forTimeInterval: 1); continue
            }
            _ = pcap_set_snaplen(handle, 65_535)
            _ = pcap_set_promisc(handle, 0)
            _ = pcap_set_timeout(handle, 100)
            _ = pcap_set_immediate_mode(handle, 1)
            _ = pcap_set_buffer_size(handle, 32 << 20)
            let status = pcap_activate(handle)
            guard status >= 0, let linkType = LinkType.fromDLT(pcap_datalink(handle)) else {
                let why = status < 0 ? String(cString: pcap_geterr(handle)) : "link type \(pcap_datalink(handle)) not supported"
                pcap_close(handle)
                set(name, state: "waiting: " + why)
                Thread.sleep(forTimeInterval: 1)
                continue
            }
            set(name, state: "capturing")
            let context = Context(engine: engine, linkType: linkType)
            let user = Unmanaged.passRetained(context)
            var failed = false
            while !isStopping {
                let n = pcap_dispatch(handle, -1, { user, header, bytes in
                    guard let user, let header, let bytes else { return }
                    let context = Unmanaged<Context>.fromOpaque(UnsafeRawPointer(user)).takeUnretainedValue()
                    let h = header.pointee
                    let frame = [UInt8](UnsafeBufferPointer(start: bytes, count: Int(h.caplen)))
                    context.engine.process(frame, linkType: context.linkType, seconds: UInt32(truncatingIfNeeded: h.ts.tv_sec),
                                           microseconds: UInt32(truncatingIfNeeded: h.ts.tv_usec))
                }, UnsafeMutableRawPointer(user.toOpaque()).assumingMemoryBound(to: UInt8.self))
                if n < 0 { failed = true; break }
                var stats = pcap_stat()
                if pcap_stats(handle, &stats) == 0 { lock.lock(); kernelDrops[name] = Int(stats.ps_drop); lock.unlock() }
            }
            user.release()
            if failed { set(name, state: "waiting: " + String(cString: pcap_geterr(handle))) }
            pcap_close(handle)
            if failed { Thread.sleep(forTimeInterval: 1) }
        }
    }
}
