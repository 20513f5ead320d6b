import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel

/// fwsets, v1 (`/api/firewall/fwsets`: "NAME entry" lines, the type taken from the name's
/// prefix NETS_/PORTS_/LIST_) and v2 (`/api/v2/firewall/fwsets`: typed sets with
/// descriptions and per-entry comments). Writes go through the firewall's one write path,
/// so a set and the rules matching it are always applied and stored together.
struct FirewallSetRoutes {
    let firewall: FirewallRoutes
    var controller: Controller { firewall.controller }

    func register(_ api: APIGroup, v2: APIGroup) {
        api.get("firewall/fwsets", use: listV1)
        api.post("firewall/fwsets", use: addV1)
        api.delete("firewall/fwsets", use: deleteV1)
        api.put("firewall/fwsets", use: reinitialize)

        v2.get("firewall/fwsets", use: listV2)
        v2.post("firewall/fwsets", use: create)
        v2.get("firewall/fwsets/:name", use: show)
        v2.put("firewall/fwsets/:name", use: update)
        v2.delete("firewall/fwsets/:name", use: delete)
        v2.post("firewall/fwsets/:name/entries", use: addEntry)
        v2.delete("firewall/fwsets/:name/entries", use: deleteEntry)
    }

    @Sendable func listV1(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = request.query("name")
        let lines = controller.snapshot.firewall.sets.filter { name == nil || $0.name == name }
            .flatMap { set in set.entries.map { JSONValue.string("\(set.name) \($0.entry)") } }
        return Reply.ok(.array(lines))
    }

    @Sendable func addV1(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/firewall/fwsets",
                                                 known: ["rules", "name", "flush"], limit: RequestFields.largeBodySize)
        let text = try body.string("rules", required: true)!
        let defaultName = try body.string("name")
        let flush = try body.bool("flush") ?? false
        let additions = try Self.v1Lines(text, defaultName: defaultName)
        try await firewall.change(context, "firewall.fwset.add", detail: "\(additions.count) entries") { policy in
            var flushed: Set<String> = []
            for (name, entry) in additions {
                let index = try Self.v1Set(name, in: &policy)
                if flush && !flushed.contains(name) { policy.sets[index].entries.removeAll(); flushed.insert(name) }
                try Self.add(entry, comment: "", to: &policy.sets[index])
            }
        }
        return Reply.ok(["status": "ok", "rules": .string(text)])
    }

    @Sendable func deleteV1(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/firewall/fwsets",
                                                 known: ["name", "rules"], limit: RequestFields.largeBodySize)
        let name = try body.string("name")
        let text = try body.string("rules")
        guard name != nil || text != nil else { throw APIError.argument("Field \"name\" or \"rules\" is required for DELETE /api/firewall/fwsets") }
        try await firewall.change(context, "firewall.fwset.delete", detail: name ?? "entries") { policy in
            if let text, !text.trimmed.isEmpty {
                for (setName, entry) in try Self.v1Lines(text, defaultName: name) {
                    guard let index = policy.setIndex(named: setName) else { throw APIError.notFound("No fwset named \(setName)") }
                    try Self.remove(entry, from: &policy.sets[index])
                }
            } else if let name {
                guard let index = policy.setIndex(named: name) else { throw APIError.notFound("No fwset named \(name)") }
                policy.sets.remove(at: index)
            }
        }
        return Reply.ok(["status": "finished_ok"])
    }

    @Sendable func reinitialize(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/firewall/fwsets", known: ["reinitialize"])
        if try body.bool("reinitialize") ?? true { controller.reconciler.wake() }
        return Reply.ok(.object(JSONObject()))
    }

    @Sendable func listV2(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(controller.snapshot.firewall.sets.map(Self.present)))
    }

    @Sendable func create(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/v2/firewall/fwsets",
                                                 known: ["name", "type", "description", "entries"], limit: RequestFields.largeBodySize)
        let name = try Self.checkName(body.string("name", required: true)!)
        let typeText = try body.string("type", required: true)!
        guard let kind = FirewallSet.Kind(rawValue: typeText) else {
            throw APIError(.badRequest, typeText == "service" ? "NotSupported" : "APIArgumentError",
                           "Field \"type\" must be net, list, port or clients\(typeText == "service" ? " (service sets are not supported yet)" : ""), got \"\(typeText)\"")
        }
        var set = FirewallSet(name: name, kind: kind, description: try body.string("description") ?? "")
        for (entry, comment) in try Self.entries(body.object["entries"]) { try Self.add(entry, comment: comment, to: &set) }
        let created = set
        try await firewall.change(context, "firewall.fwset.create", detail: name) { policy in
            guard policy.set(named: name) == nil else { throw APIError(.conflict, "Conflict", "fwset \(name) already exists") }
            policy.sets.append(created)
        }
        return Reply.ok(Self.present(created))
    }

    @Sendable func show(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard let set = controller.snapshot.firewall.set(named: name) else { throw APIError.notFound("No fwset named \(name)") }
        return Reply.ok(Self.present(set))
    }

    @Sendable func update(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/v2/firewall/fwsets/{name}",
                                                 known: ["name", "description", "entries"], limit: RequestFields.largeBodySize)
        let rename = try body.string("name").map(Self.checkName)
        let description = try body.string("description")
        let entries = body.has("entries") ? try Self.entries(body.object["entries"]) : nil
        let updated = try await firewall.change(context, "firewall.fwset.update", detail: name) { policy in
            guard let index = policy.setIndex(named: name) else { throw APIError.notFound("No fwset named \(name)") }
            if let rename, rename != name {
                guard policy.set(named: rename) == nil else { throw APIError(.conflict, "Conflict", "fwset \(rename) already exists") }
                policy.sets[index].name = rename
            }
            if let description { policy.sets[index].description = description }
            if let entries {
                policy.sets[index].entries.removeAll()
                for (entry, comment) in entries { try Self.add(entry, comment: comment, to: &policy.sets[index]) }
            }
            return policy.sets[index]
        }
        return Reply.ok(Self.present(updated))
    }

    @Sendable func delete(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/v2/firewall/fwsets/{name}", known: [])
        let removed = try await firewall.change(context, "firewall.fwset.delete", detail: name) { policy in
            guard let index = policy.setIndex(named: name) else { throw APIError.notFound("No fwset named \(name)") }
            return policy.sets.remove(at: index)
        }
        return Reply.ok(Self.present(removed))
    }

    @Sendable func addEntry(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/v2/firewall/fwsets/{name}/entries",
                                                 known: ["entry", "comment"])
        let entry = try body.string("entry", required: true)!
        let comment = try body.string("comment") ?? ""
        let updated = try await firewall.change(context, "firewall.fwset.entry.add", detail: "\(name) \(entry)") { policy in
            guard let index = policy.setIndex(named: name) else { throw APIError.notFound("No fwset named \(name)") }
            try Self.add(entry, comment: comment, to: &policy.sets[index])
            return policy.sets[index]
        }
        return Reply.ok(Self.present(updated))
    }

    @Sendable func deleteEntry(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let body = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/v2/firewall/fwsets/{name}/entries",
                                                 known: ["entry"])
        let entry = try body.string("entry", required: true)!
        let updated = try await firewall.change(context, "firewall.fwset.entry.delete", detail: "\(name) \(entry)") { policy in
            guard let index = policy.setIndex(named: name) else { throw APIError.notFound("No fwset named \(name)") }
            try Self.remove(entry, from: &policy.sets[index])
            return policy.sets[index]
        }
        return Reply.ok(Self.present(updated))
    }


    // MARK: - Helpers

    static func present(_ set: FirewallSet) -> JSONValue {
        ["name": .string(set.name), "type": .string(set.kind.rawValue), "description": .string(set.description),
         "size": .int(set.entries.count),
         "entries": .array(set.entries.map { ["entry": .string($0.entry), "comment": .string($0.comment)] })]
    }

    static func checkName(_ name: String) throws -> String {
        guard FirewallSet.validName(name) else {
            throw APIError.argument("fwset name \"\(name)\" must be 1 to 31 characters of A-Z a-z 0-9 _ -")
        }
        return name
    }

    /// "NAME entry" lines (or bare entries when a default name is given).
    static func v1Lines(_ text: String, defaultName: String?) throws -> [(String, String)] {
        var result: [(String, String)] = []
        for line in TextLines.split(text) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            switch words.count {
            case 0: continue
            case 1:
                guard let defaultName else { throw APIError.argument("fwset line \"\(words[0])\" needs a set name: \"NAME entry\"") }
                result.append((defaultName, words[0]))
            case 2: result.append((words[0], words[1]))
            default: throw APIError.argument("fwset line \"\(words.joined(separator: " "))\" must be \"NAME entry\"")
            }
        }
        return result
    }

    /// The v1 set `name`, created with the type its prefix implies when missing.
    static func v1Set(_ name: String, in policy: inout FirewallPolicy) throws -> Int {
        if let index = policy.setIndex(named: name) { return index }
        _ = try checkName(name)
        guard let kind = FirewallSet.Kind.fromV1Name(name) else {
            throw APIError.argument("fwset \(name): v1 set names start with NETS_, PORTS_ or LIST_ (the type)")
        }
        policy.sets.append(FirewallSet(name: name, kind: kind))
        return policy.sets.count - 1
    }

    static func add(_ raw: String, comment: String, to set: inout FirewallSet) throws {
        guard let entry = set.normalize(raw) else {
            throw APIError.argument("fwset \(set.name): \"\(raw)\" is not a valid \(set.kind.rawValue) entry (\(set.entryForms))")
        }
        guard comment.utf8.count <= 256 else { throw APIError.argument("fwset \(set.name): comment longer than 256 bytes") }
        if set.entries.contains(where: { $0.entry == entry }) { return }
        guard set.entries.count < FirewallSet.maxEntries else {
            throw APIError.argument("fwset \(set.name) is full (\(FirewallSet.maxEntries) entries)")
        }
        set.entries.append(.init(entry: entry, comment: comment))
    }

    static func remove(_ raw: String, from set: inout FirewallSet) throws {
        let entry = set.normalize(raw) ?? raw
        guard let index = set.entries.firstIndex(where: { $0.entry == entry }) else {
            throw APIError.notFound("fwset \(set.name) has no entry \"\(raw)\"")
        }
        set.entries.remove(at: index)
    }

    /// `entries`: strings or {entry, comment} objects.
    static func entries(_ value: JSONValue?) throws -> [(String, String)] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?:
            return try items.enumerated().map { offset, item in
                switch item {
                case .string(let entry): return (entry, "")
                case .object(let object):
                    if let unknown = object.keys.first(where: { $0 != "entry" && $0 != "comment" }) {
                        throw APIError.argument("Unknown field \"\(unknown)\" in entries[\(offset)]; known fields: comment, entry")
                    }
                    let fields = RequestFields(object: object, endpoint: "entries[\(offset)]")
                    return (try fields.string("entry", required: true)!, try fields.string("comment") ?? "")
                default:
                    throw APIError.argument("entries[\(offset)] must be a string or {entry, comment}, got \(item.typeName)")
                }
            }
        case let other?:
            throw APIError.argument("Field \"entries\" must be an array, got \(other.typeName)")
        }
    }
}
