import Hummingbird
import WeftModel
import WeftStore
import WeftApp

/// `GET/PUT /api/config`.
struct ConfigRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("config") { _, _ in
            Reply.ok(Present.config(controller.snapshot, facts: controller.facts.facts, options: controller.options))
        }
        api.put("config") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/config",
                                                     known: ["topology_name", "controller_name", "ntp_hosts", "public_ipaddress"])
            var settings = controller.snapshot.controller
            if let name = try body.string("topology_name") { settings.topologyName = try SettingsCheck.name(name, field: "topology_name") }
            if let name = try body.string("controller_name") { settings.controllerName = try SettingsCheck.name(name, field: "controller_name") }
            if let hosts = try body.string("ntp_hosts") { settings.ntpHosts = try SettingsCheck.ntpHosts(hosts) }
            if let address = try body.string("public_ipaddress") { settings.publicIP = try SettingsCheck.publicIP(address) }
            try controller.updateSettings(settings, actor: context.principal)
            return Reply.ok(Present.config(controller.snapshot, facts: controller.facts.facts, options: controller.options))
        }
    }
}
