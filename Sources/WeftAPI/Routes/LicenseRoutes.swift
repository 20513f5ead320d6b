import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// Licensing, which in Weft only defines the topology: `PUT/GET /api/license`,
/// `PUT /api/license/parameters` (then the controller restarts, as VNS3 reboots).
struct LicenseRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.put("license", use: upload)
        api.get("license", use: show)
        api.put("license/parameters", use: acceptParameters)
    }

    @Sendable func upload(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let bytes = try await RequestFields.rawBody(request, context: context, type: .text, endpoint: "PUT /api/license")
        try controller.uploadLicense(bytes, actor: context.principal)
        return Reply.ok([
            "license": "accepted", "finalized": false, "license_present": true,
            "capabilities": Present.capabilities, "default_topology": Present.topology(.default),
        ])
    }

    @Sendable func show(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        guard let license = controller.snapshot.license else { throw SettingsCheck.mustBeLicensed }
        let topology = license.topology ?? .default
        return Reply.ok([
            "license_present": true,
            "finalized": .bool(license.finalized),
            "sha1_checksum": .string(license.sha1),
            "uploaded_at": .string(Timestamps.vns3(license.uploadedAt)),
            "uploaded_at_i": .int(license.uploadedAt),
            "topology": Present.topology(topology),
            "capabilities": Present.capabilities,
            "container_details": ["containers_run_count": 0, "containers_image_count": 0],
            "custom_addressing": .bool(topology != .default),
        ])
    }

    @Sendable func acceptParameters(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/license/parameters",
                                                 known: ["subnet", "managers", "asns", "clients", "my_manager_vip", "default"])
        guard let license = controller.snapshot.license else { throw SettingsCheck.mustBeLicensed }
        guard !license.finalized else {
            throw APIError(.badRequest, "LicenseError", "The licence parameters are already accepted; they cannot be changed.")
        }
        let choice = TopologyChoice(useDefault: try body.bool("default") ?? false, subnet: try body.string("subnet"),
                                    managers: try body.string("managers"), asns: try body.string("asns"),
                                    clients: try body.string("clients"), managerVIP: try body.string("my_manager_vip"))
        let topology = try Controller.topology(choice)
        try controller.acceptLicenseParameters(topology, actor: context.principal)
        return Reply.ok([
            "license": "accepted", "finalized": true,
            "parameters": [
                "subnet": .string(topology.subnet.description),
                "managers": .array(topology.managers.map { .string($0.description) }),
                "clients": .array(topology.clients.map { .string($0.description) }),
                "asns": .array(topology.asns.map { .int($0) }),
                "my_manager_vip": .optional(topology.managerVIP?.description),
            ],
        ])
    }
}
