/// One direction of a TCP session, reassembled in sequence order.
/// Bytes past `depth` are not kept; out-of-order segments wait in a bounded store.
public struct TCPStream: Sendable {
    public static let defaultDepth = 1 << 20
    public static let maxPendingBytes = 256 << 10

    public var hasBase = false
    /// Sequence number of stream offset 0.
    public var base: UInt32 = 0
    /// Contiguous reassembled bytes from offset 0.
    public private(set) var data: [UInt8] = []
    var pending: [(offset: Int, bytes: [UInt8])] = []
    var pendingBytes = 0
    /// Offset up to which the peer has acknowledged.
    public var acked = 0
    /// Offset up to which raw stream inspection has run.
    public var rawProgress = 0
    /// Offset up to which the application layer has consumed.
    public var appProgress = 0
    public var finSeen = false
    public var depth = TCPStream.defaultDepth

    public init() {}

    public mutating func setBase(_ seq: UInt32) { base = seq; hasBase = true }

    func offset(of seq: UInt32) -> Int { Int(Int32(bitPattern: seq &- base)) }

    /// Records an acknowledgement number from the peer.
    public mutating func ack(_ ackNumber: UInt32) {
        guard hasBase else { return }
        let o = offset(of: ackNumber)
        if o > acked { acked = o }
    }

    /// Adds a segment; returns true when it was taken into the stream (in order or stored for later).
    @discardableResult
    public mutating func add(seq: UInt32, payload: [UInt8]) -> Bool {
        guard hasBase, !payload.isEmpty else { return false }
        let o = offset(of: seq)
        guard o >= 0 else { return false }  // before the stream start: not part of this stream
        guard o + payload.count > data.count else { return true }  // retransmission: already have it
        if o > data.count {
            guard pendingBytes + payload.count <= TCPStream.maxPendingBytes, o < depth else { return false }
            pending.append((o, payload)); pendingBytes += payload.count
            return true
        }
        guard data.count < depth else { return false }
        append(from: o, payload)
        drainPending()
        return true
    }

    private mutating func append(from o: Int, _ bytes: [UInt8]) {
        let skip = data.count - o  // overlap with what we have: first data wins
        guard skip < bytes.count else { return }
        let room = depth - data.count
        let take = min(bytes.count - skip, room)
        if take > 0 { data.append(contentsOf: bytes[skip..<skip + take]) }
    }

    private mutating func drainPending() {
        var progressed = true
        while progressed, !pending.isEmpty {
            progressed = false
            for (i, seg) in pending.enumerated() where seg.offset <= data.count {
                pending.remove(at: i); pendingBytes -= seg.bytes.count
                append(from: seg.offset, seg.bytes)
                progressed = true
                break
            }
        }
    }
}

/// TCP session state, as far as detection needs it.
public struct TCPSession: Sendable {
    public enum State: Sendable { case synSent, synReceived, established, closed }
    public var state: State
    public var midstream = false
    /// [0] client to server, [1] server to client.
    public var streams = [TCPStream(), TCPStream()]
    public var isEstablished: Bool { state == .established || state == .closed }

    public init(state: State) { self.state = state }
}
