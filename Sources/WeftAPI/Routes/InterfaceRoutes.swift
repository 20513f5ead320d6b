import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftSystem

/// `GET /api/interfaces`, `/api/interfaces/system`, `/api/interfaces/system/{id}`:
/// the controller's interfaces as the kernel reports them.
struct InterfaceRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("interfaces", use: all)
        api.get("interfaces/system", use: all)
        api.get("interfaces/system/:id", use: one)
    }

    /// `GET /api/interfaces` and `/api/interfaces/system`: every interface but `lo`.
    @Sendable func all(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(try await list()))
    }

    @Sendable func one(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        guard let text = context.parameters.get("id"), let id = Int(text) else {
            throw APIError.argument("Interface id must be an integer")
        }
        let facts = await controller.facts.refresh()
        guard let link = facts.interfaces.first(where: { $0.index == id }) else { throw APIError.notFound("No interface with id \(id)") }
        return Reply.ok(Self.present(link, facts: facts))
    }


    func list() async throws -> [JSONValue] {
        let facts = await controller.facts.refresh()
        return facts.interfaces.filter { $0.name != "lo" }.map { Self.present($0, facts: facts) }
    }

    static func present(_ link: NetworkInterface, facts: HostFacts) -> JSONValue {
        let primary = link.addresses.first
        let isUplink = link.name == facts.uplink
        return [
            "id": .int(link.index),
            "name": .string(link.name),
            "interface_type": "system",
            "description": .string(isUplink ? "uplink" : link.kind),
            "ip_internal": .optional(primary?.address.description),
            "ip_external": nil,
            "mtu": .int(link.mtu),
            "enabled": .bool(link.up),
            "status": .string(link.up ? "Up" : "Down"),
            "mask_bits": .optional(primary.map { String($0.prefixLength) }),
            "gateway": .optional(isUplink ? facts.gateway?.description : nil),
            "system_default": .bool(isUplink),
            "tags": .array([]),
            "addresses": .array(link.addresses.map { .string("\($0.address)/\($0.prefixLength)") }),
        ]
    }
}
