import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import WeftApp
import WeftCapture
import WeftHTTP
import WeftModel

/// Packet monitors (CONTRACT §3.11, `type: pcap`, `destination: file`) and Weft's live
/// sniffer stream. The monitors live in `DATA/captures` (see `PacketMonitors`):
///
/// * `POST /api/packet_monitor` only defines a monitor (status `created`), as VNS3 does;
///   `PUT .../{name}/start` begins a capture (replacing the previous file), `/stop` ends
///   it. A monitor also ends by itself: `finished` (duration), `limit_reached`
///   (`max_packets` or its file size cap), `failed` (interface gone).
/// * Each capture file has a hard size cap (`max_bytes`, default and maximum 64 MiB), and
///   all files together stay under 256 MiB.
/// * `GET /api/sniffer/stream?iface=&filter=&rate=&seconds=`: Server-Sent Events, one
///   `data: <summary line>` per packet (at most `rate` per second, default 50, max 1000),
///   `event: stats` every second, `event: end` last; at most `seconds` (default 60, max
///   3600) and ends when the client disconnects. At most 4 streams at once.
struct PacketMonitorRoutes {
    let controller: Controller
    let monitors: PacketMonitors
    private let streams = SnifferStreams(limit: 4)

    static let known: Set<String> = ["name", "type", "interface", "filter", "duration", "destination", "max_packets", "max_bytes"]

    init(controller: Controller) {
        self.controller = controller
        monitors = controller.packetMonitors
    }

    func register(_ api: APIGroup) {
        api.get("packet_monitors", use: list)
        api.post("packet_monitor", use: create)
        api.get("packet_monitor/:name", use: show)
        api.delete("packet_monitor/:name", use: delete)
        api.put("packet_monitor/:name/start", use: start)
        api.put("packet_monitor/:name/stop", use: stop)
        api.get("packet_monitor/:name/download", use: download)
        api.get("sniffer/stream", use: sniff)
    }

    @Sendable func list(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(monitors.list().map(Self.present)))
    }

    @Sendable func create(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/packet_monitor", known: Self.known)
        let name = try body.string("name", required: true)!
        let definition = try Self.mapped {
            try PacketMonitorDefinition(name: name, type: body.string("type", required: true)!,
                                        interface: body.string("interface", required: true)!,
                                        filter: body.string("filter") ?? "",
                                        duration: body.string("duration", required: true)!,
                                        destination: body.string("destination") ?? "file",
                                        maxPackets: body.int("max_packets"), maxBytes: body.int("max_bytes"),
                                        createdAt: Int(Date().timeIntervalSince1970))
        }
        let created = try Self.mapped { try monitors.create(definition) }
        controller.logger.notice("packet monitor created", metadata: ["capture.monitor": "\(name)", "actor": "\(context.principal ?? "?")"])
        return Reply.ok(Self.present(created))
    }

    @Sendable func show(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        return Reply.ok(Self.present(try Self.mapped { try monitors.get(name) }))
    }

    @Sendable func delete(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/packet_monitor/{name}", known: [])
        let last: PacketMonitorInfo
        do { last = try await monitors.delete(name) } catch { throw Self.apiError(error) }
        controller.logger.notice("packet monitor deleted", metadata: ["capture.monitor": "\(name)", "actor": "\(context.principal ?? "?")"])
        return Reply.ok(Self.outcome("Packet monitor \(name) deleted", last))
    }

    @Sendable func start(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        _ = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/packet_monitor/{name}/start", known: [])
        let started = try Self.mapped { try monitors.start(name) }
        controller.logger.notice("packet monitor started", metadata: ["capture.monitor": "\(name)", "actor": "\(context.principal ?? "?")"])
        return Reply.ok(Self.outcome("Packet monitor \(name) is running", started))
    }

    @Sendable func stop(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        _ = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/packet_monitor/{name}/stop", known: [])
        let stopped: PacketMonitorInfo
        do { stopped = try await monitors.stop(name) } catch { throw Self.apiError(error) }
        return Reply.ok(Self.outcome("Packet monitor \(name) is \(stopped.status)", stopped))
    }

    @Sendable func download(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let bytes = try Self.mapped { try monitors.contents(name) }
        return Self.download(bytes, name: name, accept: request.headers[.accept])
    }

    @Sendable func sniff(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        try stream(request)
    }


    // MARK: - Download

    /// The capture as a file: `application/octet-stream`, `attachment; filename=NAME.pcap`.
    ///
    /// The cohesivenet SDK declares this endpoint's response as JSON (`download_packet_monitor_data`
    /// parses the body), and sends `Accept: application/json`. When `Accept` is exactly
    /// that, the answer is the JSON envelope instead:
    /// `{"response": {"name", "size", "sha1", "content_type": "application/vnd.tcpdump.pcap", "pcap_base64"}}`,
    /// which decodes to the same bytes. Any other `Accept` (curl's `*/*`, browsers, the
    /// SDK's file-download `text/plain, application/octet-stream`) gets the raw file.
    static func download(_ bytes: [UInt8], name: String, accept: String?) -> Response {
        guard accept?.trimmingCharacters(in: .whitespaces) == "application/json" else {
            return Reply.file(bytes, contentType: "application/octet-stream", filename: "\(name).pcap")
        }
        return Reply.ok(["name": .string(name), "file": .string("\(name).pcap"), "size": .int(bytes.count),
                         "sha1": .string(Hex.encode(Insecure.SHA1.hash(data: bytes))),
                         "content_type": "application/vnd.tcpdump.pcap",
                         "pcap_base64": .string(Data(bytes).base64EncodedString())])
    }

    // MARK: - Sniffer stream

    func stream(_ request: Request) throws -> Response {
        guard let interface = request.query("iface") ?? request.query("interface"), !interface.isEmpty else {
            throw APIError.argument("Query \"iface\" (the interface to watch) is required")
        }
        guard NetworkInterfaceName.exists(interface) else {
            throw APIError.argument("Query \"iface\": there is no interface \"\(interface)\" on this controller")
        }
        let filter = request.query("filter") ?? ""
        let rate = try Self.bounded(request, "rate", default: 50, 1...1000)
        let seconds = try Self.bounded(request, "seconds", default: 60, 1...3600)
        // Refuse a bad filter with libpcap's message before the 200 goes out.
        _ = try Self.mapped { try PacketFilter.compile(filter, linkType: LinkType.of(interface: interface) ?? .ethernet) }
        guard let slot = streams.acquire() else {
            throw APIError(.tooManyRequests, "LimitExceeded", "At most \(streams.limit) sniffer streams at once; close one first")
        }
        let options = Sniffer.Options(interface: interface, filter: filter, rate: rate, seconds: seconds)
        let logger = controller.logger
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            // The slot is released when this closure (and the response) goes away, even
            // if the connection closed before the body started.
            _ = slot
            let sniffer: Sniffer
            do throws(CaptureError) {
                sniffer = try Sniffer.start(options)
            } catch {
                try await writer.write(ByteBuffer(string: Self.event("error", JSONWriter.string(["message": .string(error.reason)]))))
                try await writer.finish(nil)
                return
            }
            logger.info("sniffer stream opened", metadata: ["capture.interface": "\(interface)", "capture.filter": "\(filter)"])
            do {
                try await writer.write(ByteBuffer(string: ": weft sniffer on \(interface) (\(sniffer.linkType)), filter \"\(filter)\", \(rate) lines/s\n\n"))
                for await event in sniffer.events {
                    try await writer.write(ByteBuffer(string: Self.text(event)))
                }
                try await writer.finish(nil)
            } catch {
                sniffer.stop()
                await sniffer.finished()
                logger.info("sniffer stream closed by the client", metadata: ["capture.interface": "\(interface)"])
                throw error
            }
            sniffer.stop()
            await sniffer.finished()
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func text(_ event: Sniffer.Event) -> String {
        switch event {
        case .packet(let summary):
            return "data: \(summary.line)\n\n"
        case .stats(let stats):
            return Self.event("stats", JSONWriter.string(["captured": .int(stats.captured), "delivered": .int(stats.delivered),
                                                     "dropped_by_rate": .int(stats.droppedByRate),
                                                     "dropped_by_consumer": .int(stats.droppedByConsumer),
                                                     "dropped_by_kernel": .int(stats.droppedByKernel)]))
        case .ended(let reason):
            return Self.event("end", JSONWriter.string(["reason": .string(CaptureStatus.describe(reason).1)]))
        }
    }

    static func event(_ name: String, _ data: String) -> String { "event: \(name)\ndata: \(data)\n\n" }

    static func bounded(_ request: Request, _ name: String, default value: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard let text = request.query(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.argument("Query \"\(name)\" must be an integer from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return number
    }

    // MARK: - Presenting and errors

    static func present(_ info: PacketMonitorInfo) -> JSONValue {
        let definition = info.definition
        let run = info.run
        return ["name": .string(definition.name), "type": .string(definition.type), "interface": .string(definition.interface),
                "filter": .string(definition.filter), "duration": .string(definition.durationText),
                "destination": .string(definition.destination), "status": .string(info.status), "reason": .optional(run?.reason),
                "packets": .int(run?.packets ?? 0), "dropped": .int(run?.kernel.dropped ?? 0),
                "interface_dropped": .int(run?.kernel.interfaceDropped ?? 0), "bytes": .int(run?.bytes ?? 0),
                "max_packets": .optional(definition.maxPackets), "max_bytes": .int(info.maxBytes),
                "file": .string("\(definition.name).pcap"),
                "created_at": .string(Timestamps.vns3(definition.createdAt)),
                "started_at": .optional(run.map { Timestamps.vns3($0.startedAt) }),
                "ended_at": .optional(run?.endedAt.map(Timestamps.vns3))]
    }

    /// DELETE, start and stop answer like VNS3's simple outputs, with the monitor attached.
    static func outcome(_ message: String, _ info: PacketMonitorInfo) -> JSONValue {
        ["success": true, "output": .string(message), "packet_monitor": present(info)]
    }

    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw apiError(error) }
    }

    static func apiError(_ error: any Error) -> any Error {
        guard let error = error as? CaptureError else { return error }
        switch error.kind {
        case .invalid: return APIError.argument(error.reason)
        case .unsupported: return APIError(.badRequest, "NotSupported", error.reason)
        case .notFound: return APIError.notFound(error.reason)
        case .conflict: return APIError(.badRequest, "Conflict", error.reason)
        case .noSpace: return APIError(.badRequest, "LimitExceeded", error.reason)
        case .failed: return APIError(.internalServerError, "CaptureFailed", error.reason)
        }
    }
}

/// Counts open sniffer streams; a `Slot` gives its place back when released.
final class SnifferStreams: Sendable {
    let limit: Int
    private let open = Mutex(0)

    init(limit: Int) { self.limit = limit }

    func acquire() -> Slot? {
        let granted = open.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        return granted ? Slot(owner: self) : nil
    }

    final class Slot: Sendable {
        let owner: SnifferStreams
        init(owner: SnifferStreams) { self.owner = owner }
        deinit { owner.open.withLock { $0 -= 1 } }
    }
}
