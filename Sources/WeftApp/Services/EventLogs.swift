import WeftReconciler
import WeftStore

/// The event logs that live in the store (`Store+Events`) rather than only in memory, so
/// that a restart loses nothing an operator reads: clientpack connects and disconnects
/// (`ClientWatcher`), IPsec link history (here) and alert deliveries (`AlertDispatcher`).
public enum EventLogs {
    static let ipsecLink = "ipsec_link"

    /// Loads the tunnels' link history into the monitor and stores every new transition.
    public static func persist(_ monitor: IpsecMonitor, in store: Store) {
        var history: [Int: [IpsecMonitor.LinkEvent]] = [:]
        for record in (try? store.events(stream: ipsecLink)) ?? [] {
            guard let tunnel = Int(record.subject), record.body == "up" || record.body == "down" else { continue }
            history[tunnel, default: []].append(.init(up: record.body == "up", time: record.at))
        }
        monitor.restore(history: history)
        monitor.record { transitions in
            try? store.appendEvents(transitions.map {
                EventRecord(stream: ipsecLink, subject: String($0.tunnel), at: $0.event.time, body: $0.event.up ? "up" : "down")
            }, keep: 200)
        }
    }
}
