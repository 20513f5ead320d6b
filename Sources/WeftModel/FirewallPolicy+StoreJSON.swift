/// The firewall policy in its store format (the JSON `JSONEncoder` makes of it, keys
/// sorted), written straight to bytes: at 10,000 rules `JSONEncoder` took 25 ms of a
/// `PUT /api/firewall` whose kernel step is 190 ms. `JSONDecoder` reads it back as before;
/// `StoreJSONTests` holds the two to the same value.
public protocol StoreJSONWritable {
    func writeStoreJSON(into out: inout [UInt8])
}

extension FirewallPolicy: StoreJSONWritable {
    public func writeStoreJSON(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 128 + entries.count * 96)
        var json = StoreJSON(out: out)
        out = []
        json.open()
        json.member("entries") { $0.entries(entries) }
        json.member("nextID") { $0.int(nextID) }
        json.member("ruleGroups") { json in
            json.array(ruleGroups) { json, group in json.strings([("description", group.description), ("name", group.name)]) }
        }
        json.member("sets") { json in
            json.array(sets) { json, set in
                json.open()
                json.member("description") { $0.string(set.description) }
                json.member("entries") { json in
                    json.array(set.entries) { json, entry in json.strings([("comment", entry.comment), ("entry", entry.entry)]) }
                }
                json.member("kind") { $0.string(set.kind.rawValue) }
                json.member("name") { $0.string(set.name) }
                json.close()
            }
        }
        json.member("subgroups") { json in
            json.array(subgroups) { json, group in
                json.open()
                json.member("description") { $0.string(group.description) }
                json.member("entries") { $0.entries(group.entries) }
                json.member("name") { $0.string(group.name) }
                json.close()
            }
        }
        json.close()
        out = json.out
    }
}

/// A small JSON byte writer: objects opened and closed, members in the order given.
struct StoreJSON {
    var out: [UInt8]
    private var needsComma = false

    init(out: [UInt8]) { self.out = out }

    mutating func open() { comma(); out.append(UInt8(ascii: "{")); needsComma = false }
    mutating func close() { out.append(UInt8(ascii: "}")); needsComma = true }

    mutating func member(_ name: String, _ value: (inout StoreJSON) -> Void) {
        comma()
        JSONWriter.writeString(name, into: &out)
        out.append(UInt8(ascii: ":"))
        needsComma = false
        value(&self)
        needsComma = true
    }

    /// An object whose members are all strings, in the order given.
    mutating func strings(_ members: [(String, String)]) {
        open()
        for (name, value) in members { member(name) { $0.string(value) } }
        close()
    }

    mutating func string(_ text: String) { comma(); JSONWriter.writeString(text, into: &out); needsComma = true }
    mutating func int(_ number: Int) { comma(); out.append(contentsOf: String(number).utf8); needsComma = true }
    mutating func bool(_ flag: Bool) { comma(); out.append(contentsOf: (flag ? "true" : "false").utf8); needsComma = true }

    mutating func array<T>(_ items: [T], _ element: (inout StoreJSON, T) -> Void) {
        comma()
        out.append(UInt8(ascii: "["))
        needsComma = false
        for item in items { element(&self, item) }
        out.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func entries(_ entries: [FirewallPolicy.Entry]) {
        array(entries) { json, entry in
            json.open()
            json.member("comment") { $0.string(entry.comment) }
            json.member("disabled") { $0.bool(entry.disabled) }
            json.member("groups") { json in json.array(entry.groups) { $0.string($1) } }
            json.member("id") { $0.int(entry.id) }
            json.member("rule") { $0.string(entry.rule) }
            json.close()
        }
    }

    private mutating func comma() { if needsComma { out.append(UInt8(ascii: ",")) } }
}
