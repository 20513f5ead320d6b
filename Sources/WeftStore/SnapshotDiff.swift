import Crypto
import Foundation
import WeftModel

/// What changed between two snapshots, section by section: each setting (firewall,
/// ipsec, routes, clientpacks, …) as a list of changed paths with old and new values,
/// then the keyset (clients added, removed, re-keyed) and the TLS certificate.
/// Internal bookkeeping (the id counters `nextID`, `nextTunnelID`, …) is left out: it says
/// nothing an operator set, and changes whenever something was added, even if removed again.
public struct SnapshotDiff: Sendable, Equatable {
    public struct Section: Sendable, Equatable {
        public let name: String
        public let changes: [String]
    }

    public let sections: [Section]
    public var isEmpty: Bool { sections.isEmpty }

    static let maximumChangesPerSection = 200

    public init(from old: SnapshotDocument, to new: SnapshotDocument) {
        var sections: [Section] = []
        for key in Set(old.settings.keys).union(new.settings.keys).sorted() {
            let before = old.settings[key].flatMap { try? JSONParser.parse(Array($0.utf8)) }.map(Self.withoutInternal)
            let after = new.settings[key].flatMap { try? JSONParser.parse(Array($0.utf8)) }.map(Self.withoutInternal)
            var changes: [String] = []
            Self.compare(before, after, path: "", into: &changes)
            if !changes.isEmpty {
                if changes.count > Self.maximumChangesPerSection {
                    let more = changes.count - Self.maximumChangesPerSection
                    changes = Array(changes.prefix(Self.maximumChangesPerSection)) + ["… and \(more) more"]
                }
                sections.append(Section(name: key, changes: changes))
            }
        }
        var keyset: [String] = []
        switch (old.keyset, new.keyset) {
        case (nil, nil): break
        case (nil, let added?): keyset.append("added: keyset \(added.uuid) with \(added.clients.count) clientpacks")
        case (let removed?, nil): keyset.append("removed: keyset \(removed.uuid)")
        case (let a?, let b?):
            if a.uuid != b.uuid { keyset.append("replaced: keyset \(a.uuid) → \(b.uuid)") }
            if a.caCertificatePEM != b.caCertificatePEM { keyset.append("changed: CA certificate") }
            let before = Dictionary(a.clients.map { ($0.address, $0) }, uniquingKeysWith: { x, _ in x })
            let after = Dictionary(b.clients.map { ($0.address, $0) }, uniquingKeysWith: { x, _ in x })
            let added = after.keys.filter { before[$0] == nil }.sorted()
            let removed = before.keys.filter { after[$0] == nil }.sorted()
            let rekeyed = before.keys.filter { after[$0] != nil && after[$0] != before[$0] }.sorted()
            if !added.isEmpty { keyset.append("clientpacks added: \(added.count) (\(added.prefix(10).joined(separator: ", ")))") }
            if !removed.isEmpty { keyset.append("clientpacks removed: \(removed.count) (\(removed.prefix(10).joined(separator: ", ")))") }
            if !rekeyed.isEmpty { keyset.append("clientpacks regenerated: \(rekeyed.count) (\(rekeyed.prefix(10).joined(separator: ", ")))") }
        }
        if !keyset.isEmpty { sections.append(Section(name: "keyset", changes: keyset)) }
        if old.tls?.certificatePEM != new.tls?.certificatePEM {
            sections.append(Section(name: "tls", changes: ["certificate \(Self.fingerprint(old.tls)) → \(Self.fingerprint(new.tls))"]))
        }
        self.sections = sections
    }

    static func fingerprint(_ tls: SnapshotDocument.TLS?) -> String {
        guard let tls else { return "(none)" }
        return "sha256:" + String(Hex.encode(SHA256.hash(data: Data(tls.certificatePEM.utf8))).prefix(16))
    }

    /// Keys of the stored settings that only the store uses: the next id to hand out.
    static func isInternal(_ key: String) -> Bool {
        key.hasPrefix("next") && key.hasSuffix("ID")
    }

    /// `value` without the internal keys, at any depth (a whole setting added or removed
    /// is shown without them too).
    static func withoutInternal(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var kept = JSONObject()
            for entry in object.entries where !isInternal(entry.key) { kept[entry.key] = withoutInternal(entry.value) }
            return .object(kept)
        case .array(let items):
            return .array(items.map(withoutInternal))
        default:
            return value
        }
    }

    static func show(_ value: JSONValue?) -> String {
        guard let value else { return "(absent)" }
        let text = String(decoding: JSONWriter.bytes(value), as: UTF8.self)
        return text.count > 120 ? String(text.prefix(117)) + "…" : text
    }

    static func compare(_ old: JSONValue?, _ new: JSONValue?, path: String, into changes: inout [String]) {
        guard old != new else { return }
        switch (old, new) {
        case (.object(let a)?, .object(let b)?):
            for key in a.keys + b.keys.filter({ a[$0] == nil }) {
                compare(a[key], b[key], path: path.isEmpty ? key : "\(path).\(key)", into: &changes)
            }
        case (.array(let a)?, .array(let b)?) where a.count == b.count:
            for index in a.indices { compare(a[index], b[index], path: "\(path)[\(index)]", into: &changes) }
        case (.array(let a)?, .array(let b)?):
            // Lists that grew or shrank: report the items only one side has.
            let removed = a.filter { !b.contains($0) }, added = b.filter { !a.contains($0) }
            for item in removed { changes.append("\(path): removed \(show(item))") }
            for item in added { changes.append("\(path): added \(show(item))") }
            if removed.isEmpty && added.isEmpty { changes.append("\(path): reordered") }
        case (nil, let value?):
            changes.append("\(path.isEmpty ? "whole setting" : path): added \(show(value))")
        case (let value?, nil):
            changes.append("\(path.isEmpty ? "whole setting" : path): removed \(show(value))")
        default:
            changes.append("\(path): \(show(old)) → \(show(new))")
        }
    }

    /// Plain text, one section per block.
    public var text: String {
        if sections.isEmpty { return "no differences\n" }
        return sections.map { section in
            "[\(section.name)]\n" + section.changes.map { "  \($0)\n" }.joined()
        }.joined(separator: "\n")
    }
}
