/// How long a packet monitor runs: `forever` (until stopped or a size limit is hit) or a
/// number of seconds. VNS3 documents "forever or a `date`-parsable span"; Weft reads
/// the spans people write: "60", "60s", "5m", "1h", "2d", "1h30m", "90 seconds",
/// "5 minutes", "1 hour 30 minutes".
public enum CaptureDuration: Sendable, Equatable, CustomStringConvertible {
    case forever
    case seconds(Int)

    /// The longest finite duration accepted (a year); longer is "forever".
    public static let maximumSeconds = 366 * 86_400

    public var seconds: Int? {
        if case .seconds(let value) = self { return value }
        return nil
    }

    /// "forever", or seconds as a plain number ("300").
    public var description: String {
        switch self {
        case .forever: "forever"
        case .seconds(let value): "\(value)"
        }
    }

    public static func parse(_ raw: String) throws(CaptureError) -> CaptureDuration {
        let text = raw.lowercased().trimmingSpaces
        guard !text.isEmpty else { throw .invalid(message(raw)) }
        if text == "forever" { return .forever }

        let scalars = Array(text.unicodeScalars)
        var index = 0
        var total = 0
        var terms = 0
        var lastHadUnit = true
        while index < scalars.count {
            while index < scalars.count, scalars[index] == " " || scalars[index] == "," { index += 1 }
            guard index < scalars.count else { break }
            var digits = ""
            while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                digits.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard !digits.isEmpty, digits.count <= 9, let number = Int(digits) else { throw .invalid(message(raw)) }
            while index < scalars.count, scalars[index] == " " { index += 1 }
            var unit = ""
            while index < scalars.count, ("a"..."z").contains(scalars[index]) {
                unit.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard let multiplier = unitSeconds(unit) else { throw .invalid(message(raw)) }
            // A bare number is only accepted alone ("60"); "1h 30" is ambiguous.
            guard lastHadUnit else { throw .invalid(message(raw)) }
            lastHadUnit = !unit.isEmpty
            total += number * multiplier
            terms += 1
            guard total <= maximumSeconds else {
                throw .invalid("Field \"duration\": \"\(raw)\" is longer than \(maximumSeconds / 86_400) days; use \"forever\"")
            }
        }
        guard terms > 0, lastHadUnit || terms == 1 else { throw .invalid(message(raw)) }
        guard total > 0 else { throw .invalid("Field \"duration\" must be more than 0 seconds, got \"\(raw)\"") }
        return .seconds(total)
    }

    static func unitSeconds(_ unit: String) -> Int? {
        switch unit {
        case "", "s", "sec", "secs", "second", "seconds": 1
        case "m", "min", "mins", "minute", "minutes": 60
        case "h", "hr", "hrs", "hour", "hours": 3600
        case "d", "day", "days": 86_400
        default: nil
        }
    }

    static func message(_ raw: String) -> String {
        "Field \"duration\" must be \"forever\" or a span such as \"60\", \"60s\", \"5m\", \"1h\" or \"1h30m\", got \"\(raw)\""
    }
}

extension String {
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
