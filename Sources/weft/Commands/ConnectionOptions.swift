import ArgumentParser
import Foundation
import WeftCLI
import WeftModel

/// The options every operator command shares: where the controller is, how to trust its
/// certificate, the credentials, and `--json`.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The controller's API URL (or WEFT_URL; default https://127.0.0.1:8000).") var url: String?
    @Option(help: "API user for --password (or WEFT_USER; default api).") var user: String?
    @Option(help: "API password (or WEFT_PASSWORD).") var password: String?
    @Option(help: "API token (or WEFT_TOKEN), instead of a password.") var token: String?
    @Option(help: ArgumentHelp("Trust the controller's certificate when it is one of this PEM file's, e.g. a copy of /var/lib/weft/tls/server.crt (or WEFT_CA).", valueName: "file"))
    var ca: String?
    @Option(help: ArgumentHelp("Trust only the certificate with this SHA-256 fingerprint, as `weft serve` prints it (or WEFT_PIN).", valueName: "sha256"))
    var pin: String?
    @Flag(help: "Do not verify the controller's certificate at all (not recommended).") var insecure = false
    @Option(help: "A [profile.NAME] of the profile file (or WEFT_PROFILE).") var profile: String?
    @Flag(help: "Print the controller's answer as JSON.") var json = false

    /// `$WEFT_CONFIG`, else `$XDG_CONFIG_HOME/weft/config.toml`, else `~/.config/weft/config.toml`.
    static func profilePath(_ environment: [String: String]) -> String {
        if let path = environment["WEFT_CONFIG"], !path.isEmpty { return path }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return base + "/weft/config.toml"
    }

    func settings() throws(CLIError) -> ClientSettings {
        let environment = ProcessInfo.processInfo.environment
        let path = Self.profilePath(environment)
        var file: FlatTOML?
        if let data = FileManager.default.contents(atPath: path) {
            do { file = try FlatTOML(String(decoding: data, as: UTF8.self)) } catch {
                throw .usage("\(path): \(error)")
            }
        }
        var given = ClientSettings.Given()
        given.url = url
        given.user = user
        given.password = password
        given.token = token
        given.ca = ca
        given.pin = pin
        given.insecure = insecure
        given.profile = profile
        return try ClientSettings.resolve(given: given, environment: environment, file: file)
    }

    func client() throws(CLIError) -> APIClient { try APIClient(try settings()) }

    /// `--json` prints the payload; otherwise the human text.
    func emit(_ value: JSONValue, _ human: () -> String) {
        Output.write(json ? JSONWriter.string(value) + "\n" : human())
    }
}

enum Output {
    static func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
    static func error(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    /// A JSON value as short text for a table cell.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let s)?: s
        case .int(let i)?: String(i)
        case .double(let d)?: String(d)
        case .bool(let b)?: b ? "yes" : "no"
        case .array(let items)?: items.map { text($0) }.joined(separator: ",")
        case .object(let object)?: object.entries.map { "\($0.key)=\(text($0.value))" }.joined(separator: ",")
        case .null?, nil: "-"
        }
    }

    static func entries(_ value: JSONValue?) -> [(key: String, value: JSONValue)] {
        if case .object(let object)? = value { return object.entries }
        return []
    }

    static func items(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items)? = value { return items }
        if case .object(let object)? = value { return object.entries.map(\.value) }
        return []
    }

    /// Asks on the terminal; false unless the answer is y/yes.
    static func confirm(_ question: String) -> Bool {
        error(question + " [y/N] ")
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.lowercased())
    }

    static func readFile(_ path: String) throws(CLIError) -> [UInt8] {
        if path == "-" {
            return Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { throw .usage("cannot read \(path)") }
        return Array(data)
    }

    static func save(_ bytes: [UInt8], to path: String?) throws(CLIError) {
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw .usage("cannot write \(path)")
        }
    }
}

/// Path segments percent-encoded with no safe characters, as the SDK does.
func segment(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}
