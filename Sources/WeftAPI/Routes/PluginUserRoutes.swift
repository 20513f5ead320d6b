import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel

/// `/api/plugin-instances/{id}/users…`: the login accounts of a running instance.
extension PluginRoutes {
    static func userJSON(_ user: Controller.PluginUser) -> JSONValue {
        ["username": .string(user.username), "uid": .int(user.uid), "password": .bool(user.hasPassword),
         "public_key": user.publicKey.map(JSONValue.string) ?? .null, "require_public_key": .bool(user.requirePublicKey)]
    }

    @Sendable func users(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(try await controller.pluginUsers(try Self.id(context)).map(Self.userJSON)))
    }

    @Sendable func putUser(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/plugin-instances/{id}/users",
                                                 known: Controller.pluginUserFields)
        return Reply.ok(Self.userJSON(try await controller.putPluginUser(try Self.id(context), body, actor: context.principal)))
    }

    @Sendable func deleteUser(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let raw = try context.parameters.require("username")
        let users = try await controller.deletePluginUser(try Self.id(context), username: raw.removingPercentEncoding ?? raw, actor: context.principal)
        return Reply.ok(.array(users.map(Self.userJSON)))
    }
}
