import Hummingbird
import WeftApp
import WeftFirewall
import WeftHTTP
import WeftModel
import WeftReconciler

/// The firewall, v1 (`/api/firewall...`, rules by position) and v2 (`/api/v2/firewall...`,
/// rules with ids): decode → firewall operation (`FirewallRuleOperations.swift`) → encode.
/// Every change goes through `Controller.changeFirewall`: the whole candidate rule set is
/// parsed, lockout-checked, applied by the kernel atomically and only then stored.
struct FirewallRoutes {
    let controller: Controller

    func register(_ api: APIGroup, v2: APIGroup) {
        api.get("firewall/rules", use: listV1)
        api.post("firewall/rules", use: addV1)
        api.delete("firewall/rules/:position", use: deleteAtPosition)
        api.delete("firewall/rules", use: deleteMatching)
        api.put("firewall", use: replaceV1)
        api.put("firewall/actions", use: action)
        v2.put("firewall/actions", use: action)

        v2.get("firewall/rules", use: listV2)
        v2.post("firewall/rules", use: addV2)
        v2.put("firewall", use: replaceV2)
        v2.put("firewall/rules/:id", use: updateV2)
        v2.delete("firewall/rules/:id", use: deleteV2)
        v2.get("firewall/rules/export", use: export)
        v2.put("firewall/rules/import", use: importRules)
    }

    // MARK: - v1

    @Sendable func listV1(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(Self.pairs(controller.snapshot.firewall))
    }

    @Sendable func addV1(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/firewall/rules", known: ["rule", "position"])
        let rule = try FirewallInput.ruleText(body.string("rule", required: true)!)
        let index = try await controller.addFirewallRule(rule, at: try body.int("position"), actor: context.principal)
        return Reply.ok(["status": "submitted", "rule": .string(rule), "position": .int(index), "token": .string(Controller.taskToken())])
    }

    @Sendable func deleteAtPosition(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        guard let text = context.parameters.get("position"), let position = Int(text) else {
            throw APIError.argument("Path parameter \"position\" must be an integer")
        }
        _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/firewall/rules/{position}", known: [])
        let removed = try await controller.deleteFirewallRule(at: position, actor: context.principal)
        return Reply.ok(["status": "submitted", "rule": .string(removed), "position": .int(position), "token": .string(Controller.taskToken())])
    }

    @Sendable func deleteMatching(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/firewall/rules", known: ["rule"])
        let rule = try FirewallInput.ruleText(body.string("rule", required: true)!)
        let position = try await controller.deleteFirewallRule(matching: rule, actor: context.principal)
        return Reply.ok(["status": ":finished_ok, Matching rule found.", "rule": .string(rule), "position": .int(position)])
    }

    @Sendable func replaceV1(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/firewall", known: ["rules", "force"],
                                                 limit: RequestFields.largeBodySize)
        let lines = try FirewallInput.lines(body.object["rules"], field: "rules")
        try await controller.replaceFirewallRules(lines.map { ($0, "", false, [], nil) }, force: try body.bool("force") ?? false,
                                                  actor: context.principal)
        return Reply.ok(["status": "ok", "rules": .int(lines.count)])
    }

    /// `PUT /api/firewall/actions` (and v2): only `reset_connection_tracking`.
    @Sendable func action(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/firewall/actions", known: ["action"])
        let action = try body.string("action", required: true)!
        guard action == "reset_connection_tracking" else {
            throw APIError.argument("Field \"action\": only reset_connection_tracking is supported, got \"\(action)\"")
        }
        try await controller.resetConnectionTracking(actor: context.principal)
        return Reply.ok(["status": "ok", "action": .string(action)])
    }

    // MARK: - v2

    @Sendable func listV2(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let policy = controller.snapshot.firewall
        // Without a query the SDK's assert_rule_policy needs the v1 pair shape (contract 4.6).
        guard request.uri.query?.isEmpty == false else { return Reply.ok(Self.pairs(policy)) }
        let state = request.query("state")
        let groups = request.query("groups").map { Set($0.split(separator: ",").map(String.init)) }
        // osview=True adds the kernel's packet and byte counters of each rule.
        let counters = try request.queryFlag("osview") == true ? try await controller.firewallCounters() : nil
        var list: [JSONValue] = []
        for (index, entry) in policy.entries.enumerated() {
            if state == "disabled" && !entry.disabled || state == "active" && entry.disabled { continue }
            if let groups, groups.isDisjoint(with: entry.groups) { continue }
            var shown = Self.present(entry, position: index)
            if let counters, case .object(var object) = shown {
                let counter = counters[index]
                object["packets"] = counter.map { .int($0.packets) } ?? .null
                object["bytes"] = counter.map { .int($0.bytes) } ?? .null
                shown = .object(object)
            }
            list.append(shown)
        }
        return Reply.ok(.array(list))
    }

    @Sendable func addV2(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/v2/firewall/rules",
                                                 known: ["rule", "rules", "position", "comment", "groups", "disabled", "force"],
                                                 limit: RequestFields.largeBodySize)
        var rules: [String] = []
        if let rule = try body.string("rule") { rules.append(try FirewallInput.ruleText(rule)) }
        if body.has("rules") { rules += try FirewallInput.lines(body.object["rules"], field: "rules") }
        guard !rules.isEmpty else { throw APIError.argument("Field \"rule\" (or \"rules\") is required for POST /api/v2/firewall/rules") }
        let created = try await controller.addFirewallRules(
            rules, at: try body.int("position"), comment: try body.string("comment") ?? "",
            groups: try FirewallInput.groups(body.object["groups"]), disabled: try body.bool("disabled") ?? false,
            force: try body.bool("force") ?? false, actor: context.principal)
        return Reply.ok(.array(created.map { Self.present($0.0, position: $0.1) }))
    }

    @Sendable func replaceV2(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/v2/firewall", known: ["rules", "force"],
                                                 limit: RequestFields.largeBodySize)
        let items = try FirewallInput.ruleObjects(body.object["rules"])
        try await controller.replaceFirewallRules(items, force: try body.bool("force") ?? false, actor: context.principal)
        return Reply.ok(Self.pairs(controller.snapshot.firewall))
    }

    @Sendable func updateV2(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let id = try Self.id(context)
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/v2/firewall/rules/{id}",
                                                 known: ["rule", "comment", "groups", "disabled", "force"])
        let updated = try await controller.updateFirewallRule(
            id: id, rule: try body.string("rule"), comment: try body.string("comment"),
            groups: body.has("groups") ? try FirewallInput.groups(body.object["groups"]) : nil, disabled: try body.bool("disabled"),
            force: try body.bool("force") ?? false, actor: context.principal)
        return Reply.ok(Self.present(updated.0, position: updated.1))
    }

    @Sendable func deleteV2(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let id = try Self.id(context)
        _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/v2/firewall/rules/{id}", known: [])
        let removed = try await controller.deleteFirewallRule(id: id, actor: context.principal)
        return Reply.ok(Self.present(removed.0, position: removed.1))
    }

    @Sendable func export(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let policy = controller.snapshot.firewall
        switch request.query("type") ?? "json" {
        case "plaintext", "text":
            return Reply.ok(.string(policy.entries.map(\.rule).joined(separator: "\n")))
        case "json":
            return Reply.ok(.array(policy.entries.enumerated().map { Self.present($0.element, position: $0.offset) }))
        case let other:
            throw APIError.argument("Query \"type\" must be json or plaintext, got \"\(other)\"")
        }
    }

    @Sendable func importRules(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/v2/firewall/rules/import",
                                                 known: ["rules", "position", "groups", "disabled", "force"],
                                                 limit: RequestFields.largeBodySize)
        let items = try FirewallInput.importItems(body.object["rules"])
        try await controller.importFirewallRules(
            items, at: try body.int("position"), groups: body.has("groups") ? try FirewallInput.groups(body.object["groups"]) : [],
            disabled: try body.bool("disabled") ?? false, force: try body.bool("force") ?? false, actor: context.principal)
        return Reply.ok(["status": "ok", "imported": .int(items.count)])
    }

    // MARK: - Shared with the fwset, rule-group and subgroup endpoints

    /// The firewall's one write path (`Controller.changeFirewall`), as this request's actor;
    /// `detail` names the object the change is about, before what changed.
    @discardableResult
    func change<T: Sendable>(_ context: WeftRequestContext, _ action: String, detail: String, force: Bool = false,
                             _ mutate: @escaping @Sendable (inout FirewallPolicy) throws -> T) async throws -> T {
        try await controller.changeFirewall(actor: context.principal, action, context: detail.isEmpty ? nil : detail, force: force, mutate)
    }

    static func pairs(_ policy: FirewallPolicy) -> JSONValue {
        .array(policy.entries.enumerated().map { .array([.string($0.element.rule), .int($0.offset)]) })
    }

    static func present(_ entry: FirewallPolicy.Entry, position: Int) -> JSONValue {
        ["id": .int(entry.id), "rule": .string(entry.rule), "position": .int(position), "comment": .string(entry.comment),
         "disabled": .bool(entry.disabled), "groups": .array(entry.groups.map { .string($0) })]
    }

    static func id(_ context: WeftRequestContext) throws -> Int {
        guard let text = context.parameters.get("id"), let id = Int(text) else {
            throw APIError.argument("Path parameter \"id\" must be an integer")
        }
        return id
    }
}
