/// Durations and byte counts written the way `wg show` writes them.
public enum WireGuardText {
    /// "1 minute, 5 seconds ago"; "Now" under a second; nil for "never".
    public static func ago(seconds: Int?) -> String {
        guard let seconds, seconds >= 0 else { return "never" }
        if seconds == 0 { return "Now" }
        var left = seconds
        var parts: [String] = []
        for (unit, size) in [("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)] where left >= size {
            let count = left / size
            left %= size
            parts.append("\(count) \(unit)\(count == 1 ? "" : "s")")
        }
        return parts.joined(separator: ", ") + " ago"
    }

    /// "1.50 KiB", "92 B".
    public static func bytes(_ count: Int) -> String {
        if count < 1024 { return "\(count) B" }
        var value = Double(count)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            value /= 1024
            if value < 1024 || unit == "TiB" {
                let hundredths = Int((value * 100).rounded())
                let fraction = hundredths % 100
                return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) \(unit)"
            }
        }
        return "\(count) B"
    }
}
