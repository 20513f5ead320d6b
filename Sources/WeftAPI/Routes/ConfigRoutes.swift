import Hummingbird
import WeftModel
import WeftStore

/// `GET/PUT /api/config`.
struct ConfigRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("config") { _, _ in
            Reply.ok(Present.config(controller.snapshot, facts: controller.facts.facts, options: controller.options))
        }
        api.put("config") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/config",
                                                     known: ["topology_name", "controller_name", "ntp_hosts"])
            var settings = controller.snapshot.controller
            if let name = try body.string("topology_name") { settings.topologyName = try Self.checkName(name, field: "topology_name") }
            if let name = try body.string("controller_name") { settings.controllerName = try Self.checkName(name, field: "controller_name") }
            if let hosts = try body.string("ntp_hosts") { settings.ntpHosts = try Self.checkNTPHosts(hosts) }
            if settings != controller.snapshot.controller {
                try controller.commit(context.principal, "config.update") { db in try Store.set(.controller, settings, in: db) }
            }
            return Reply.ok(Present.config(controller.snapshot, facts: controller.facts.facts, options: controller.options))
        }
    }

    static func checkName(_ name: String, field: String) throws -> String {
        guard name.count <= 64, name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) else {
            throw APIError.argument("Field \"\(field)\" must be at most 64 printable characters")
        }
        return name
    }

    /// Host names or IPv4 addresses separated by spaces or lines.
    static func checkNTPHosts(_ text: String) throws -> String {
        let hosts = text.split(whereSeparator: \.isWhitespace)
        for host in hosts {
            let valid = host.count <= 253 && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
                && !host.hasPrefix("-") && !host.hasPrefix(".")
            guard valid else { throw APIError.argument("Field \"ntp_hosts\": \"\(host)\" is not a host name or IPv4 address") }
        }
        return hosts.joined(separator: " ")
    }
}
