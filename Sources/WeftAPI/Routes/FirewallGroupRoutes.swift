import Hummingbird
import WeftApp
import WeftFirewall
import WeftHTTP
import WeftModel

/// v2 rule groups (`/api/v2/firewall/rule-groups`: named sets of rule ids, kept as each
/// rule's `groups`) and subtables (`/api/v2/firewall/subtables`: the v2 view of subgroup
/// chains, with rule ids, comments and a disabled flag).
struct FirewallGroupRoutes {
    let firewall: FirewallRoutes
    var controller: Controller { firewall.controller }

    func register(_ v2: APIGroup) {
        // MARK: rule groups
        v2.get("firewall/rule-groups", use: listRuleGroups)
        v2.post("firewall/rule-groups", use: createRuleGroup)
        v2.get("firewall/rule-groups/:name", use: showRuleGroup)
        v2.put("firewall/rule-groups/:name", use: updateRuleGroup)
        v2.delete("firewall/rule-groups/:name", use: deleteRuleGroup)
        v2.post("firewall/rule-groups/:name/rules", use: addRuleToGroup)

        // MARK: subtables
        v2.get("firewall/subtables", use: listSubtables)
        v2.post("firewall/subtables", use: createSubtable)
        v2.get("firewall/subtables/:name", use: showSubtable)
        v2.put("firewall/subtables/:name", use: updateSubtable)
        v2.delete("firewall/subtables/:name", use: deleteSubtable)
        v2.post("firewall/subtables/:name/rules", use: addSubtableRule)
        v2.delete("firewall/subtables/:name/rules/:rule_id", use: deleteSubtableRule)
    }

    @Sendable func listRuleGroups(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let policy = controller.snapshot.firewall
        return Reply.ok(.array(policy.ruleGroups.map { Self.present($0, policy) }))
    }

    @Sendable func createRuleGroup(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/v2/firewall/rule-groups",
                                                 known: ["name", "rule_ids", "description"])
        let name = try Self.groupName(body.string("name", required: true)!)
        let ids = try Self.ids(body.object["rule_ids"])
        let description = try body.string("description") ?? ""
        let shown = try await firewall.change(context, "firewall.rulegroup.create", detail: name) { policy in
            guard !policy.ruleGroups.contains(where: { $0.name == name }) else {
                throw APIError(.conflict, "Conflict", "Rule group \(name) already exists")
            }
            policy.ruleGroups.append(.init(name: name, description: description))
            try Self.setMembers(name, ids, in: &policy)
            return Self.present(policy.ruleGroups.last!, policy)
        }
        return Reply.ok(shown)
    }

    @Sendable func showRuleGroup(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let policy = controller.snapshot.firewall
        guard let group = policy.ruleGroups.first(where: { $0.name == name }) else { throw APIError.notFound("No rule group named \(name)") }
        return Reply.ok(Self.present(group, policy))
    }

    @Sendable func updateRuleGroup(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/v2/firewall/rule-groups/{name}",
                                                 known: ["name", "rule_ids", "description"])
        let rename = try body.string("name").map(Self.groupName) ?? name
        let ids = body.has("rule_ids") ? try Self.ids(body.object["rule_ids"]) : nil
        let description = try body.string("description")
        let shown = try await firewall.change(context, "firewall.rulegroup.update", detail: name) { policy in
            guard let index = policy.ruleGroups.firstIndex(where: { $0.name == name }) else { throw APIError.notFound("No rule group named \(name)") }
            if rename != name {
                guard !policy.ruleGroups.contains(where: { $0.name == rename }) else { throw APIError(.conflict, "Conflict", "Rule group \(rename) already exists") }
                policy.ruleGroups[index].name = rename
                for i in policy.entries.indices { policy.entries[i].groups = policy.entries[i].groups.map { $0 == name ? rename : $0 } }
            }
            if let description { policy.ruleGroups[index].description = description }
            if let ids { try Self.setMembers(rename, ids, in: &policy) }
            return Self.present(policy.ruleGroups[index], policy)
        }
        return Reply.ok(shown)
    }

    @Sendable func deleteRuleGroup(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/v2/firewall/rule-groups/{name}", known: [])
        let shown = try await firewall.change(context, "firewall.rulegroup.delete", detail: name) { policy in
            guard let index = policy.ruleGroups.firstIndex(where: { $0.name == name }) else { throw APIError.notFound("No rule group named \(name)") }
            let shown = Self.present(policy.ruleGroups[index], policy)
            policy.ruleGroups.remove(at: index)
            for i in policy.entries.indices { policy.entries[i].groups.removeAll { $0 == name } }
            return shown
        }
        return Reply.ok(shown)
    }

    @Sendable func addRuleToGroup(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/v2/firewall/rule-groups/{name}/rules", known: ["rule_id"])
        let id = try Self.ids(.array([body.object["rule_id"] ?? .null])).first!
        let shown = try await firewall.change(context, "firewall.rulegroup.add", detail: "\(name) \(id)") { policy in
            guard let group = policy.ruleGroups.first(where: { $0.name == name }) else { throw APIError.notFound("No rule group named \(name)") }
            guard let index = policy.index(ofID: id) else { throw APIError.notFound("No firewall rule with id \(id)") }
            if !policy.entries[index].groups.contains(name) { policy.entries[index].groups.append(name) }
            return Self.present(group, policy)
        }
        return Reply.ok(shown)
    }

    @Sendable func listSubtables(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(controller.snapshot.firewall.subgroups.map(Self.present)))
    }

    @Sendable func createSubtable(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/v2/firewall/subtables",
                                                 known: ["name", "type", "description", "rules"], limit: RequestFields.largeBodySize)
        let name = try FirewallSubgroupRoutes.checkName(body.string("name", required: true)!)
        if let type = try body.string("type") { try Self.checkType(type, for: name) }
        let description = try body.string("description") ?? ""
        let items = try Self.subtableRules(body.object["rules"], in: name)
        let shown = try await firewall.change(context, "firewall.subtable.create", detail: name) { policy in
            guard policy.subgroupIndex(named: name) == nil else { throw APIError(.conflict, "Conflict", "Subtable \(name) already exists") }
            var group = FirewallPolicy.Subgroup(name: name, description: description)
            for item in items { group.entries.append(policy.makeEntry(item.rule, comment: item.comment, disabled: item.disabled)) }
            policy.subgroups.append(group)
            return Self.present(group)
        }
        return Reply.ok(shown)
    }

    @Sendable func showSubtable(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard let index = controller.snapshot.firewall.subgroupIndex(named: name) else { throw APIError.notFound("No subtable named \(name)") }
        return Reply.ok(Self.present(controller.snapshot.firewall.subgroups[index]))
    }

    @Sendable func updateSubtable(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/v2/firewall/subtables/{name}",
                                                 known: ["description", "rules"], limit: RequestFields.largeBodySize)
        let description = try body.string("description")
        let items = body.has("rules") ? try Self.subtableRules(body.object["rules"], in: name) : nil
        let shown = try await firewall.change(context, "firewall.subtable.update", detail: name) { policy in
            guard let index = policy.subgroupIndex(named: name) else { throw APIError.notFound("No subtable named \(name)") }
            if let description { policy.subgroups[index].description = description }
            if let items {
                var entries: [FirewallPolicy.Entry] = []
                for item in items { entries.append(policy.makeEntry(item.rule, comment: item.comment, disabled: item.disabled)) }
                policy.subgroups[index].entries = entries
            }
            return Self.present(policy.subgroups[index])
        }
        return Reply.ok(shown)
    }

    @Sendable func deleteSubtable(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/v2/firewall/subtables/{name}", known: [])
        let shown = try await firewall.change(context, "firewall.subtable.delete", detail: name) { policy in
            guard let index = policy.subgroupIndex(named: name) else { throw APIError.notFound("No subtable named \(name)") }
            return Self.present(policy.subgroups.remove(at: index))
        }
        return Reply.ok(shown)
    }

    @Sendable func addSubtableRule(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/v2/firewall/subtables/{name}/rules",
                                                 known: ["rule", "position", "comment", "disabled"])
        let rule = try FirewallSubgroupRoutes.rules(body.string("rule", required: true)!, in: name)
        guard rule.count == 1 else { throw APIError.argument("Field \"rule\" must hold exactly one rule") }
        let position = try body.int("position")
        let comment = try body.string("comment") ?? ""
        let disabled = try body.bool("disabled") ?? false
        let shown = try await firewall.change(context, "firewall.subtable.rule.add", detail: "\(name) \(rule[0])") { policy in
            guard let index = policy.subgroupIndex(named: name) else { throw APIError.notFound("No subtable named \(name)") }
            let count = policy.subgroups[index].entries.count
            let at = position.map { $0 < 0 ? count : min($0, count) } ?? count
            policy.subgroups[index].entries.insert(policy.makeEntry(rule[0], comment: comment, disabled: disabled), at: at)
            return Self.present(policy.subgroups[index])
        }
        return Reply.ok(shown)
    }

    @Sendable func deleteSubtableRule(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard let id = context.parameters.get("rule_id").flatMap({ Int($0) }) else { throw APIError.argument("Path parameter \"rule_id\" must be an integer") }
        _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/v2/firewall/subtables/{name}/rules/{rule_id}", known: [])
        let shown = try await firewall.change(context, "firewall.subtable.rule.delete", detail: "\(name) \(id)") { policy in
            guard let index = policy.subgroupIndex(named: name) else { throw APIError.notFound("No subtable named \(name)") }
            guard let at = policy.subgroups[index].entries.firstIndex(where: { $0.id == id }) else {
                throw APIError.notFound("Subtable \(name) has no rule with id \(id)")
            }
            policy.subgroups[index].entries.remove(at: at)
            return Self.present(policy.subgroups[index])
        }
        return Reply.ok(shown)
    }


    // MARK: - Helpers

    static func present(_ group: FirewallPolicy.RuleGroup, _ policy: FirewallPolicy) -> JSONValue {
        let members = policy.entries.filter { $0.groups.contains(group.name) }
        return ["name": .string(group.name), "description": .string(group.description),
                "rule_ids": .array(members.map { .string(String($0.id)) }),
                "rules": .array(members.map { .string($0.rule) })]
    }

    static func present(_ group: FirewallPolicy.Subgroup) -> JSONValue {
        let family = CustomerChain.family(ofSubgroup: group.name)
        return ["name": .string(group.name), "type": .string(family.map { $0.rawValue.replacingSuffix("_CUST") } ?? ""),
                "description": .string(group.description),
                "rules": .array(group.entries.enumerated().map { position, entry in
                    ["id": .int(entry.id), "rule": .string(entry.rule), "position": .int(position),
                     "comment": .string(entry.comment), "disabled": .bool(entry.disabled)]
                })]
    }

    static func groupName(_ name: String) throws -> String {
        guard !name.isEmpty, name.utf8.count <= 64, !name.contains(",") else {
            throw APIError.argument("Rule group name must be 1 to 64 characters without commas")
        }
        return name
    }

    /// Rule ids as the SDK sends them (strings) or as integers.
    static func ids(_ value: JSONValue?) throws -> [Int] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?:
            return try items.map { item in
                switch item {
                case .int(let id): return id
                case .string(let text): if let id = Int(text) { return id }
                default: break
                }
                throw APIError.argument("Field \"rule_ids\" must hold rule ids, got \(item.typeName)")
            }
        case let other?: throw APIError.argument("Field \"rule_ids\" must be an array, got \(other.typeName)")
        }
    }

    static func setMembers(_ name: String, _ ids: [Int], in policy: inout FirewallPolicy) throws {
        for id in ids where policy.index(ofID: id) == nil { throw APIError.notFound("No firewall rule with id \(id)") }
        let wanted = Set(ids)
        for i in policy.entries.indices {
            policy.entries[i].groups.removeAll { $0 == name }
            if wanted.contains(policy.entries[i].id) { policy.entries[i].groups.append(name) }
        }
    }

    /// The subtable type, when given, must name the family its prefix implies.
    static func checkType(_ type: String, for name: String) throws {
        let family = CustomerChain.family(ofSubgroup: name)!
        let accepted = [family.rawValue, family.rawValue.replacingSuffix("_CUST"), family.builtin]
        guard accepted.contains(where: { $0.caseInsensitiveEquals(type) }) else {
            throw APIError.argument("Field \"type\" \"\(type)\" does not match subtable \(name) (a \(family.rawValue.replacingSuffix("_CUST")) chain)")
        }
    }

    /// `rules`: strings or {rule, position, comment, disabled}, ordered by position.
    static func subtableRules(_ value: JSONValue?, in name: String) throws -> [(rule: String, comment: String, disabled: Bool)] {
        let items = try FirewallInput.ruleObjects(value ?? .array([]))
        return try items.map { item in
            let lines = try FirewallSubgroupRoutes.rules(item.rule, in: name)
            guard lines.count == 1 else { throw APIError.argument("Each subtable rule must be one rule") }
            return (lines[0], item.comment, item.disabled)
        }
    }
}

extension String {
    fileprivate func replacingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }

    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool {
        lowercased() == other.lowercased()
    }
}
