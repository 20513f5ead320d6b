import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel

/// Client groups (fwsets of type `clients`), read side: who is in a group now, and which
/// groups and rules apply to one clientpack. Writes are the v2 fwset endpoints.
struct ClientGroupRoutes {
    let controller: Controller

    func register(_ api: APIGroup, v2: APIGroup) {
        v2.get("firewall/fwsets/:name/members", use: members)
        api.get("clientpacks/:name/firewall", use: clientpackFirewall)
    }

    /// `GET /api/v2/firewall/fwsets/{name}/members`: the overlay addresses in the set now
    /// (a selector matching nothing leaves it empty).
    @Sendable func members(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard let set = controller.snapshot.firewall.set(named: name) else { throw APIError.notFound("No fwset named \(name)") }
        guard set.kind == .clients else {
            throw APIError.argument("fwset \(name) is of type \(set.kind.rawValue); members are listed for clients sets (its entries are its members)")
        }
        let members = controller.clientGroupMembers()[name] ?? []
        return Reply.ok(["name": .string(name), "selectors": .array(set.entries.map { .string($0.entry) }),
                         "size": .int(members.count), "members": .array(members.map { .string($0.description) })])
    }

    /// `GET /api/clientpacks/{name}/firewall`: the groups the pack is in and the enabled
    /// rules naming its address or groups.
    @Sendable func clientpackFirewall(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let (address, _) = try Controller.clientpack(named: context.parameters.get("name") ?? "", in: try Controller.clientTopology(controller.snapshot))
        let rules = controller.rulesApplying(to: address)
        return Reply.ok(["name": .string(ClientpackName.name(address)),
                         "groups": .array(controller.clientGroups(of: address).map { .string($0) }),
                         "rules": .array(rules.map { ["index": .int($0.index), "rule": .string($0.rule), "via": .string($0.via)] })])
    }
}
