import Hummingbird
import WeftApp
import WeftFirewall
import WeftHTTP
import WeftModel
import WeftReconciler
import WeftStore

/// The firewall, v1 (`/api/firewall...`, rules by position) and v2 (`/api/v2/firewall...`,
/// rules with ids). Every change builds the whole candidate rule set, parses it, refuses a
/// lockout unless forced, checks it with `iptables-restore --test`, and only then stores
/// it in one transaction; the reconciler applies it atomically.
struct FirewallRoutes {
    let controller: Controller

    func register(_ api: APIGroup, v2: APIGroup) {
        // v1
        api.get("firewall/rules") { _, _ in Reply.ok(Self.pairs(controller.snapshot.firewall)) }
        api.post("firewall/rules") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/firewall/rules", known: ["rule", "position"])
            let rule = try Self.ruleText(body.string("rule", required: true)!)
            let position = try body.int("position")
            let index = try await change(context, "firewall.rule.create", detail: rule) { policy in policy.insert(rule, at: position) }
            return Reply.ok(["status": "submitted", "rule": .string(rule), "position": .int(index), "token": .string(Self.token())])
        }
        api.delete("firewall/rules/:position") { request, context in
            guard let text = context.parameters.get("position"), let position = Int(text) else {
                throw APIError.argument("Path parameter \"position\" must be an integer")
            }
            _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/firewall/rules/{position}", known: [])
            let removed = try await change(context, "firewall.rule.delete", detail: "position \(position)") { policy in
                guard policy.entries.indices.contains(position) else {
                    throw APIError.notFound("No firewall rule at position \(position) (there are \(policy.entries.count))")
                }
                return policy.entries.remove(at: position).rule
            }
            return Reply.ok(["status": "submitted", "rule": .string(removed), "position": .int(position), "token": .string(Self.token())])
        }
        api.delete("firewall/rules") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/firewall/rules", known: ["rule"])
            let rule = try Self.ruleText(body.string("rule", required: true)!)
            let position = try await change(context, "firewall.rule.delete", detail: rule) { policy in
                guard let index = policy.entries.firstIndex(where: { Self.same($0.rule, rule) }) else {
                    throw APIError.notFound("No firewall rule matches \"\(rule)\"")
                }
                policy.entries.remove(at: index)
                return index
            }
            return Reply.ok(["status": ":finished_ok, Matching rule found.", "rule": .string(rule), "position": .int(position)])
        }
        api.put("firewall") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/firewall", known: ["rules", "force"],
                                                     limit: RequestFields.largeBodySize)
            let lines = try Self.lines(body.object["rules"], field: "rules")
            let force = try body.bool("force") ?? false
            try await change(context, "firewall.overwrite", detail: "\(lines.count) rules", force: force) { policy in
                policy.replaceAll(lines.map { ($0, "", false, [], nil) })
            }
            return Reply.ok(["status": "ok", "rules": .int(lines.count)])
        }

        for group in [api, v2] {
            group.put("firewall/actions") { request, context in
                let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/firewall/actions", known: ["action"])
                let action = try body.string("action", required: true)!
                guard action == "reset_connection_tracking" else {
                    throw APIError.argument("Field \"action\": only reset_connection_tracking is supported, got \"\(action)\"")
                }
                guard let conntrack = controller.conntrack else {
                    throw APIError(.badRequest, "NotSupported", "reset_connection_tracking needs a controller that applies (not --no-apply)")
                }
                try await conntrack.flush()
                controller.logger.notice("connection tracking reset", metadata: ["actor": "\(context.principal ?? "?")"])
                return Reply.ok(["status": "ok", "action": .string(action)])
            }
        }

        // v2
        v2.get("firewall/rules") { request, _ in
            let policy = controller.snapshot.firewall
            // Without a query the SDK's assert_rule_policy needs the v1 pair shape (contract 4.6).
            guard request.uri.query?.isEmpty == false else { return Reply.ok(Self.pairs(policy)) }
            let state = request.query("state")
            let groups = request.query("groups").map { Set($0.split(separator: ",").map(String.init)) }
            // osview=True adds the kernel's packet and byte counters of each rule.
            var counters: [Int: FirewallReconciler.Counter]?
            if request.query("osview")?.lowercased() == "true" {
                guard let firewall = controller.firewall else {
                    throw APIError(.badRequest, "NotSupported", "osview needs a controller that applies its firewall (not --no-apply)")
                }
                counters = try await firewall.counters(policy)
            }
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
        v2.post("firewall/rules") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/v2/firewall/rules",
                                                     known: ["rule", "rules", "position", "comment", "groups", "disabled", "force"],
                                                     limit: RequestFields.largeBodySize)
            var collected: [String] = []
            if let rule = try body.string("rule") { collected.append(try Self.ruleText(rule)) }
            if body.has("rules") { collected += try Self.lines(body.object["rules"], field: "rules") }
            let rules = collected
            guard !rules.isEmpty else { throw APIError.argument("Field \"rule\" (or \"rules\") is required for POST /api/v2/firewall/rules") }
            let position = try body.int("position")
            let comment = try body.string("comment") ?? ""
            let groups = try Self.groups(body.object["groups"])
            let disabled = try body.bool("disabled") ?? false
            let force = try body.bool("force") ?? false
            let created = try await change(context, "firewall.rule.create", detail: rules.joined(separator: " | "), force: force) { policy in
                var at = position.flatMap { $0 < 0 ? nil : $0 }
                var made: [(FirewallPolicy.Entry, Int)] = []
                for rule in rules {
                    let index = policy.insert(rule, at: at, comment: comment, disabled: disabled, groups: groups)
                    made.append((policy.entries[index], index))
                    at = at.map { _ in index + 1 }
                }
                return made
            }
            return Reply.ok(.array(created.map { Self.present($0.0, position: $0.1) }))
        }
        v2.put("firewall") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/v2/firewall", known: ["rules", "force"],
                                                     limit: RequestFields.largeBodySize)
            let items = try Self.ruleObjects(body.object["rules"])
            let force = try body.bool("force") ?? false
            try await change(context, "firewall.overwrite", detail: "\(items.count) rules", force: force) { policy in
                policy.replaceAll(items)
            }
            return Reply.ok(Self.pairs(controller.snapshot.firewall))
        }
        v2.put("firewall/rules/:id") { request, context in
            let id = try Self.id(context)
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/v2/firewall/rules/{id}",
                                                     known: ["rule", "comment", "groups", "disabled", "force"])
            let rule = try body.string("rule").map(Self.ruleText)
            let comment = try body.string("comment")
            let groups = body.has("groups") ? try Self.groups(body.object["groups"]) : nil
            let disabled = try body.bool("disabled")
            let force = try body.bool("force") ?? false
            let updated = try await change(context, "firewall.rule.update", detail: "id \(id)", force: force) { policy in
                guard let index = policy.index(ofID: id) else { throw APIError.notFound("No firewall rule with id \(id)") }
                if let rule { policy.entries[index].rule = rule }
                if let comment { policy.entries[index].comment = comment }
                if let groups { policy.entries[index].groups = groups }
                if let disabled { policy.entries[index].disabled = disabled }
                return (policy.entries[index], index)
            }
            return Reply.ok(Self.present(updated.0, position: updated.1))
        }
        v2.delete("firewall/rules/:id") { request, context in
            let id = try Self.id(context)
            _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/v2/firewall/rules/{id}", known: [])
            let removed = try await change(context, "firewall.rule.delete", detail: "id \(id)") { policy in
                guard let index = policy.index(ofID: id) else { throw APIError.notFound("No firewall rule with id \(id)") }
                return (policy.entries.remove(at: index), index)
            }
            return Reply.ok(Self.present(removed.0, position: removed.1))
        }
        v2.get("firewall/rules/export") { request, _ in
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
        v2.put("firewall/rules/import") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/v2/firewall/rules/import",
                                                     known: ["rules", "position", "groups", "disabled", "force"],
                                                     limit: RequestFields.largeBodySize)
            let items: [(rule: String, comment: String, disabled: Bool, groups: [String], id: Int?)]
            if case .array(let values)? = body.object["rules"], values.contains(where: { if case .object = $0 { true } else { false } }) {
                items = try Self.ruleObjects(body.object["rules"])
            } else {
                items = try Self.lines(body.object["rules"], field: "rules").map { ($0, "", false, [], nil) }
            }
            let position = try body.int("position")
            let groups = body.has("groups") ? try Self.groups(body.object["groups"]) : []
            let disabled = try body.bool("disabled") ?? false
            let force = try body.bool("force") ?? false
            try await change(context, "firewall.import", detail: "\(items.count) rules", force: force) { policy in
                var at = position.flatMap { $0 < 0 ? nil : $0 }
                for item in items {
                    let index = policy.insert(item.rule, at: at, comment: item.comment, disabled: item.disabled || disabled,
                                              groups: item.groups + groups)
                    at = at.map { _ in index + 1 }
                }
            }
            return Reply.ok(["status": "ok", "imported": .int(items.count)])
        }
    }

    // MARK: - The one write path

    /// Applies `mutate` to a copy of the current policy, validates the whole result (parse,
    /// lockout), puts it into the kernel in one atomic step, and only then stores it; a
    /// refusal anywhere changes neither kernel nor store. With --no-apply it is stored only.
    /// The firewall's one write path (`Controller.changeFirewall`), as this request's actor.
    @discardableResult
    func change<T: Sendable>(_ context: WeftRequestContext, _ action: String, detail: String, force: Bool = false,
                             _ mutate: @Sendable (inout FirewallPolicy) throws -> T) async throws -> T {
        try await controller.changeFirewall(actor: context.principal, action, detail: detail, force: force, mutate)
    }

    // MARK: - Shapes and fields

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

    /// One rule: trimmed, one line, not empty.
    static func ruleText(_ text: String) throws -> String {
        let rule = text.trimmed
        guard !rule.isEmpty else { throw APIError.argument("Field \"rule\" is empty") }
        guard !TextLines.isMultiline(rule) else { throw APIError.argument("Field \"rule\" holds more than one line; send \"rules\"") }
        guard rule.utf8.count <= 2048 else { throw APIError.argument("Field \"rule\" is longer than 2048 bytes") }
        return rule
    }

    /// A newline-separated string or an array of strings; blank lines and `#` comments skipped.
    static func lines(_ value: JSONValue?, field: String) throws -> [String] {
        switch value {
        case .string(let text)?:
            return try TextLines.split(text).compactMap { line -> String? in
                let rule = line.trimmed
                return rule.isEmpty || rule.hasPrefix("#") ? nil : try ruleText(rule)
            }
        case .array(let values)?:
            return try values.map { value in
                guard case .string(let text) = value else { throw APIError.argument("Field \"\(field)\" must hold strings, got \(value.typeName)") }
                return try ruleText(text)
            }
        case nil, .null?:
            throw APIError.argument("Field \"\(field)\" is required")
        case let other?:
            throw APIError.argument("Field \"\(field)\" must be a string or an array of strings, got \(other.typeName)")
        }
    }

    static func groups(_ value: JSONValue?) throws -> [String] {
        switch value {
        case nil, .null?: return []
        case .array(let values)?:
            return try values.map { value in
                guard case .string(let name) = value, !name.isEmpty, name.count <= 64 else {
                    throw APIError.argument("Field \"groups\" must hold group names (strings up to 64 characters)")
                }
                return name
            }
        case .string(let text)?: return text.split(separator: ",").map { $0.trimmed }.filter { !$0.isEmpty }
        case let other?: throw APIError.argument("Field \"groups\" must be an array of strings, got \(other.typeName)")
        }
    }

    /// `[{rule, position, comment, id, groups, disabled}]` (or plain strings), ordered by position.
    static func ruleObjects(_ value: JSONValue?) throws -> [(rule: String, comment: String, disabled: Bool, groups: [String], id: Int?)] {
        guard case .array(let values)? = value else {
            if case .string = value { return try lines(value, field: "rules").map { ($0, "", false, [], nil) } }
            throw APIError.argument("Field \"rules\" must be an array of rule objects")
        }
        var items: [(order: Int, item: (rule: String, comment: String, disabled: Bool, groups: [String], id: Int?))] = []
        for (offset, value) in values.enumerated() {
            switch value {
            case .string(let text):
                items.append((offset, (try ruleText(text), "", false, [], nil)))
            case .object(let object):
                let fields = RequestFields(object: object, endpoint: "rules[\(offset)]")
                let allowed: Set<String> = ["rule", "position", "comment", "id", "groups", "disabled"]
                if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
                    throw APIError.argument("Unknown field \"\(unknown)\" in rules[\(offset)]; known fields: \(allowed.sorted().joined(separator: ", "))")
                }
                let rule = try ruleText(fields.string("rule", required: true)!)
                let position = try fields.int("position") ?? offset
                items.append((position < 0 ? Int.max : position,
                              (rule, try fields.string("comment") ?? "", try fields.bool("disabled") ?? false,
                               try groups(object["groups"]), try fields.int("id"))))
            default:
                throw APIError.argument("rules[\(offset)] must be a rule object or a string, got \(value.typeName)")
            }
        }
        return items.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element.item)
    }

    /// Two rule texts name the same rule when their words match (spacing, dashes aside).
    static func same(_ a: String, _ b: String) -> Bool {
        a == b || ((try? RuleLexer.words(a)) ?? [a]) == ((try? RuleLexer.words(b)) ?? [b])
    }

    static func token() -> String { Controller.taskToken() }
}
