import Foundation

/// What an edit changed, field by field, for the audit log: two values of one `Encodable`
/// type flattened to dotted paths (`endpoints.0.name`) and compared, each difference
/// `path old → new`. Secrets are never written: a field whose name says it holds one
/// (psk, secret, password, private key, token) shows as `(changed)`.
public enum FieldChanges {
    public static func describe<T: Encodable>(_ before: T, _ after: T, limit: Int = 500) -> String {
        let lines = changes(before, after)
        if lines.isEmpty { return "no change" }
        let line = lines.joined(separator: "; ")
        guard line.count > limit else { return line }
        return String(line.prefix(max(0, limit - 1))) + "…"
    }

    public static func changes<T: Encodable>(_ before: T, _ after: T) -> [String] {
        let old = flatten(before), new = flatten(after)
        var out: [String] = []
        for key in Set(old.keys).union(new.keys).sorted(by: pathOrder) where old[key] != new[key] {
            if isSecret(key) {
                out.append("\(key) (changed)")
            } else {
                out.append("\(key) \(old[key] ?? "(none)") → \(new[key] ?? "(none)")")
            }
        }
        return out
    }

    static let secretWords = ["psk", "secret", "password", "private", "token", "passphrase"]

    static func isSecret(_ path: String) -> Bool {
        let last = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return secretWords.contains { last.contains($0) }
    }

    /// Numeric path segments sort as numbers, so `tunnels.10` follows `tunnels.9`.
    static func pathOrder(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "."), y = b.split(separator: ".")
        for (p, q) in zip(x, y) where p != q {
            if let i = Int(p), let j = Int(q) { return i < j }
            return p < q
        }
        return x.count < y.count
    }

    static func flatten<T: Encodable>(_ value: T) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value), let json = try? JSONParser.parse(Array(data), maxDepth: 256) else { return [:] }
        var out: [String: String] = [:]
        walk(json, path: "", into: &out)
        return out
    }

    static func walk(_ value: JSONValue, path: String, into out: inout [String: String]) {
        func child(_ key: String) -> String { path.isEmpty ? key : path + "." + key }
        switch value {
        case .object(let object):
            if object.isEmpty { out[path] = "{}" }
            for entry in object.entries { walk(entry.value, path: child(entry.key), into: &out) }
        case .array(let array):
            if array.isEmpty { out[path] = "[]" }
            for (index, item) in array.enumerated() { walk(item, path: child(String(index)), into: &out) }
        case .null: out[path] = "null"
        case .bool(let flag): out[path] = flag ? "true" : "false"
        case .int(let number): out[path] = String(number)
        case .double(let number): out[path] = String(number)
        case .string(let text): out[path] = "\"\(text)\""
        }
    }
}
