import Foundation

/// The login accounts Weft keeps in a plugin container (`PUT /api/plugin-instances/{id}/users`):
/// lines of its `/etc/passwd`, `/etc/shadow` and `/etc/group`, edited as text. An account
/// Weft made carries `weft plugin user` in its GECOS field; any other account of the image
/// (root, daemons) is never changed or removed through the API.
public enum ContainerAccounts {
    public static let marker = "weft plugin user"
    public static let keyOnlyMarker = "key only"
    public static let firstUID = 1000

    /// One Weft-managed account as the files have it.
    public struct Account: Sendable, Equatable {
        public var username: String
        public var uid: Int
        public var gid: Int
        public var home: String
        /// The shadow field: `$6$…`, or `*` (no password login).
        public var passwordHash: String
        public var keyOnly: Bool
        public var hasPassword: Bool { passwordHash.hasPrefix("$") }
    }

    public struct Files: Sendable, Equatable {
        public var passwd: String
        public var shadow: String
        public var group: String
        public init(passwd: String, shadow: String, group: String) {
            self.passwd = passwd
            self.shadow = shadow
            self.group = group
        }
    }

    // MARK: Validation

    /// Debian's `NAME_REGEX` rule: a lower-case letter or `_`, then letters, digits, `_`, `-`; at most 32.
    public static func validateUsername(_ name: String) throws {
        let bytes = Array(name.utf8)
        func lower(_ b: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) }
        func digit(_ b: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) }
        guard let first = bytes.first, bytes.count <= 32, lower(first) || first == UInt8(ascii: "_"),
              bytes.allSatisfy({ lower($0) || digit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else {
            throw ValidationError(field: "username", "username \(name.prefix(40).debugDescription) is invalid: 1-32 characters, a lower-case letter or _ first, then lower-case letters, digits, _ or -")
        }
    }

    public static let keyTypes = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                                  "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"]

    /// An OpenSSH public key line `TYPE BASE64 [comment]`: a known type whose base64 blob
    /// names the same type. Returns the line trimmed.
    public static func validatePublicKey(_ text: String) throws -> String {
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        func refuse(_ why: String) -> ValidationError {
            ValidationError(field: "public_key", "public_key is not an OpenSSH public key (\(why)); expected one line \"ssh-ed25519 AAAA... comment\"")
        }
        guard !line.contains("\n"), !line.contains("\r"), !line.contains("\0") else { throw refuse("more than one line") }
        guard line.utf8.count <= 16 << 10 else { throw refuse("longer than 16 KiB") }
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2 else { throw refuse("no key data") }
        let type = String(parts[0])
        guard keyTypes.contains(type) else { throw refuse("unknown key type \(type.prefix(40))") }
        guard let blob = Data(base64Encoded: String(parts[1])), blob.count >= 4 else { throw refuse("the key data is not base64") }
        let bytes = Array(blob)
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard length == type.utf8.count, bytes.count > 4 + length, Array(bytes[4..<(4 + length)]) == Array(type.utf8) else {
            throw refuse("the key data is not a \(type) key")
        }
        return line
    }

    /// A password for the shadow file: 1-256 characters, no control characters.
    public static func validatePassword(_ password: String) throws {
        guard !password.isEmpty, password.count <= 256, !password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw ValidationError(field: "password", "password must be 1-256 characters without control characters")
        }
    }

    // MARK: The files

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    static func joined(_ lines: [String]) -> String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }

    static func fields(_ line: String) -> [String] { line.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }

    /// Every account named in passwd, Weft's or not.
    public static func names(_ files: Files) -> Set<String> { Set(lines(files.passwd).compactMap { fields($0).first }) }

    /// The accounts Weft made.
    public static func managed(_ files: Files) -> [Account] {
        let shadow = Dictionary(lines(files.shadow).map { (fields($0)[0], fields($0)) }, uniquingKeysWith: { a, _ in a })
        return lines(files.passwd).compactMap { line in
            let f = fields(line)
            guard f.count >= 7, f[4].hasPrefix(marker), let uid = Int(f[2]), let gid = Int(f[3]) else { return nil }
            let hash = shadow[f[0]].flatMap { $0.count > 1 ? $0[1] : nil } ?? "*"
            return Account(username: f[0], uid: uid, gid: gid, home: f[5], passwordHash: hash, keyOnly: f[4].contains(keyOnlyMarker))
        }
    }

    /// Adds the account or updates Weft's account of that name. `passwordHash` nil keeps the
    /// current one (`*` for a new account). An account of the image of that name is refused.
    public static func upsert(_ files: Files, username: String, passwordHash: String?, keyOnly: Bool, shell: String, today: Int) throws -> (Files, Account) {
        try validateUsername(username)
        var out = files
        var passwd = lines(files.passwd), shadow = lines(files.shadow), group = lines(files.group)
        let gecos = marker + (keyOnly ? ",\(keyOnlyMarker)" : "")
        var account: Account
        if var existing = managed(files).first(where: { $0.username == username }) {
            existing.keyOnly = keyOnly
            if let passwordHash { existing.passwordHash = passwordHash }
            account = existing
            passwd = passwd.map { line in
                var f = fields(line)
                guard f.first == username, f.count >= 7 else { return line }
                f[4] = gecos
                return f.joined(separator: ":")
            }
        } else {
            guard !names(files).contains(username) else {
                throw ValidationError(.conflict, field: "username", "User \(username) is an account of the plugin's image, not one made through this API; it cannot be changed here")
            }
            let usedUIDs = Set(passwd.compactMap { Int(fields($0).dropFirst(2).first ?? "") })
            let usedGIDs = Set(group.compactMap { Int(fields($0).dropFirst(2).first ?? "") })
            var uid = firstUID
            while usedUIDs.contains(uid) || usedGIDs.contains(uid) { uid += 1 }
            account = Account(username: username, uid: uid, gid: uid, home: "/home/\(username)", passwordHash: passwordHash ?? "*", keyOnly: keyOnly)
            passwd.append("\(username):x:\(uid):\(uid):\(gecos):/home/\(username):\(shell)")
            if !group.contains(where: { fields($0).first == username }) { group.append("\(username):x:\(uid):") }
        }
        if keyOnly { account.passwordHash = "*" }
        let entry = "\(username):\(account.passwordHash):\(today):0:99999:7:::"
        if let index = shadow.firstIndex(where: { fields($0).first == username }) { shadow[index] = entry } else { shadow.append(entry) }
        out.passwd = joined(passwd)
        out.shadow = joined(shadow)
        out.group = joined(group)
        return (out, account)
    }

    /// Removes Weft's account (and its own group); an unknown name or an image's account is refused.
    public static func remove(_ files: Files, username: String) throws -> (Files, Account) {
        guard let account = managed(files).first(where: { $0.username == username }) else {
            if names(files).contains(username) {
                throw ValidationError(.conflict, field: "username", "User \(username) is an account of the plugin's image, not one made through this API; it cannot be deleted here")
            }
            throw ValidationError(.notFound, field: "username", "User \(username.prefix(40)) does not exist")
        }
        var out = files
        out.passwd = joined(lines(files.passwd).filter { fields($0).first != username })
        out.shadow = joined(lines(files.shadow).filter { fields($0).first != username })
        out.group = joined(lines(files.group).filter { f in
            let parts = fields(f)
            return !(parts.first == username && parts.count > 2 && parts[2] == String(account.gid))
        })
        return (out, account)
    }
}
