import Hummingbird
import WeftApp

/// `PUT /api/server {reboot}`: restarts the daemon (VNS3 reboots the appliance).
struct ServerRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.put("server") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/server", known: ["reboot"])
            guard try body.bool("reboot") ?? true else {
                return Reply.ok(["status": "running"])
            }
            controller.logger.notice("restart requested through the API", metadata: ["actor": "\(context.principal ?? "?")"])
            controller.restart.request(reason: "PUT /api/server by \(context.principal ?? "?")")
            return Reply.ok(["status": "rebooting"])
        }
    }
}
