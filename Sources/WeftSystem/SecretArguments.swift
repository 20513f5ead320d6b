/// Command-line options whose values are secrets. `weft serve` reads them once (they only
/// seed an empty store), then re-executes itself without them, so they are not left in
/// `/proc/PID/cmdline` for `ps` to show, nor carried into a later self-restart.
public enum SecretArguments {
    public static let options: Set<String> = ["--api-password", "--admin-password"]

    /// `arguments` without the secret options and their values (`--opt value` and `--opt=value`).
    public static func removing(from arguments: [String]) -> [String] {
        var kept: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext { skipNext = false; continue }
            if options.contains(argument) { skipNext = true; continue }
            if let equals = argument.firstIndex(of: "="), options.contains(String(argument[..<equals])) { continue }
            kept.append(argument)
        }
        return kept
    }
}
