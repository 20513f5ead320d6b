import Foundation
import Synchronization
import WeftModel
import WeftStore
import WeftSystem

/// `GET|PUT /api/plugin-instances/{id}/users`, `DELETE …/users/{username}`: login accounts
/// inside a running instance, for its SSH server (`ssh` preset). Each is a real account in
/// the container's `/etc/passwd`, `/etc/shadow` (a SHA-512 crypt hash, never the password)
/// and `/etc/group`, with `~/.ssh/authorized_keys` for its public key, all written through
/// `/proc/PID/root` without following links. Only accounts made here are listed, changed or
/// removed; the image's own accounts (root, daemons) are refused.
extension Controller {
    public static let pluginUserFields: Set<String> = ["username", "password", "public_key", "require_public_key"]

    /// One account as the API shows it.
    public struct PluginUser: Sendable, Equatable {
        public var username: String
        public var uid: Int
        public var hasPassword: Bool
        public var publicKey: String?
        public var requirePublicKey: Bool
    }

    /// Read-modify-write of the account files is one at a time (per controller process).
    static let accountFilesLock = Mutex(())

    static func accountFiles(_ root: String) throws -> ContainerAccounts.Files {
        func text(_ path: String) throws -> String {
            do { return String(decoding: try RootedFiles.read(root: root, path, limit: 4 << 20) ?? [], as: UTF8.self) } catch {
                throw ValidationError(.argument, name: "PluginUserError", "Cannot read \(path) in the plugin: \(error)")
            }
        }
        return .init(passwd: try text("/etc/passwd"), shadow: try text("/etc/shadow"), group: try text("/etc/group"))
    }

    static func writeAccountFiles(_ root: String, _ files: ContainerAccounts.Files, before: ContainerAccounts.Files) throws {
        let plan: [(String, String, String, mode_t)] = [("/etc/passwd", files.passwd, before.passwd, 0o644),
                                                       ("/etc/group", files.group, before.group, 0o644),
                                                       ("/etc/shadow", files.shadow, before.shadow, 0o640)]
        var written: [(String, String, mode_t)] = []
        do {
            for (path, text, old, mode) in plan where text != old {
                try RootedFiles.write(root: root, path, Array(text.utf8), mode: mode)
                written.append((path, old, mode))
            }
        } catch {
            for (path, old, mode) in written { try? RootedFiles.write(root: root, path, Array(old.utf8), mode: mode) }
            throw ValidationError(.argument, name: "PluginUserError", "Cannot write the plugin's account files: \(error)")
        }
    }

    func users(root: String, _ files: ContainerAccounts.Files) -> [PluginUser] {
        ContainerAccounts.managed(files).map { account in
            let key = (try? RootedFiles.read(root: root, account.home + "/.ssh/authorized_keys", limit: 64 << 10))
                .flatMap { $0 }.map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
            return PluginUser(username: account.username, uid: account.uid, hasPassword: account.hasPassword,
                              publicKey: key.flatMap { $0.isEmpty ? nil : $0 }, requirePublicKey: account.keyOnly)
        }
    }

    public func pluginUsers(_ id: Int) async throws -> [PluginUser] {
        let (_, _, _, root) = try await runningInstance(id)
        return users(root: root, try Self.accountFiles(root))
    }

    /// `PUT …/users {username*, password, public_key, require_public_key}`: creates the
    /// account or updates Weft's account of that name. A new account needs a password or a
    /// key; `require_public_key` needs a key and turns password login off.
    public func putPluginUser(_ id: Int, _ fields: InputFields, actor: String?) async throws -> PluginUser {
        let username = try fields.string("username", required: true)!
        try ContainerAccounts.validateUsername(username)
        let password = try fields.string("password")
        if let password { try ContainerAccounts.validatePassword(password) }
        let key = try fields.string("public_key").map(ContainerAccounts.validatePublicKey)
        let keyOnly = try fields.bool("require_public_key") ?? false
        if keyOnly && password != nil {
            throw ValidationError(field: "password", "password cannot be set with require_public_key: the account logs in with its key only")
        }
        let (record, _, _, root) = try await runningInstance(id)
        let shell = ["/bin/bash", "/bin/sh"].first { (try? RootedFiles.read(root: root, $0, limit: 1)) != nil } ?? "/bin/sh"
        let hash = password.map { ShaCrypt.hash($0) }
        let today = Int(Date().timeIntervalSince1970 / 86_400)
        let account: ContainerAccounts.Account = try Self.accountFilesLock.withLock { _ in
            let before = try Self.accountFiles(root)
            let existing = ContainerAccounts.managed(before).first { $0.username == username }
            let hadKey = existing != nil && users(root: root, before).first(where: { $0.username == username })?.publicKey != nil
            if keyOnly && key == nil && !hadKey {
                throw ValidationError(field: "public_key", "require_public_key needs a public_key")
            }
            if existing == nil && password == nil && key == nil {
                throw ValidationError(field: "password", "A new user needs a password or a public_key")
            }
            let (files, account) = try ContainerAccounts.upsert(before, username: username, passwordHash: hash, keyOnly: keyOnly,
                                                                shell: shell, today: today)
            try Self.writeAccountFiles(root, files, before: before)
            do {
                let uid = uid_t(account.uid), gid = gid_t(account.gid)
                try RootedFiles.makeDirectory(root: root, "/home", mode: 0o755, uid: 0, gid: 0)
                try RootedFiles.makeDirectory(root: root, account.home, mode: 0o750, uid: uid, gid: gid)
                if let key {
                    try RootedFiles.makeDirectory(root: root, account.home + "/.ssh", mode: 0o700, uid: uid, gid: gid)
                    try RootedFiles.write(root: root, account.home + "/.ssh/authorized_keys", Array((key + "\n").utf8), mode: 0o600, uid: uid, gid: gid)
                }
            } catch {
                if existing == nil { try? Self.writeAccountFiles(root, before, before: files) }
                throw ValidationError(.argument, name: "PluginUserError", "Cannot set up the home of \(username): \(error)")
            }
            return account
        }
        try commit(actor, "plugin_instances.users.put",
                   detail: "\(record.name) \(username)\(hash != nil ? " password" : "")\(key != nil ? " public_key" : "")\(keyOnly ? " key only" : "")") { _ in }
        return try await pluginUsers(id).first { $0.username == account.username }
            ?? PluginUser(username: account.username, uid: account.uid, hasPassword: account.hasPassword, publicKey: key, requirePublicKey: keyOnly)
    }

    /// `DELETE …/users/{username}`: the account, its group and its key go; the rest of its home stays.
    public func deletePluginUser(_ id: Int, username: String, actor: String?) async throws -> [PluginUser] {
        try ContainerAccounts.validateUsername(username)
        let (record, _, _, root) = try await runningInstance(id)
        try Self.accountFilesLock.withLock { _ in
            let before = try Self.accountFiles(root)
            let (files, account) = try ContainerAccounts.remove(before, username: username)
            try Self.writeAccountFiles(root, files, before: before)
            try? RootedFiles.remove(root: root, account.home + "/.ssh/authorized_keys")
            try? RootedFiles.remove(root: root, account.home + "/.ssh", directory: true)
            try? RootedFiles.remove(root: root, account.home, directory: true)
        }
        try commit(actor, "plugin_instances.users.delete", detail: "\(record.name) \(username)") { _ in }
        return try await pluginUsers(id)
    }
}
