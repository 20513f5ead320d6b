import Foundation
import Testing
@testable import WeftContainers

/// Paths in an image's root resolved as the container sees them: links followed inside the
/// root (absolute targets restart at the root, `..` stops at it), never out of it.
@Suite struct RootPathTests {
    @Test func linksResolveInsideTheRoot() throws {
        let root = NSTemporaryDirectory() + "rootpath-" + UUID().uuidString
        let files = FileManager.default
        try files.createDirectory(atPath: root + "/usr/bin", withIntermediateDirectories: true)
        try files.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        defer { try? files.removeItem(atPath: root) }
        try files.createSymbolicLink(atPath: root + "/bin", withDestinationPath: "usr/bin")
        try files.createSymbolicLink(atPath: root + "/escape", withDestinationPath: "/etc")
        try files.createSymbolicLink(atPath: root + "/up", withDestinationPath: "../../../..")
        try files.createSymbolicLink(atPath: root + "/loop", withDestinationPath: "loop")
        files.createFile(atPath: root + "/etc/file", contents: Data())
        #expect(try RootPath.resolve(root: root, "/bin/sh", create: false) == root + "/usr/bin/sh")
        #expect(try RootPath.resolve(root: root, "/escape/passwd", create: false) == root + "/etc/passwd")
        #expect(try RootPath.resolve(root: root, "/up/etc", create: false) == root + "/etc")
        #expect(try RootPath.resolve(root: root, "/../../x", create: false) == root + "/x")
        #expect(try RootPath.resolve(root: root, "/escape/new/dir", create: true) == root + "/etc/new/dir")
        #expect(files.fileExists(atPath: root + "/etc/new/dir"))
        #expect(throws: ImageArchiveError(.unsafeLink, "")) { try RootPath.resolve(root: root, "/loop/x", create: false) }
        #expect(throws: ImageArchiveError(.unsafeLink, "")) { try RootPath.resolve(root: root, "/etc/file/x", create: true) }
    }
}
