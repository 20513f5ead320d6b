import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import WeftModel
import WeftStore

/// Delivers alert events as HTTP POSTs: for every enabled alert subscribed to the event,
/// the webhook's body template is rendered and sent to the alert's URL with the
/// webhook's headers and query parameters. Failures (no answer, non-2xx) are retried with
/// exponential backoff; every attempt goes into a per-alert delivery log (in memory).
/// Also raises `disk_low` from a periodic check of the data directory.
public final class AlertDispatcher: Service, Sendable {
    public struct Delivery: Sendable, Equatable {
        public let event: String
        public let attempt: Int
        public let time: Int
        public let status: Int?
        public let error: String?
        public let willRetry: Bool
    }

    public static let retryDelays: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4)]
    public static let keep = 200

    private let controller: Controller
    private let stream: AsyncStream<AlertEvent>
    private let continuation: AsyncStream<AlertEvent>.Continuation
    private let log: Mutex<[Int: [Delivery]]>
    static let stream = "alert_delivery"
    private let diskLowRaised = Mutex(false)
    private let insecure: HTTPClient
    private let verified: HTTPClient

    public init(controller: Controller) {
        self.controller = controller
        // The delivery log survives restarts: read back from the store.
        var stored: [Int: [Delivery]] = [:]
        for record in (try? controller.store.events(stream: Self.stream)) ?? [] {
            if let alert = Int(record.subject), let delivery = Delivery(record: record) { stored[alert, default: []].append(delivery) }
        }
        log = Mutex(stored.mapValues { Array($0.suffix(Self.keep)) })
        (stream, continuation) = AsyncStream.makeStream(of: AlertEvent.self, bufferingPolicy: .bufferingNewest(1000))
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        let timeout = HTTPClient.Configuration.Timeout(connect: .seconds(3), read: .seconds(10))
        insecure = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls, timeout: timeout))
        verified = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: timeout))
    }

    /// Queues an event (non-blocking).
    public func raise(_ name: String, message: String, fields: [String: String] = [:]) {
        var all = fields
        all["message"] = message
        continuation.yield(AlertEvent(name: name, time: Store.now(), fields: all))
    }

    public func deliveries(alert: Int) -> [Delivery] { log.withLock { $0[alert] ?? [] } }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [weak self] in
                    while !Task.isCancelled {
                        self?.checkDisk()
                        try? await Task.sleep(for: .seconds(60))
                    }
                }
                // Deliveries a restart interrupted while they were being retried go out again.
                for (alertID, event) in self.takeOutbox() {
                    let config = self.controller.snapshot.alerting
                    guard let alert = config.alerts.first(where: { $0.id == alertID && $0.enabled }) else { continue }
                    let webhook = alert.webhookID.flatMap { id in config.webhooks.first { $0.id == id } }
                    group.addTask { await self.deliver(event, alert: alert, webhook: webhook, retrying: true) }
                }
                for await event in self.stream {
                    let config = self.controller.snapshot.alerting
                    for alert in config.alerts where alert.enabled && (alert.events.contains(event.name) || alert.events.contains("all")) {
                        let webhook = alert.webhookID.flatMap { id in config.webhooks.first { $0.id == id } }
                        group.addTask { await self.deliver(event, alert: alert, webhook: webhook, retrying: true) }
                    }
                }
                group.cancelAll()
            }
        }
        continuation.finish()
        try? await insecure.shutdown()
        try? await verified.shutdown()
    }

    /// Sends one event to one alert, with retries; returns the last attempt.
    @discardableResult
    public func deliver(_ event: AlertEvent, alert: Alert, webhook: Webhook?, retrying: Bool) async -> Delivery {
        let facts = controller.facts.facts
        let common = [
            "timestamp": Timestamps.vns3(event.time), "timestamp_i": String(event.time),
            "controller": facts.privateIP?.description ?? "", "alert_name": alert.name,
        ]
        let body = event.render(webhook.map { $0.body.isEmpty ? AlertEvent.defaultBody : $0.body } ?? AlertEvent.defaultBody,
                                common: common, custom: (webhook?.customProperties ?? []) + alert.customProperties)
        var url = alert.url.isEmpty ? (webhook?.url ?? "") : alert.url
        if let parameters = webhook?.parameters, !parameters.isEmpty {
            let query = parameters.map { "\(Self.percentEncoded($0.name))=\(Self.percentEncoded($0.value))" }.joined(separator: "&")
            url += (url.contains("?") ? "&" : "?") + query
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: body.trimmed.hasPrefix("{") ? "application/json" : "text/plain")
        request.headers.add(name: "User-Agent", value: "weft/\(WeftVersion.weft)")
        for header in webhook?.headers ?? [] { request.headers.replaceOrAdd(name: header.name, value: header.value) }
        request.body = .bytes(Array(body.utf8))
        let client = webhook?.validateCert == false ? insecure : verified
        // While it is being retried, the delivery is in the store's outbox.
        var outboxEntry: String?
        defer { if let outboxEntry { try? controller.store.removeEvent(stream: Self.outbox, subject: String(alert.id), body: outboxEntry) } }
        var attempt = 0
        while true {
            attempt += 1
            var status: Int?
            var failure: String?
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                status = Int(response.status.code)
                _ = try? await response.body.collect(upTo: 1 << 20)
                if !(200..<300).contains(status!) { failure = "HTTP \(status!)" }
            } catch {
                failure = "\(error)"
            }
            let retry = retrying && failure != nil && attempt <= Self.retryDelays.count && !Task.isCancelled
            let delivery = Delivery(event: event.name, attempt: attempt, time: Store.now(), status: status, error: failure, willRetry: retry)
            log.withLock { table in
                var list = table[alert.id] ?? []
                list.append(delivery)
                table[alert.id] = Array(list.suffix(Self.keep))
            }
            try? controller.store.appendEvents([delivery.record(alert: alert.id)], keep: Self.keep)
            if failure != nil {
                controller.logger.warning("alert delivery failed", metadata: ["alert": "\(alert.id)", "event": "\(event.name)",
                                                                            "attempt": "\(attempt)", "error": "\(failure!)"])
            }
            guard retry else { return delivery }
            if outboxEntry == nil {
                let entry = Self.outboxBody(event)
                if (try? controller.store.appendEvents([EventRecord(stream: Self.outbox, subject: String(alert.id), at: event.time, body: entry)],
                                                       keep: Self.keep)) != nil { outboxEntry = entry }
            }
            try? await Task.sleep(for: Self.retryDelays[attempt - 1])
        }
    }

    static let outbox = "alert_outbox"

    /// The event with a token of its own, so that its outbox entry is unique.
    static func outboxBody(_ event: AlertEvent) -> String {
        var fields = JSONObject()
        for (key, value) in event.fields.sorted(by: { $0.key < $1.key }) { fields[key] = .string(value) }
        return JSONWriter.string(["token": .string(UUID().uuidString), "name": .string(event.name), "time": .int(event.time),
                                  "fields": .object(fields)])
    }

    /// The outbox left by the last run (emptied: each delivery re-adds itself if it fails again).
    func takeOutbox() -> [(Int, AlertEvent)] {
        var found: [(Int, AlertEvent)] = []
        for record in (try? controller.store.events(stream: Self.outbox)) ?? [] {
            try? controller.store.removeEvent(stream: Self.outbox, subject: record.subject, body: record.body)
            guard let alert = Int(record.subject), let value = try? JSONParser.parse(record.body),
                  case .string(let name)? = value["name"], case .int(let time)? = value["time"],
                  case .object(let object)? = value["fields"] else { continue }
            var fields: [String: String] = [:]
            for (key, item) in object.entries { if case .string(let text) = item { fields[key] = text } }
            found.append((alert, AlertEvent(name: name, time: time, fields: fields)))
        }
        return found
    }

    /// `disk_low` when the data directory's file system has less than 5% or 512 MiB free.
    func checkDisk() {
        var stats = statvfs()
        guard statvfs(controller.options.dataDirectory, &stats) == 0 else { return }
        let free = UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
        let total = UInt64(stats.f_blocks) * UInt64(stats.f_frsize)
        let low = total > 0 && (free < 512 << 20 || free * 20 < total)
        let raise = diskLowRaised.withLock { raised -> Bool in
            defer { raised = low }
            return low && !raised
        }
        if raise {
            self.raise("disk_low", message: "\(free >> 20) MiB free of \(total >> 20) MiB on the data directory's file system",
                       fields: ["free_bytes": String(free), "total_bytes": String(total)])
        }
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += "%" + String(format: "%02X", byte)
            }
        }
        return out
    }
}

extension AlertDispatcher.Delivery {
    /// Stored as "event<TAB>attempt<TAB>status<TAB>error<TAB>retry" (status and error may be empty).
    func record(alert: Int) -> EventRecord {
        let fields = [event, String(attempt), status.map(String.init) ?? "", (error ?? "").replacingOccurrences(of: "\t", with: " "),
                      willRetry ? "1" : "0"]
        return EventRecord(stream: AlertDispatcher.stream, subject: String(alert), at: time, body: fields.joined(separator: "\t"))
    }

    init?(record: EventRecord) {
        let fields = record.body.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5, let attempt = Int(fields[1]) else { return nil }
        self.init(event: fields[0], attempt: attempt, time: record.at, status: Int(fields[2]),
                  error: fields[3].isEmpty ? nil : fields[3], willRetry: fields[4] == "1")
    }
}
