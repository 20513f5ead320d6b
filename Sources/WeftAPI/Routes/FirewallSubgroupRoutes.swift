import Hummingbird
import WeftApp
import WeftFirewall
import WeftHTTP
import WeftModel

/// v1 firewall subgroups (`/api/firewall/rules/subgroup`): named chains `INP_C_*`,
/// `OUT_C_*`, `FWD_C_*` (filter), `PRE_C_*`, `PST_C_*` (nat) that customer rules jump to
/// with `-j NAME`. Their rules start with the subgroup's name. Writes go through the
/// firewall's one write path; deleting a subgroup a rule still jumps to is refused.
struct FirewallSubgroupRoutes {
    let firewall: FirewallRoutes
    var controller: Controller { firewall.controller }

    func register(_ api: APIGroup) {
        api.get("firewall/rules/subgroup", use: list)
        api.post("firewall/rules/subgroup", use: add)
        api.delete("firewall/rules/subgroup", use: remove)
        api.put("firewall/rules/subgroup", use: reinitialize)
    }

    @Sendable func list(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = request.query("name")
        var rows: [JSONValue] = []
        for group in controller.snapshot.firewall.subgroups where name == nil || group.name == name {
            rows.append(.array([.string(group.name)]))
            rows += group.rules.map { .array([.string($0)]) }
        }
        return Reply.ok(.array(rows))
    }

    @Sendable func add(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/firewall/rules/subgroup",
                                                 known: ["rules", "name", "position", "flush"], limit: RequestFields.largeBodySize)
        let name = try Self.checkName(body.string("name", required: true)!)
        let lines = try Self.rules(body.string("rules") ?? "", in: name)
        let position = try body.int("position")
        let flush = try body.bool("flush") ?? false
        try await firewall.change(context, "firewall.subgroup.update", detail: "\(name): \(lines.count) rules") { policy in
            let index = policy.subgroupIndex(named: name) ?? {
                policy.subgroups.append(.init(name: name))
                return policy.subgroups.count - 1
            }()
            if flush { policy.subgroups[index].entries.removeAll() }
            let count = policy.subgroups[index].entries.count
            var at = position.map { $0 < 0 ? count : min($0, count) } ?? count
            for line in lines {
                let entry = policy.makeEntry(line)
                policy.subgroups[index].entries.insert(entry, at: at)
                at += 1
            }
        }
        return Reply.ok(["status": "ok", "rules": .string(lines.joined(separator: "\n"))])
    }

    @Sendable func remove(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/firewall/rules/subgroup",
                                                 known: ["name", "rules"], limit: RequestFields.largeBodySize)
        let name = try body.string("name", required: true)!
        let text = try body.string("rules") ?? ""
        try await firewall.change(context, "firewall.subgroup.delete", detail: name) { policy in
            guard let index = policy.subgroupIndex(named: name) else { throw APIError.notFound("Chain named \(name) not found.") }
            let lines = try Self.rules(text, in: name)
            if lines.isEmpty {
                policy.subgroups.remove(at: index)
                return
            }
            for line in lines {
                guard let at = policy.subgroups[index].entries.firstIndex(where: { FirewallInput.same($0.rule, line) }) else {
                    throw APIError.notFound("Subgroup \(name) has no rule \"\(line)\"")
                }
                policy.subgroups[index].entries.remove(at: at)
            }
        }
        return Reply.ok(["status": "finished_ok"])
    }

    @Sendable func reinitialize(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/firewall/rules/subgroup", known: ["reinitialize"])
        if try body.bool("reinitialize") ?? true { controller.reconciler.wake() }
        return Reply.ok(.object(JSONObject()))
    }


    static func checkName(_ name: String) throws -> String {
        guard CustomerChain.family(ofSubgroup: name) != nil, name.utf8.count <= 28,
              name.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }) else {
            throw APIError.argument("Subgroup name \"\(name)\" must start with INP_C_, OUT_C_, FWD_C_, PRE_C_ or PST_C_, then letters, digits, _ or - (28 characters at most)")
        }
        return name
    }

    /// Newline-separated rules; a line without the subgroup's name in front gets it.
    static func rules(_ text: String, in name: String) throws -> [String] {
        try TextLines.split(text).compactMap { raw -> String? in
            let line = raw.trimmed
            guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
            return try FirewallInput.ruleText(line.hasPrefix(name + " ") ? line : "\(name) \(line)")
        }
    }
}
