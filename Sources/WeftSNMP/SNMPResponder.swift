/// Answers one decoded request from a `MIBView`: pure, no I/O, no counters.
///
/// * GET, GETNEXT: v2c answers per binding (exceptions); v1 answers the first failing
///   binding with noSuchName and its index, and never returns Counter64 (GET of one is
///   noSuchName, GETNEXT skips them).
/// * GETBULK (v2c only): non-repeaters, then up to `maxRepetitions` rounds of the
///   repeaters, stopping when every repeater has reached the end of the MIB view.
/// * A response that would not fit `maxSize` octets: GETBULK drops bindings from the end
///   (RFC 3416 §4.2.3); GET/GETNEXT answer tooBig (v2c: no bindings, RFC 3416 §4.2.1;
///   v1: the request's bindings when they fit, RFC 1157 §4.1.2).
/// * SET: refused, the agent is read-only: v2c notWritable, v1 noSuchName (RFC 3584 §4.4),
///   error-index 1.
public struct SNMPResponder: Sendable {
    public let view: MIBView
    public let maxSize: Int
    public let maxRepetitions: Int

    public init(view: MIBView, maxSize: Int = 1472, maxRepetitions: Int = 256) {
        self.view = view
        self.maxSize = maxSize
        self.maxRepetitions = maxRepetitions
    }

    /// The encoded response, or nil when not even a tooBig response fits; throws
    /// `SNMPError.unsupported` for PDUs that are not requests (and GetBulk in v1).
    public func respond(to request: SNMPMessage) throws -> [UInt8]? {
        switch request.pdu.type {
        case .getRequest: return get(request)
        case .getNextRequest: return getNext(request)
        case .getBulkRequest:
            guard request.version == .v2c else { throw SNMPError.unsupported("GetBulkRequest in SNMPv1") }
            return getBulk(request)
        case .setRequest: return set(request)
        case .response, .trapV1, .trapV2, .informRequest, .report:
            throw SNMPError.unsupported("\(request.pdu.type) PDU")
        }
    }

    private func get(_ request: SNMPMessage) -> [UInt8]? {
        var out = Bindings(self, request)
        for (i, binding) in request.pdu.varbinds.enumerated() {
            let value: SNMPValue
            if request.version == .v1 {
                guard let found = view.value(at: binding.oid), found.isRepresentableInV1 else {
                    return error(request, .noSuchName, index: i + 1)
                }
                value = found
            } else {
                value = view.get(binding.oid)
            }
            guard out.add(VarBind(binding.oid, value)) else { return tooBig(request) }
        }
        return out.reply()
    }

    private func getNext(_ request: SNMPMessage) -> [UInt8]? {
        var out = Bindings(self, request)
        for (i, binding) in request.pdu.varbinds.enumerated() {
            let next: VarBind
            if request.version == .v1 {
                guard let found = view.next(after: binding.oid, v1: true) else {
                    return error(request, .noSuchName, index: i + 1)
                }
                next = found
            } else {
                next = view.next(after: binding.oid) ?? VarBind(binding.oid, .endOfMibView)
            }
            guard out.add(next) else { return tooBig(request) }
        }
        return out.reply()
    }

    private func getBulk(_ request: SNMPMessage) -> [UInt8]? {
        let bindings = request.pdu.varbinds
        let n = Int(max(0, min(request.pdu.nonRepeaters, Int32(clamping: bindings.count))))
        let m = Int(max(0, min(request.pdu.maxRepetitions, Int32(clamping: maxRepetitions))))
        var out = Bindings(self, request)
        for binding in bindings.prefix(n) {
            guard out.add(view.next(after: binding.oid) ?? VarBind(binding.oid, .endOfMibView)) else {
                return out.count == 0 ? tooBig(request) : out.reply()
            }
        }
        var last = bindings.dropFirst(n).map(\.oid)
        guard !last.isEmpty else { return out.reply() }
        for _ in 0..<m {
            var moved = false
            for j in last.indices {
                let next = view.next(after: last[j]) ?? VarBind(last[j], .endOfMibView)
                if next.value != .endOfMibView {
                    last[j] = next.oid
                    moved = true
                }
                guard out.add(next) else { return out.count == 0 ? tooBig(request) : out.reply() }
            }
            if !moved { break }
        }
        return out.reply()
    }

    private func set(_ request: SNMPMessage) -> [UInt8]? {
        guard !request.pdu.varbinds.isEmpty else { return Bindings(self, request).reply() }
        return error(request, request.version == .v1 ? .noSuchName : .notWritable, index: 1)
    }

    /// The request's own bindings with an error status.
    private func error(_ request: SNMPMessage, _ status: SNMPErrorStatus, index: Int) -> [UInt8]? {
        var out = Bindings(self, request, status: status, index: Int32(clamping: index))
        for binding in request.pdu.varbinds {
            guard out.add(binding) else { return tooBig(request) }
        }
        return out.reply()
    }

    private func tooBig(_ request: SNMPMessage) -> [UInt8]? {
        if request.version == .v1 {
            var echo = Bindings(self, request, status: .tooBig)
            if request.pdu.varbinds.allSatisfy({ echo.add($0) }) { return echo.reply() }
        }
        let empty = Bindings(self, request, status: .tooBig)
        return empty.fits(0) ? empty.reply() : nil
    }

    /// Response bindings collected under the size limit.
    private struct Bindings {
        let responder: SNMPResponder
        let request: SNMPMessage
        let status: SNMPErrorStatus
        let index: Int32
        var encoded: [[UInt8]] = []
        var length = 0

        init(_ responder: SNMPResponder, _ request: SNMPMessage, status: SNMPErrorStatus = .noError, index: Int32 = 0) {
            self.responder = responder
            self.request = request
            self.status = status
            self.index = index
        }

        var count: Int { encoded.count }

        func fits(_ listLength: Int) -> Bool {
            SNMPMessage.encodedSize(version: request.version, community: request.community.count, requestID: request.pdu.requestID,
                                    errorStatus: status.rawValue, errorIndex: index, listLength: listLength) <= responder.maxSize
        }

        /// Adds `binding` if the response still fits; false (and nothing added) otherwise.
        mutating func add(_ binding: VarBind) -> Bool {
            let bytes = binding.encoded
            guard fits(length + bytes.count) else { return false }
            encoded.append(bytes)
            length += bytes.count
            return true
        }

        func reply() -> [UInt8] {
            SNMPMessage.encode(version: request.version, community: request.community, type: .response,
                               requestID: request.pdu.requestID, errorStatus: status.rawValue, errorIndex: index, varbinds: encoded)
        }
    }
}
