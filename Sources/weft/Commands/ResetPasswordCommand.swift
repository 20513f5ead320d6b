import ArgumentParser
import Foundation
import WeftCLI
import WeftStore

/// `weft reset-password --data-dir DIR`: local recovery, as root on the controller's machine,
/// when the API or UI password is lost (they are shown only once). Writes a new hash into
/// the store directly: the new password works at once (a login the daemon has not seen is
/// checked against the store); the old one, if the daemon has verified it before, keeps
/// working until the daemon restarts (it caches verified credentials in memory).
struct ResetPasswordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-password", abstract: "Set a new API or UI password in a controller's store (local, as root).")

    enum Account: String, ExpressibleByArgument, CaseIterable {
        case api, admin
    }

    @Option(help: "The controller's data directory.") var dataDir = "/var/lib/weft"
    @Option(help: "Which account: api (the API user) or admin (the web UI user).") var account: Account = .api
    @Option(help: "Read the new password from the first line of this file (- for standard input); default: generate one and print it.")
    var passwordFile: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let path = dataDir + "/weft.db"
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError(.usage, "\(path): no controller store there (is --data-dir right?)")
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw CLIError(.refused, "\(path): not writable (run as root on the controller's machine)")
        }
        var password: String
        var generated = false
        if let passwordFile {
            let bytes = try Output.readFile(passwordFile)
            guard let line = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).first, !line.isEmpty else {
                throw CLIError(.usage, "\(passwordFile): the first line holds no password")
            }
            password = String(line)
        } else {
            password = PasswordHash.generatePassword()
            generated = true
        }
        guard password.count >= 8 else { throw CLIError(.usage, "the password must have at least 8 characters") }
        let store = try Store(path: path)
        let role: AccountRole = account == .api ? .api : .ui
        let username = try store.account(role: role)?.username ?? (account == .api ? "api" : "vnscubed")
        let hash = try PasswordHash(password: password)
        try store.write(actor: "root@localhost", action: "credentials.reset.\(account.rawValue)") { db in
            try Store.setAccount(role: role, username: username, hash: hash, in: db)
        }
        if json {
            var out = "{\"account\":\"\(account.rawValue)\",\"username\":\"\(username)\""
            if generated { out += ",\"password\":\"\(password)\"" }
            Output.write(out + "}\n")
        } else if generated {
            Output.write("\(account.rawValue) user \(username): new password \(password)\n  (shown once; only its hash is stored)\n")
        } else {
            Output.write("\(account.rawValue) user \(username): password set\n")
        }
        if !json { Output.write("  restart the daemon (systemctl restart weft) so that the old password stops working\n") }
    }
}
