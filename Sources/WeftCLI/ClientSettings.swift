/// Where the operator's client connects and with which credentials, resolved in order:
/// command-line flags, then environment (`WEFT_URL`, `WEFT_TOKEN`, `WEFT_PASSWORD`,
/// `WEFT_USER`, `WEFT_CA`, `WEFT_PIN`), then the profile file
/// (`~/.config/weft/config.toml`: top-level keys, overridden by `[profile.NAME]` when
/// `--profile NAME` or `WEFT_PROFILE` names one), then defaults.
public struct ClientSettings: Equatable, Sendable {
    public static let keys: Set<String> = ["url", "user", "password", "token", "ca", "pin", "insecure"]

    public var url = "https://127.0.0.1:8000"
    public var user = "api"
    public var password: String?
    public var token: String?
    public var ca: String?
    public var pin: Fingerprint?
    public var insecure = false

    public init() {}

    /// Values as given on the command line; nil means "not given".
    public struct Given: Sendable {
        public var url, user, password, token, ca, pin: String?
        public var insecure = false
        public var profile: String?
        public init() {}
    }

    public static func resolve(given: Given, environment: [String: String], file: FlatTOML?) throws(CLIError) -> ClientSettings {
        let profile = given.profile ?? environment["WEFT_PROFILE"]
        var fromFile: [String: FlatTOML.Value] = file?[""] ?? [:]
        if let file {
            for (table, values) in file.tables where !table.isEmpty {
                guard table.hasPrefix("profile.") else { throw .usage("profile file: unknown table [\(table)] (use [profile.NAME])") }
                for key in values.keys where !keys.contains(key) {
                    throw .usage("profile file: unknown key \(key) in [\(table)] (known: \(keys.sorted().joined(separator: ", ")))")
                }
            }
            for key in fromFile.keys where !keys.contains(key) {
                throw .usage("profile file: unknown key \(key) (known: \(keys.sorted().joined(separator: ", ")))")
            }
        }
        if let profile {
            guard let values = file?["profile." + profile] else { throw .usage("no profile \"\(profile)\" in the profile file") }
            fromFile.merge(values) { _, new in new }
        }
        func pick(_ flag: String?, _ variable: String, _ key: String) -> String? {
            if let flag { return flag }
            if let value = environment[variable], !value.isEmpty { return value }
            if case .string(let text)? = fromFile[key] { return text }
            return nil
        }
        var settings = ClientSettings()
        if let url = pick(given.url, "WEFT_URL", "url") { settings.url = url }
        if let user = pick(given.user, "WEFT_USER", "user") { settings.user = user }
        settings.password = pick(given.password, "WEFT_PASSWORD", "password")
        settings.token = pick(given.token, "WEFT_TOKEN", "token")
        settings.ca = pick(given.ca, "WEFT_CA", "ca")
        if let pin = pick(given.pin, "WEFT_PIN", "pin") {
            guard let fingerprint = Fingerprint(pin: pin) else {
                throw .usage("--pin: \(pin) is not a SHA-256 fingerprint (64 hex digits, colons allowed)")
            }
            settings.pin = fingerprint
        }
        if case .bool(true)? = fromFile["insecure"] { settings.insecure = true }
        if given.insecure { settings.insecure = true }
        guard settings.url.hasPrefix("https://") else {
            throw .usage("--url: \(settings.url) must start with https:// (the API is served over TLS only)")
        }
        return settings
    }
}
