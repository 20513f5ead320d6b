import CPcap
import Glibc

/// Kernel counters of a live capture (`pcap_stats`).
public struct KernelCounters: Sendable, Equatable {
    /// Packets that passed the filter (libpcap's `ps_recv`).
    public var received = 0
    /// Packets the kernel dropped because the capture buffer was full (`ps_drop`).
    public var dropped = 0
    /// Packets the interface dropped (`ps_ifdrop`, from `/proc/net/dev`).
    public var interfaceDropped = 0

    public init(received: Int = 0, dropped: Int = 0, interfaceDropped: Int = 0) {
        self.received = received
        self.dropped = dropped
        self.interfaceDropped = interfaceDropped
    }
}

/// An activated libpcap handle on one interface, filter set, non-blocking. Only the
/// capture thread uses it after `open` returns.
final class LiveSource: @unchecked Sendable {
    let handle: OpaquePointer
    let interface: String
    let linkType: LinkType
    let fd: Int32
    /// How long after a stop request packets may still sit in the kernel ring: the block
    /// timeout plus a margin without immediate mode, 0 with it.
    let drainMilliseconds: Int
    private var closed = false
    static let timeoutMilliseconds: Int32 = 100

    private init(handle: OpaquePointer, interface: String, linkType: LinkType, fd: Int32, drainMilliseconds: Int) {
        self.handle = handle
        self.interface = interface
        self.linkType = linkType
        self.fd = fd
        self.drainMilliseconds = drainMilliseconds
    }

    /// `pcap_create`, snap length, promiscuous mode, 100 ms timeout, buffer size,
    /// `pcap_activate`, then the filter compiled for the handle's own link type and
    /// `pcap_setfilter`.
    ///
    /// `immediate` delivers each packet at once. On Linux libpcap then uses a TPACKET_V2
    /// ring of snap-length-sized frames, so with a full snap length a 4 MiB buffer holds
    /// only ~16 packets and drops under load (measured: 10% kernel drops at 20,000
    /// packets/s where `tcpdump -w` dropped none). File captures therefore run without
    /// it (TPACKET_V3 blocks, handed over when full or after the 100 ms timeout); the
    /// sniffer uses it with a 256-byte snap length.
    static func open(interface: String, filter: String, snapLength: Int32, promiscuous: Bool,
                     bufferSize: Int32?, immediate: Bool) throws(CaptureError) -> LiveSource {
        guard NetworkInterfaceName.isValid(interface) else {
            throw .invalid("\"\(interface)\" is not a valid interface name")
        }
        try PacketFilter.check(filter)
        var errorText = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_create(interface, &errorText) else {
            throw .failed("Cannot capture on \(interface): \(String(cBuffer: errorText))")
        }
        var keep = false
        defer { if !keep { pcap_close(handle) } }
        _ = pcap_set_snaplen(handle, snapLength)
        _ = pcap_set_promisc(handle, promiscuous ? 1 : 0)
        _ = pcap_set_timeout(handle, timeoutMilliseconds)
        _ = pcap_set_immediate_mode(handle, immediate ? 1 : 0)
        if let bufferSize { _ = pcap_set_buffer_size(handle, bufferSize) }

        let status = pcap_activate(handle)
        if status < 0 {
            let detail = String(cString: pcap_geterr(handle))
            let summary = String(cString: pcap_statustostr(status))
            let message = detail.isEmpty ? summary : detail
            switch status {
            case PCAP_ERROR_NO_SUCH_DEVICE: throw .notFound("No interface \(interface): \(message)")
            case PCAP_ERROR_PERM_DENIED: throw .failed("Capturing on \(interface) needs root or CAP_NET_RAW: \(message)")
            default: throw .failed("Cannot capture on \(interface): \(message)")
            }
        }
        let linkType = LinkType(rawValue: pcap_datalink(handle))
        var program = bpf_program()
        let compiled = PacketFilter.compileLock.withLock { _ in
            pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN)
        }
        guard compiled == 0 else {
            throw .invalid("Bad filter \"\(filter)\" for \(interface) (\(linkType)): \(String(cString: pcap_geterr(handle)))")
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw .failed("pcap_setfilter on \(interface): \(String(cString: pcap_geterr(handle)))")
        }
        guard pcap_setnonblock(handle, 1, &errorText) == 0 else {
            throw .failed("pcap_setnonblock on \(interface): \(String(cBuffer: errorText))")
        }
        let fd = pcap_get_selectable_fd(handle)
        guard fd >= 0 else { throw .failed("\(interface): libpcap gave no selectable descriptor") }
        keep = true
        return LiveSource(handle: handle, interface: interface, linkType: linkType, fd: fd,
                          drainMilliseconds: immediate ? 0 : Int(timeoutMilliseconds) + 50)
    }

    var counters: KernelCounters {
        var stats = pcap_stat()
        guard !closed, pcap_stats(handle, &stats) == 0 else { return KernelCounters() }
        return KernelCounters(received: Int(stats.ps_recv), dropped: Int(stats.ps_drop), interfaceDropped: Int(stats.ps_ifdrop))
    }

    var lastError: String { String(cString: pcap_geterr(handle)) }

    func close() {
        guard !closed else { return }
        closed = true
        pcap_close(handle)
    }

    deinit { close() }
}

extension String {
    /// The text of a NUL-terminated C buffer (libpcap's error buffers).
    init(cBuffer: [CChar]) {
        self = String(decoding: cBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
