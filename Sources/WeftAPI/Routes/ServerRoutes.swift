import Hummingbird
import WeftApp
import WeftHTTP

/// `PUT /api/server {reboot}`: restarts the daemon (VNS3 reboots the appliance).
struct ServerRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.put("server", use: reboot)
    }

    @Sendable func reboot(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/server", known: ["reboot"])
        // Required (the SDK always sends it, CONTRACT `reboot:bool=true`): an empty body restarts nothing.
        guard try body.bool("reboot", required: true) ?? true else { return Reply.ok(["status": "running"]) }
        controller.requestRestart(actor: context.principal, through: "API (PUT /api/server)")
        return Reply.ok(["status": "rebooting"])
    }
}
