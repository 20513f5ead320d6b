import Synchronization

/// Packet counters. Every received packet lands in exactly one of the other four, so
/// `received == answered + badCommunity + malformed + unsupported`.
public struct SNMPStatistics: Sendable, Equatable {
    public var received = 0
    /// Answered, including error responses (noSuchName, tooBig, notWritable).
    public var answered = 0
    /// A v1/v2c request with the wrong community: dropped without an answer.
    public var badCommunity = 0
    /// Not decodable (BER or message structure): dropped.
    public var malformed = 0
    /// Valid BER but nothing this agent answers (SNMPv3, traps, responses, reports, GetBulk
    /// in v1, or a response that would not fit even as tooBig): dropped.
    public var unsupported = 0

    public init() {}
}

/// Where a packet came from.
public struct SNMPPeer: Sendable, Equatable, CustomStringConvertible {
    public let address: String
    public let port: Int

    public init(address: String, port: Int) {
        self.address = address
        self.port = port
    }

    public var description: String { "\(address):\(port)" }
}

/// What the agent reports to its owner (to log, rate-limited: a flood of bad packets is a
/// flood of events).
public enum SNMPAgentEvent: Sendable, Equatable {
    case badCommunity(from: SNMPPeer?)
    case malformed(from: SNMPPeer?, reason: String)
    case unsupported(from: SNMPPeer?, reason: String)
    /// recvfrom/sendto failed; the agent keeps serving.
    case socketError(String)
}

/// A read-only SNMP v1/v2c agent. `respond(to:from:)` is the whole protocol, without
/// sockets; `start()` serves it on a UDP socket from one dedicated thread.
public final class SNMPAgent: Sendable {
    public let community: String
    public let source: any SNMPDataSource
    public let bindAddress: String
    public let port: Int
    /// Responses never exceed this many octets (1472: one Ethernet frame of UDP over IPv4).
    public let maxResponseSize: Int
    /// GetBulk max-repetitions is capped at this.
    public let maxRepetitions: Int
    /// How long one data-source snapshot serves requests.
    public let cacheLifetime: Duration

    let communityBytes: [UInt8]
    let onEvent: (@Sendable (SNMPAgentEvent) -> Void)?
    let cache = Mutex<(taken: ContinuousClock.Instant, view: MIBView)?>(nil)
    let transport = Mutex(Transport())
    let stopping = Atomic<Bool>(false)

    let received = Atomic<Int>(0)
    let answered = Atomic<Int>(0)
    let badCommunity = Atomic<Int>(0)
    let malformed = Atomic<Int>(0)
    let unsupported = Atomic<Int>(0)

    /// - Parameters:
    ///   - community: the read-only community; requests with any other are not answered.
    ///   - bind: IPv4 address to listen on; `port` 0 picks a free port (see `localPort`).
    ///   - maxResponseSize: octets a response may take (at least 484, RFC 3417's minimum).
    ///   - maxRepetitions: the cap on a GetBulk's max-repetitions.
    ///   - cacheLifetime: how long one snapshot of `source` serves requests.
    ///   - onEvent: called on the serving thread for dropped packets and socket errors.
    public init(community: String, source: any SNMPDataSource, bind: String = "0.0.0.0", port: Int = 161,
                maxResponseSize: Int = 1472, maxRepetitions: Int = 256, cacheLifetime: Duration = .seconds(1),
                onEvent: (@Sendable (SNMPAgentEvent) -> Void)? = nil) {
        self.community = community
        self.communityBytes = Array(community.utf8)
        self.source = source
        self.bindAddress = bind
        self.port = port
        self.maxResponseSize = max(484, maxResponseSize)
        self.maxRepetitions = max(0, maxRepetitions)
        self.cacheLifetime = cacheLifetime
        self.onEvent = onEvent
    }

    public var statistics: SNMPStatistics {
        var s = SNMPStatistics()
        s.received = received.load(ordering: .relaxed)
        s.answered = answered.load(ordering: .relaxed)
        s.badCommunity = badCommunity.load(ordering: .relaxed)
        s.malformed = malformed.load(ordering: .relaxed)
        s.unsupported = unsupported.load(ordering: .relaxed)
        return s
    }

    /// Handles one datagram: the response to send back, or nil to stay silent (wrong
    /// community, malformed or unsupported packet). Never traps on any input.
    public func respond(to packet: [UInt8], from peer: SNMPPeer? = nil) -> [UInt8]? {
        received.add(1, ordering: .relaxed)
        do {
            let envelope = try SNMPMessage.envelope(packet)
            guard SNMPAgent.equalInConstantTime(envelope.community, communityBytes) else {
                badCommunity.add(1, ordering: .relaxed)
                onEvent?(.badCommunity(from: peer))
                return nil
            }
            let request = SNMPMessage(version: envelope.version, community: communityBytes, pdu: try SNMPMessage.pdu(envelope))
            let responder = SNMPResponder(view: currentView(), maxSize: maxResponseSize, maxRepetitions: maxRepetitions)
            guard let response = try responder.respond(to: request) else {
                throw SNMPError.unsupported("no response fits \(maxResponseSize) octets")
            }
            answered.add(1, ordering: .relaxed)
            return response
        } catch let error as SNMPError where error.isUnsupported {
            unsupported.add(1, ordering: .relaxed)
            onEvent?(.unsupported(from: peer, reason: error.reason))
        } catch let error as SNMPError {
            malformed.add(1, ordering: .relaxed)
            onEvent?(.malformed(from: peer, reason: error.reason))
        } catch {
            malformed.add(1, ordering: .relaxed)
            onEvent?(.malformed(from: peer, reason: "\(error)"))
        }
        return nil
    }

    /// The cached view, or a fresh one from the data source once the cache is older than
    /// `cacheLifetime`. The snapshot is taken outside the lock.
    func currentView() -> MIBView {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), now - cached.taken < cacheLifetime {
            return cached.view
        }
        let view = MIBView(source.snapshot())
        cache.withLock { $0 = (now, view) }
        return view
    }

    static func equalInConstantTime(_ a: ArraySlice<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
