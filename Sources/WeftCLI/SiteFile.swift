import WeftModel
import Yams

/// `site.yaml` read into a `SiteConfig`, strictly: unknown keys, wrong types and missing
/// fields are refused with the file's line, so a typo never becomes a removal.
public enum SiteFile {
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public static func parse(_ text: String) throws(Problem) -> SiteConfig {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            switch error as? YamlError {
            case .scanner(_, let problem, let mark, _)?, .parser(_, let problem, let mark, _)?, .composer(_, let problem, let mark, _)?:
                throw Problem(line: mark.line, reason: problem)
            case .duplicatedKeysInMapping(let duplicates, _)?:
                throw Problem(line: 1, reason: "duplicated keys \(duplicates.joined(separator: ", "))")
            default:
                throw Problem(line: 1, reason: "not YAML: \(error)")
            }
        }
        guard let root else { throw Problem(line: 1, reason: "the file is empty") }
        let top = try mapping(root, "the file", known: ["weft", "controller", "firewall", "routes", "peers", "webhooks", "alerts", "ipsec"])
        var site = SiteConfig()
        if let version = top["weft"] {
            guard try int(version, "weft") == SiteConfig.version else {
                throw Problem(line: line(version), reason: "weft: only version \(SiteConfig.version) is known")
            }
        }
        if let node = top["controller"] {
            let fields = try mapping(node, "controller", known: Set(SiteConfig.controllerKeys))
            var controller: [String: String] = [:]
            for (key, value) in fields { controller[key] = try string(value, "controller.\(key)") }
            site.controller = controller
        }
        if let node = top["firewall"] {
            let fields = try mapping(node, "firewall", known: ["rules", "fwsets"])
            if let rules = fields["rules"] {
                var out: [String] = []
                for (index, rule) in try list(rules, "firewall.rules").enumerated() {
                    out.append(try string(rule, "firewall.rules[\(index)]").split(whereSeparator: \.isWhitespace).joined(separator: " "))
                }
                site.rules = out
            }
            if let sets = fields["fwsets"] {
                let nodes = try list(sets, "firewall.fwsets")
                var out: [SiteConfig.FirewallSetSpec] = []
                for (index, node) in nodes.enumerated() { out.append(try fwset(node, "firewall.fwsets[\(index)]")) }
                try unique(out.map(\.name), nodes: nodes, what: "fwset")
                site.fwsets = out
            }
        }
        if let routes = top["routes"] {
            let nodes = try list(routes, "routes")
            var out: [SiteConfig.RouteSpec] = []
            for (index, node) in nodes.enumerated() { out.append(try route(node, "routes[\(index)]")) }
            try unique(out.map(\.key), nodes: nodes, what: "route")
            site.routes = out
        }
        if let peers = top["peers"] {
            let nodes = try list(peers, "peers")
            var out: [SiteConfig.PeerSpec] = []
            for (index, node) in nodes.enumerated() {
                let fields = try mapping(node, "peers[\(index)]", known: ["id", "address", "mtu"])
                guard let id = fields["id"], let address = fields["address"] else {
                    throw Problem(line: line(node), reason: "peers[\(index)]: id and address are required")
                }
                var peer = SiteConfig.PeerSpec(id: try int(id, "peers[\(index)].id"), address: try string(address, "peers[\(index)].address"))
                if let mtu = fields["mtu"] { peer.mtu = try int(mtu, "peers[\(index)].mtu") }
                out.append(peer)
            }
            try unique(out.map { String($0.id) }, nodes: nodes, what: "peer id")
            site.peers = out
        }
        if let node = top["webhooks"] { site.webhooks = try objects(node, kind: .webhook, path: "webhooks") }
        if let node = top["alerts"] { site.alerts = try objects(node, kind: .alert, path: "alerts") }
        if let node = top["ipsec"] { site.ipsec = try objects(node, kind: .endpoint, path: "ipsec") }
        return site
    }

    /// A list of API objects of one kind: known fields only, required ones present, keys unique.
    static func objects(_ node: Node, kind: SiteObject.Kind, path: String) throws(Problem) -> [SiteObject] {
        let nodes = try list(node, path)
        var out: [SiteObject] = []
        for (index, item) in nodes.enumerated() {
            let here = "\(path)[\(index)]"
            let fields = try mapping(item, here, known: kind.fields.union(kind.childKinds.map(\.section)))
            var object = SiteObject(fields: JSONObject())
            for key in fields.keys.sorted() {
                let value = fields[key]!
                if let child = kind.childKinds.first(where: { $0.section == key }) {
                    object.children[key] = try objects(value, kind: child, path: "\(here).\(key)")
                } else {
                    object.fields[key] = try json(value)
                }
            }
            for field in kind.required where object.fields[field] == nil || object.fields[field] == .null {
                throw Problem(line: line(item), reason: "\(here): \(field) is required")
            }
            out.append(object)
        }
        try unique(out.map { $0.key(kind) }, nodes: nodes, what: kind.rawValue)
        return out
    }

    /// Any YAML value as JSON: quoted scalars are text; plain ones null, true/false, an integer or text.
    static func json(_ node: Node) throws(Problem) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .doubleQuoted || scalar.style == .singleQuoted || scalar.style == .literal || scalar.style == .folded {
                return .string(scalar.string)
            }
            switch scalar.string {
            case "", "~", "null": return .null
            case "true", "True": return .bool(true)
            case "false", "False": return .bool(false)
            default: return Int(scalar.string).map(JSONValue.int) ?? .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence { items.append(try json(item)) }
            return .array(items)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard let name = key.string else { throw Problem(line: line(key), reason: "keys must be text") }
                object[name] = try json(value)
            }
            return .object(object)
        case .alias:
            throw Problem(line: line(node), reason: "YAML aliases are not used in site files")
        }
    }

    static func fwset(_ node: Node, _ path: String) throws(Problem) -> SiteConfig.FirewallSetSpec {
        let fields = try mapping(node, path, known: ["name", "type", "description", "entries"])
        guard let name = fields["name"], let type = fields["type"] else { throw Problem(line: line(node), reason: "\(path): name and type are required") }
        var set = SiteConfig.FirewallSetSpec(name: try string(name, "\(path).name"), type: try string(type, "\(path).type"))
        if let description = fields["description"] { set.description = try string(description, "\(path).description") }
        guard ["net", "list", "port"].contains(set.type) else { throw Problem(line: line(type), reason: "\(path).type must be net, list or port") }
        if let entries = fields["entries"] {
            for (index, entry) in try list(entries, "\(path).entries").enumerated() {
                if case .mapping = entry {
                    let parts = try mapping(entry, "\(path).entries[\(index)]", known: ["entry", "comment"])
                    guard let value = parts["entry"] else { throw Problem(line: line(entry), reason: "\(path).entries[\(index)]: entry is required") }
                    var item = SiteConfig.FirewallSetSpec.Entry(entry: try string(value, "\(path).entries[\(index)].entry"))
                    if let comment = parts["comment"] { item.comment = try string(comment, "\(path).entries[\(index)].comment") }
                    set.entries.append(item)
                } else {
                    set.entries.append(.init(entry: try string(entry, "\(path).entries[\(index)]")))
                }
            }
        }
        return set
    }

    static func route(_ node: Node, _ path: String) throws(Problem) -> SiteConfig.RouteSpec {
        let fields = try mapping(node, path, known: ["cidr", "description", "interface", "gateway", "tunnel", "advertise", "metric", "table"])
        guard let cidr = fields["cidr"] else { throw Problem(line: line(node), reason: "\(path): cidr is required") }
        var route = SiteConfig.RouteSpec(cidr: try string(cidr, "\(path).cidr"))
        if let value = fields["description"] { route.description = try string(value, "\(path).description") }
        if let value = fields["interface"] { route.interface = try string(value, "\(path).interface") }
        if let value = fields["gateway"] { route.gateway = try string(value, "\(path).gateway") }
        if let value = fields["tunnel"] { route.tunnel = try int(value, "\(path).tunnel") }
        if let value = fields["advertise"] { route.advertise = try bool(value, "\(path).advertise") }
        if let value = fields["metric"] { route.metric = try int(value, "\(path).metric") }
        if let value = fields["table"] { route.table = try string(value, "\(path).table") }
        guard !route.gateway.isEmpty || !route.interface.isEmpty || route.tunnel != nil else {
            throw Problem(line: line(node), reason: "\(path): a gateway, an interface or a tunnel is required")
        }
        return route
    }

    // MARK: typed access with lines

    static func line(_ node: Node) -> Int { (node.mark?.line ?? 0) }

    static func mapping(_ node: Node, _ path: String, known: Set<String>) throws(Problem) -> [String: Node] {
        guard case .mapping(let mapping) = node else { throw Problem(line: line(node), reason: "\(path) must be a mapping (key: value)") }
        var out: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string, known.contains(name) else {
                throw Problem(line: line(key), reason: "\(path): unknown key \(key.string ?? "?") (known: \(known.sorted().joined(separator: ", ")))")
            }
            out[name] = value
        }
        return out
    }

    static func list(_ node: Node, _ path: String) throws(Problem) -> [Node] {
        if case .scalar(let scalar) = node, scalar.string == "" || scalar.string == "~" || scalar.string == "null" { return [] }
        guard case .sequence(let sequence) = node else { throw Problem(line: line(node), reason: "\(path) must be a list") }
        return Array(sequence)
    }

    static func string(_ node: Node, _ path: String) throws(Problem) -> String {
        guard case .scalar(let scalar) = node else { throw Problem(line: line(node), reason: "\(path) must be text") }
        return scalar.string
    }

    static func int(_ node: Node, _ path: String) throws(Problem) -> Int {
        guard case .scalar = node, let value = node.int else { throw Problem(line: line(node), reason: "\(path) must be an integer") }
        return value
    }

    static func bool(_ node: Node, _ path: String) throws(Problem) -> Bool {
        guard case .scalar = node, let value = node.bool else { throw Problem(line: line(node), reason: "\(path) must be true or false") }
        return value
    }

    static func unique(_ keys: [String], nodes: [Node], what: String) throws(Problem) {
        var seen = Set<String>()
        for (key, node) in zip(keys, nodes) where !seen.insert(key).inserted {
            throw Problem(line: line(node), reason: "\(what) \(key) is listed twice")
        }
    }

    // MARK: writing

    /// The configuration as `weft export` writes it: every section, every field, in a
    /// fixed order, strings double-quoted, so that `apply` of the output plans nothing.
    public static func yaml(_ site: SiteConfig) -> String {
        var out = "# Weft site configuration (weft export); apply with: weft apply -f FILE\nweft: \(SiteConfig.version)\n"
        if let controller = site.controller {
            out += "controller:\n"
            for key in SiteConfig.controllerKeys { out += "  \(key): \(quote(controller[key] ?? ""))\n" }
        }
        if site.rules != nil || site.fwsets != nil {
            out += "firewall:\n"
            if let sets = site.fwsets {
                out += sets.isEmpty ? "  fwsets: []\n" : "  fwsets:\n"
                for set in sets {
                    out += "    - name: \(quote(set.name))\n      type: \(quote(set.type))\n      description: \(quote(set.description))\n"
                    out += set.entries.isEmpty ? "      entries: []\n" : "      entries:\n"
                    for entry in set.entries {
                        out += entry.comment.isEmpty ? "        - \(quote(entry.entry))\n"
                            : "        - {entry: \(quote(entry.entry)), comment: \(quote(entry.comment))}\n"
                    }
                }
            }
            if let rules = site.rules {
                out += rules.isEmpty ? "  rules: []\n" : "  rules:\n"
                for rule in rules { out += "    - \(quote(rule))\n" }
            }
        }
        if let routes = site.routes {
            out += routes.isEmpty ? "routes: []\n" : "routes:\n"
            for route in routes {
                out += "  - cidr: \(quote(route.cidr))\n"
                if !route.gateway.isEmpty { out += "    gateway: \(quote(route.gateway))\n" }
                if !route.interface.isEmpty { out += "    interface: \(quote(route.interface))\n" }
                if let tunnel = route.tunnel { out += "    tunnel: \(tunnel)\n" }
                out += "    description: \(quote(route.description))\n    advertise: \(route.advertise)\n"
                out += "    metric: \(route.metric)\n    table: \(quote(route.table))\n"
            }
        }
        if let peers = site.peers {
            out += peers.isEmpty ? "peers: []\n" : "peers:\n"
            for peer in peers {
                out += "  - id: \(peer.id)\n    address: \(quote(peer.address))\n"
                if let mtu = peer.mtu { out += "    mtu: \(mtu)\n" }
            }
        }
        for (kind, items) in [(SiteObject.Kind.webhook, site.webhooks), (.alert, site.alerts), (.endpoint, site.ipsec)] {
            guard let items else { continue }
            out += items.isEmpty ? "\(kind.section): []\n" : "\(kind.section):\n"
            for item in items { out += yaml(item, kind: kind, indent: "  ") }
        }
        return out
    }

    /// One object as a list item: its fields in name order, each value as JSON (which YAML
    /// reads as flow style), then its child lists.
    static func yaml(_ item: SiteObject, kind: SiteObject.Kind, indent: String) -> String {
        var out = ""
        var first = true
        for key in item.fields.keys.sorted() {
            out += (first ? indent + "- " : indent + "  ") + "\(key): \(JSONWriter.string(item.fields[key]!))\n"
            first = false
        }
        for child in kind.childKinds {
            guard let list = item.children[child.section] else { continue }
            out += (first ? indent + "- " : indent + "  ") + (list.isEmpty ? "\(child.section): []\n" : "\(child.section):\n")
            first = false
            for entry in list { out += yaml(entry, kind: child, indent: indent + "    ") }
        }
        return out
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
