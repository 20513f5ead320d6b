import Testing
import WeftModel

@Suite struct ContainerAccountsTests {
    static let image = ContainerAccounts.Files(
        passwd: "root:x:0:0:root:/root:/bin/sh\nwww:x:1000:1000:web:/var/www:/bin/false\n",
        shadow: "root:*:19000:0:99999:7:::\n",
        group: "root:x:0:\nwww:x:1000:\n")
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJgJ4EYSgUc+DTE7EqQDUNJt6k2uB04hX1uUBKYSTd3x test@weft"

    @Test func anAccountIsAddedWithAFreeUIDItsGroupAndShadowLine() throws {
        let (files, account) = try ContainerAccounts.upsert(Self.image, username: "alice", passwordHash: "$6$s$h", keyOnly: false, shell: "/bin/sh", today: 20000)
        #expect(account.uid == 1001 && account.gid == 1001 && account.home == "/home/alice")
        #expect(files.passwd.hasSuffix("alice:x:1001:1001:weft plugin user:/home/alice:/bin/sh\n"))
        #expect(files.shadow.hasSuffix("alice:$6$s$h:20000:0:99999:7:::\n"))
        #expect(files.group.hasSuffix("alice:x:1001:\n"))
        #expect(ContainerAccounts.managed(files).map(\.username) == ["alice"])
        #expect(ContainerAccounts.managed(files)[0].hasPassword)
    }

    @Test func anUpdateKeepsTheUIDAndAKeyOnlyAccountHasNoPassword() throws {
        let (first, _) = try ContainerAccounts.upsert(Self.image, username: "alice", passwordHash: "$6$s$h", keyOnly: false, shell: "/bin/sh", today: 1)
        let (kept, same) = try ContainerAccounts.upsert(first, username: "alice", passwordHash: nil, keyOnly: false, shell: "/bin/sh", today: 2)
        #expect(same.uid == 1001 && same.passwordHash == "$6$s$h")
        #expect(ContainerAccounts.managed(kept).count == 1)
        let (keyOnly, locked) = try ContainerAccounts.upsert(kept, username: "alice", passwordHash: nil, keyOnly: true, shell: "/bin/sh", today: 3)
        #expect(locked.passwordHash == "*" && !locked.hasPassword && locked.keyOnly)
        #expect(ContainerAccounts.managed(keyOnly)[0].keyOnly)
        #expect(keyOnly.passwd.contains("alice:x:1001:1001:weft plugin user,key only:"))
    }

    @Test func theImagesOwnAccountsAreNeverChangedOrRemoved() throws {
        #expect(throws: ValidationError.self) {
            _ = try ContainerAccounts.upsert(Self.image, username: "root", passwordHash: "$6$s$h", keyOnly: false, shell: "/bin/sh", today: 1)
        }
        #expect(throws: ValidationError.self) { _ = try ContainerAccounts.remove(Self.image, username: "www") }
        #expect(throws: ValidationError.self) { _ = try ContainerAccounts.remove(Self.image, username: "nobody") }
    }

    @Test func removingTakesThePasswdShadowAndGroupLines() throws {
        let (added, _) = try ContainerAccounts.upsert(Self.image, username: "bob", passwordHash: nil, keyOnly: false, shell: "/bin/sh", today: 1)
        let (removed, account) = try ContainerAccounts.remove(added, username: "bob")
        #expect(account.uid == 1001)
        #expect(removed == Self.image)
    }

    @Test func usernamesFollowDebiansRule() throws {
        for good in ["alice", "_svc", "a-b_9", String(repeating: "a", count: 32)] { try ContainerAccounts.validateUsername(good) }
        for bad in ["", "Alice", "9lives", "a:b", "a b", "../x", String(repeating: "a", count: 33), "ä"] {
            #expect(throws: ValidationError.self) { try ContainerAccounts.validateUsername(bad) }
        }
    }

    @Test func publicKeysMustBeOneOpenSSHLineOfTheirType() throws {
        #expect(try ContainerAccounts.validatePublicKey("  \(Self.key)\n") == Self.key)
        let rsaHeaderWithEd25519Type = "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJgJ4EYSgUc+DTE7EqQDUNJt6k2uB04hX1uUBKYSTd3x"
        for bad in ["", "ssh-ed25519", "ssh-dss AAAAB3NzaC1kc3M=", "ssh-ed25519 not-base64!", rsaHeaderWithEd25519Type,
                    Self.key + "\n" + Self.key, "command=\"sh\" " + Self.key] {
            #expect(throws: ValidationError.self) { _ = try ContainerAccounts.validatePublicKey(bad) }
        }
    }
}
