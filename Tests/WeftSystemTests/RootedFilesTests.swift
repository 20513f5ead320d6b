import Foundation
import Testing
@testable import WeftSystem

/// Files inside another root: read and replaced without following a link out of it.
@Suite final class RootedFilesTests {
    let base = NSTemporaryDirectory() + "rooted-\(UUID().uuidString.prefix(8))"
    let root: String
    let outside: String

    deinit { try? FileManager.default.removeItem(atPath: base) }

    init() throws {
        root = base + "/root"
        outside = base + "/outside"
        try FileManager.default.createDirectory(atPath: root + "/etc/app", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try "secret\n".write(toFile: outside + "/secret", atomically: true, encoding: .utf8)
        try "a=1\n".write(toFile: root + "/etc/app/app.conf", atomically: true, encoding: .utf8)
        chmod(root + "/etc/app/app.conf", 0o640)
    }

    func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    @Test func readsAndReplacesAFileKeepingItsMode() throws {
        #expect(try RootedFiles.read(root: root, "/etc/app/app.conf") == Array("a=1\n".utf8))
        try RootedFiles.write(root: root, "/etc/app/app.conf", Array("a=2\n".utf8))
        #expect(text(root + "/etc/app/app.conf") == "a=2\n")
        let mode = (try FileManager.default.attributesOfItem(atPath: root + "/etc/app/app.conf")[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o640)
        // No temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/etc/app") == ["app.conf"])
        #expect(try RootedFiles.read(root: root, "/etc/app/missing") == nil)
    }

    @Test func aLinkInsideTheRootIsNeverFollowed() throws {
        // The file itself a link to a file outside the root.
        try FileManager.default.createSymbolicLink(atPath: root + "/etc/link.conf", withDestinationPath: outside + "/secret")
        #expect(throws: RootedFiles.Failure.self) { _ = try RootedFiles.read(root: root, "/etc/link.conf") }
        #expect(throws: RootedFiles.Failure.self) { try RootedFiles.write(root: root, "/etc/link.conf", Array("pwned".utf8)) }
        // A directory on the way a link to a directory outside.
        try FileManager.default.createSymbolicLink(atPath: root + "/var", withDestinationPath: outside)
        #expect(throws: RootedFiles.Failure.self) { _ = try RootedFiles.read(root: root, "/var/secret") }
        #expect(throws: RootedFiles.Failure.self) { try RootedFiles.write(root: root, "/var/secret", Array("pwned".utf8)) }
        #expect(text(outside + "/secret") == "secret\n")
    }

    @Test(arguments: ["etc/app/app.conf", "/etc/../etc/app/app.conf", "/etc/./app/app.conf", "/", ""])
    func pathsMustBeAbsoluteAndPlain(path: String) {
        #expect(throws: RootedFiles.Failure.badPath(path)) { _ = try RootedFiles.read(root: root, path) }
    }
}
