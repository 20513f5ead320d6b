import WeftCLI
import WeftModel

/// Objects of an answer (an array, or an object keyed by id) as a table of chosen fields.
enum Records {
    static func table(_ value: JSONValue?, _ columns: [String]) -> String {
        var table = Table(columns)
        for record in Output.items(value) { table.add(columns.map { Output.text(record[$0]) }) }
        return table.text
    }

    static func fields(_ value: JSONValue?) -> String {
        Output.entries(value).map { "\($0.key): \(Output.text($0.value))\n" }.joined()
    }
}
