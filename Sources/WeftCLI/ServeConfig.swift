/// `/etc/weft/weft.toml`: every `weft serve` option as a key (dashes or underscores), turned
/// into arguments placed before the command line's own, so flags given there override it.
/// Unknown keys and wrong types are refused with their line.
public enum ServeConfig {
    public enum Kind: Sendable { case text, number, flag }

    public static let defaultPath = "/etc/weft/weft.toml"

    /// The options of `weft serve` a file may set. Passwords only as files: a secret in a
    /// world-readable config is a mistake the daemon refuses.
    public static let options: [String: Kind] = [
        "data-dir": .text, "host": .text, "port": .number,
        "api-password-file": .text, "admin-password-file": .text,
        "private-ip": .text, "public-ip": .text, "uplink": .text,
        "no-apply": .flag, "login-failure-limit": .number,
        "wireguard-port": .number, "snmp-port": .number, "snmp-community": .text,
        "log-level": .text,
        "clientpack-expiry-warning": .number, "image-size-limit-mb": .number, "container-limit": .number,
        "mesh-catch-up": .number,
    ]

    public static func arguments(_ file: FlatTOML, path: String) throws(CLIError) -> [String] {
        for table in file.tables.keys where !table.isEmpty {
            throw .usage("\(path): line \(file.lines.first { $0.key.hasPrefix(table + ".") }?.value ?? 0): tables are not used here ([\(table)])")
        }
        var out: [String] = []
        for (key, value) in (file[""] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let name = String(key.map { $0 == "_" ? "-" : $0 })
            let line = file.lines[key] ?? 0
            guard let kind = options[name] else {
                let hint = ["api-password", "admin-password"].contains(name) ? " (use \(name)-file)" : ""
                throw .usage("\(path): line \(line): unknown key \(key)\(hint); known: \(options.keys.sorted().joined(separator: ", "))")
            }
            switch (kind, value) {
            case (.text, .string(let text)): out += ["--\(name)", text]
            case (.number, .int(let number)): out += ["--\(name)", String(number)]
            case (.flag, .bool(let on)): if on { out.append("--\(name)") }
            default:
                let expected = kind == .text ? "a string" : kind == .number ? "an integer" : "true or false"
                throw .usage("\(path): line \(line): \(key) must be \(expected)")
            }
        }
        return out
    }

    /// The command line with the file's arguments inserted after `serve`. `--config FILE`
    /// names the file; without it the default is read when it exists.
    public static func expand(_ arguments: [String], read: (String) -> String?) throws(CLIError) -> [String] {
        guard let serve = arguments.firstIndex(of: "serve"), serve == 0 else { return arguments }
        var path: String? = nil
        var explicit = false
        for (index, argument) in arguments.enumerated() {
            if argument == "--config", index + 1 < arguments.count { path = arguments[index + 1]; explicit = true }
            if argument.hasPrefix("--config=") { path = String(argument.dropFirst("--config=".count)); explicit = true }
        }
        let file = path ?? defaultPath
        guard let text = read(file) else {
            if explicit { throw .usage("--config: cannot read \(file)") }
            return arguments
        }
        let toml: FlatTOML
        do { toml = try FlatTOML(text) } catch { throw .usage("\(file): \(error)") }
        return ["serve"] + (try Self.arguments(toml, path: file)) + arguments.dropFirst()
    }
}
