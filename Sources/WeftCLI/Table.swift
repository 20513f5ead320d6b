/// Rows printed in aligned columns under a header, as `ip`, `wg` and `kubectl get` do.
public struct Table: Sendable {
    public let header: [String]
    public private(set) var rows: [[String]] = []

    public init(_ header: [String]) { self.header = header }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public var text: String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.prefix(header.count).enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return all.map { row in
            var line = ""
            for (index, cell) in row.prefix(header.count).enumerated() {
                let last = index == header.count - 1
                line += last ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
            return line
        }.joined(separator: "\n") + "\n"
    }
}
