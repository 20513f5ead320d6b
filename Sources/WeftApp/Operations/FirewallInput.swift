import WeftFirewall
import WeftModel

/// The shapes every firewall endpoint and the UI editor take rules in, checked before any
/// write: one rule (trimmed, one line, at most 2048 bytes), a newline-separated text or an
/// array of strings (blank lines and `#` comments skipped), rule objects
/// `{rule, position, comment, id, groups, disabled}`, group name lists.
public enum FirewallInput {
    public typealias Item = (rule: String, comment: String, disabled: Bool, groups: [String], id: Int?)

    /// One rule: trimmed, one line, not empty.
    public static func ruleText(_ text: String, field: String = "rule") throws -> String {
        let rule = text.trimmed
        guard !rule.isEmpty else { throw ValidationError(field: field, "Field \"\(field)\" is empty") }
        guard !TextLines.isMultiline(rule) else {
            throw ValidationError(field: field, "Field \"\(field)\" holds more than one line; send \"rules\"")
        }
        guard rule.utf8.count <= 2048 else { throw ValidationError(field: field, "Field \"\(field)\" is longer than 2048 bytes") }
        return rule
    }

    /// A newline-separated string or an array of strings; blank lines and `#` comments skipped.
    public static func lines(_ value: JSONValue?, field: String) throws -> [String] {
        switch value {
        case .string(let text)?:
            return try TextLines.split(text).compactMap { line -> String? in
                let rule = line.trimmed
                return rule.isEmpty || rule.hasPrefix("#") ? nil : try ruleText(rule)
            }
        case .array(let values)?:
            return try values.map { value in
                guard case .string(let text) = value else {
                    throw ValidationError(field: field, "Field \"\(field)\" must hold strings, got \(value.typeName)")
                }
                return try ruleText(text)
            }
        case nil, .null?:
            throw ValidationError(field: field, "Field \"\(field)\" is required")
        case let other?:
            throw ValidationError(field: field, "Field \"\(field)\" must be a string or an array of strings, got \(other.typeName)")
        }
    }

    /// Group names: an array of strings (up to 64 characters each) or a comma-separated string.
    public static func groups(_ value: JSONValue?) throws -> [String] {
        switch value {
        case nil, .null?: return []
        case .array(let values)?:
            return try values.map { value in
                guard case .string(let name) = value, !name.isEmpty, name.count <= 64 else {
                    throw ValidationError(field: "groups", "Field \"groups\" must hold group names (strings up to 64 characters)")
                }
                return name
            }
        case .string(let text)?: return text.split(separator: ",").map { $0.trimmed }.filter { !$0.isEmpty }
        case let other?: throw ValidationError(field: "groups", "Field \"groups\" must be an array of strings, got \(other.typeName)")
        }
    }

    /// `[{rule, position, comment, id, groups, disabled}]` (or plain strings), ordered by position.
    public static func ruleObjects(_ value: JSONValue?) throws -> [Item] {
        guard case .array(let values)? = value else {
            if case .string = value { return try lines(value, field: "rules").map { ($0, "", false, [], nil) } }
            throw ValidationError(field: "rules", "Field \"rules\" must be an array of rule objects")
        }
        var items: [(order: Int, item: Item)] = []
        for (offset, value) in values.enumerated() {
            switch value {
            case .string(let text):
                items.append((offset, (try ruleText(text), "", false, [], nil)))
            case .object(let object):
                let fields = InputFields(object: object, endpoint: "rules[\(offset)]")
                let allowed: Set<String> = ["rule", "position", "comment", "id", "groups", "disabled"]
                if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
                    throw ValidationError(field: "rules", "Unknown field \"\(unknown)\" in rules[\(offset)]; known fields: \(allowed.sorted().joined(separator: ", "))")
                }
                let rule = try ruleText(fields.string("rule", required: true)!)
                let position = try fields.int("position") ?? offset
                items.append((position < 0 ? Int.max : position,
                              (rule, try fields.string("comment") ?? "", try fields.bool("disabled") ?? false,
                               try groups(object["groups"]), try fields.int("id"))))
            default:
                throw ValidationError(field: "rules", "rules[\(offset)] must be a rule object or a string, got \(value.typeName)")
            }
        }
        return items.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element.item)
    }

    /// Rules for an import: rule objects when the array holds any, else lines.
    public static func importItems(_ value: JSONValue?) throws -> [Item] {
        if case .array(let values)? = value, values.contains(where: { if case .object = $0 { true } else { false } }) {
            return try ruleObjects(value)
        }
        return try lines(value, field: "rules").map { ($0, "", false, [], nil) }
    }

    /// Two rule texts name the same rule when their words match (spacing, dashes aside).
    public static func same(_ a: String, _ b: String) -> Bool {
        a == b || ((try? RuleLexer.words(a)) ?? [a]) == ((try? RuleLexer.words(b)) ?? [b])
    }
}
