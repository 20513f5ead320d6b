import CPcap
import Synchronization

/// A BPF filter expression (tcpdump syntax, "" = every packet) compiled by libpcap.
///
/// `compile` runs `pcap_compile` on a dead handle (`pcap_open_dead`), so a bad expression
/// is refused with libpcap's own message before any capture is opened: `icmpp` →
/// "can't parse filter expression: syntax error". The compiled program can also test
/// frames (`matches`, `pcap_offline_filter`), which the unit tests use.
public final class PacketFilter: Sendable {
    public let expression: String
    public let linkType: LinkType
    /// Number of BPF instructions in the compiled program.
    public let instructionCount: Int
    private let program: Program

    /// The largest snapshot length the filter is compiled for (libpcap's default).
    public static let defaultSnapLength: Int32 = 262_144
    /// Longest accepted expression; filters are short in practice.
    public static let maxExpressionLength = 1024

    /// pcap_compile in libpcap before 1.8 was not reentrant; keep calls serial anyway,
    /// they take microseconds.
    static let compileLock = Mutex(())

    private init(expression: String, linkType: LinkType, program: Program) {
        self.expression = expression
        self.linkType = linkType
        self.program = program
        instructionCount = Int(program.value.bf_len)
    }

    /// Compiles `expression` for frames of `linkType`; throws `CaptureError` (kind
    /// `.invalid`) with libpcap's message when it does not compile.
    public static func compile(_ expression: String, linkType: LinkType = .ethernet,
                               snapLength: Int32 = defaultSnapLength) throws(CaptureError) -> PacketFilter {
        try check(expression)
        guard let dead = pcap_open_dead(linkType.rawValue, snapLength) else {
            throw .failed("pcap_open_dead(\(linkType)) failed")
        }
        defer { pcap_close(dead) }
        let program = Program()
        let status = compileLock.withLock { _ in
            pcap_compile(dead, &program.value, expression, 1, PCAP_NETMASK_UNKNOWN)
        }
        guard status == 0 else {
            program.compiled = false
            throw .invalid("Bad filter \"\(expression)\": \(String(cString: pcap_geterr(dead)))")
        }
        return PacketFilter(expression: expression, linkType: linkType, program: program)
    }

    /// Whether a frame of this filter's link type passes the filter. `wireLength` is the
    /// length on the wire (defaults to the bytes given).
    public func matches(_ frame: [UInt8], wireLength: Int? = nil) -> Bool {
        frame.withUnsafeBufferPointer { bytes in
            var header = pcap_pkthdr()
            header.caplen = bpf_u_int32(bytes.count)
            header.len = bpf_u_int32(wireLength ?? bytes.count)
            return withUnsafePointer(to: program.value) { pointer in
                pcap_offline_filter(pointer, &header, bytes.baseAddress) != 0
            }
        }
    }

    /// Rejects what libpcap should never see: NUL bytes (the C string would be cut) and
    /// absurd lengths.
    static func check(_ expression: String) throws(CaptureError) {
        guard !expression.utf8.contains(0) else { throw .invalid("Bad filter: it contains a NUL byte") }
        guard expression.utf8.count <= maxExpressionLength else {
            throw .invalid("Bad filter: longer than \(maxExpressionLength) bytes")
        }
    }

    /// Owns a `bpf_program` and frees it. Only read after `compile` returns.
    private final class Program: @unchecked Sendable {
        var value = bpf_program()
        var compiled = true
        deinit { if compiled { pcap_freecode(&value) } }
    }
}
