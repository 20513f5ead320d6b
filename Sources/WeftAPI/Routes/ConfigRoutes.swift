import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// `GET/PUT /api/config`.
struct ConfigRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("config", use: show)
        api.put("config", use: update)
    }

    @Sendable func show(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(Present.config(controller.snapshot, facts: controller.facts.facts, options: controller.options))
    }

    @Sendable func update(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/config",
                                                 known: ["topology_name", "controller_name", "ntp_hosts", "public_ipaddress"])
        let change = SettingsChange(topologyName: try body.string("topology_name"), controllerName: try body.string("controller_name"),
                                    ntpHosts: try body.string("ntp_hosts"), publicIP: try body.string("public_ipaddress"))
        try controller.changeSettings(change, actor: context.principal)
        return try await show(request, context)
    }
}
