import Foundation
import Testing
import WeftContainers

@Suite struct ImageArchiveTests {
    func layer(_ build: (inout TarBuilder) -> Void) -> [UInt8] {
        var tar = TarBuilder()
        build(&tar)
        return tar.finished
    }

    @Test func dockerArchiveGivesLayersConfigAndTag() throws {
        let one = layer { $0.add("bin/", kind: .directory, mode: 0o755); $0.file("bin/hello", "hi"); $0.add("bin/sh", kind: .symlink, link: "hello") }
        let two = layer { $0.add("bin/.wh.hello"); $0.file("etc/motd", "m") }
        let archive = try ImageArchive.read(dockerArchive(layers: [one, two], cmd: ["/bin/httpd", "-f"]), digest: fakeDigest)
        #expect(archive.format == .dockerArchive)
        #expect(archive.repoTag == "web:1.0")
        #expect(archive.config.cmd == ["/bin/httpd", "-f"])
        #expect(archive.config.env == ["A=1"])
        #expect(archive.layers.count == 2)
        #expect(archive.layers[1].plan.steps.contains(.remove(path: "bin/hello")))
        #expect(archive.id.hasPrefix("sha256:"))
    }

    @Test func ociLayoutWithNestedIndexAndGzipLayer() throws {
        let layerTar = layer { $0.file("hello.txt", "hello") }
        let gz = try gzip(layerTar)
        let config = Array("{\"config\":{\"Entrypoint\":[\"/hello\"]}}".utf8)
        func digest(_ b: [UInt8]) -> String { "sha256:" + fakeDigest(b) }
        let manifest = Array("{\"config\":{\"digest\":\"\(digest(config))\"},\"layers\":[{\"digest\":\"\(digest(gz))\"}]}".utf8)
        let inner = Array("{\"manifests\":[{\"digest\":\"\(digest(manifest))\"}]}".utf8)
        var outer = TarBuilder()
        outer.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
        outer.add("index.json", Array("{\"manifests\":[{\"digest\":\"\(digest(inner))\"}]}".utf8))
        for blob in [config, manifest, inner, gz] { outer.add("blobs/sha256/" + fakeDigest(blob), blob) }
        let archive = try ImageArchive.read(outer.finished, digest: fakeDigest)
        #expect(archive.format == .ociLayout)
        #expect(archive.config.entrypoint == ["/hello"])
        #expect(archive.layers.count == 1)
        guard case .file(let path, _, let range)? = archive.layers[0].plan.steps.first else { Issue.record("no file"); return }
        #expect(path == "hello.txt")
        #expect(Array(archive.layers[0].tar[range]) == Array("hello".utf8))
    }

    func refused(_ entries: (inout TarBuilder) -> Void) -> ImageArchiveError.Code? {
        do {
            _ = try ImageArchive.read(dockerArchive(layers: [layer(entries)]), digest: fakeDigest)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func hostileLayersAreRefused() {
        #expect(refused { $0.file("../etc/passwd", "x") } == .unsafePath)
        #expect(refused { $0.file("a/../../x", "x") } == .unsafePath)
        #expect(refused { $0.file("/etc/passwd", "x") } == .unsafePath)
        #expect(refused { $0.add("evil", kind: .symlink, link: "../../../etc") } == .unsafeLink)
        #expect(refused { $0.add("a/b/evil", kind: .symlink, link: "../../../x") } == .unsafeLink)
        #expect(refused { $0.add("evil", kind: .hardlink, link: "../outside") } == .unsafeLink)
        #expect(refused { $0.add("evil", kind: .hardlink, link: "/etc/shadow") } == .unsafeLink)
        #expect(refused { $0.add("dev/sda", kind: .char) } == .deviceNode)
        #expect(refused { $0.add("bin/.wh..", kind: .file) } == .unsafePath)
        // Inside the root: fine.
        #expect(refused { $0.add("a/b/ok", kind: .symlink, link: "../../x"); $0.add("abs", kind: .symlink, link: "/bin/busybox") } == nil)
    }

    @Test func truncatedOversizedAndUnknownAreRefused() throws {
        let good = dockerArchive(layers: [layer { $0.file("x", String(repeating: "a", count: 3000)) }])
        for cut in [600, 1500, good.count / 2, good.count - 1100] {
            #expect(throws: ImageArchiveError.self) { try ImageArchive.read(Array(good.prefix(cut)), digest: fakeDigest) }
        }
        #expect(throws: ImageArchiveError(.tooLarge, "")) { try ImageArchive.read(good, limit: 2048, digest: fakeDigest) }
        #expect(throws: ImageArchiveError(.unknownFormat, "")) { try ImageArchive.read([UInt8](repeating: 0x41, count: 4096), digest: fakeDigest) }
        var other = TarBuilder()
        other.file("README", "not an image")
        #expect(throws: ImageArchiveError(.unknownFormat, "")) { try ImageArchive.read(other.finished, digest: fakeDigest) }
        // A gzip bomb stops at the cap.
        let bomb = try gzip([UInt8](repeating: 0, count: 8 << 20))
        #expect(throws: ImageArchiveError(.tooLarge, "")) { try ImageArchive.read(bomb, limit: 1 << 20, digest: fakeDigest) }
    }

    @Test func corruptHeaderChecksumIsRefused() {
        var archive = dockerArchive(layers: [layer { $0.file("x", "y") }])
        archive[10] ^= 0x55
        #expect(throws: ImageArchiveError.self) { try ImageArchive.read(archive, digest: fakeDigest) }
    }

    @Test func writerNeverFollowsASymlinkOutOfTheRoot() throws {
        let base = FileManager.default.temporaryDirectory.path + "/weft-rootfs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let root = base + "/root", outside = base + "/outside"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        // An absolute symlink is fine as a link (rooted in the container) but never a way out on the host.
        let tar = layer { $0.add("escape", kind: .symlink, link: outside); $0.file("escape/pwned", "x") }
        let plan = try LayerPlan.plan(TarReader.entries(tar))
        #expect(throws: ImageArchiveError(.unsafeLink, "")) { try RootfsWriter(root: root).apply(plan, from: tar) }
        #expect(!FileManager.default.fileExists(atPath: outside + "/pwned"))
        // A normal layer lands, whiteouts remove.
        let good = layer { $0.add("bin/", kind: .directory, mode: 0o755); $0.file("bin/a", "A"); $0.add("bin/b", kind: .hardlink, link: "bin/a"); $0.file("etc/x", "X") }
        try RootfsWriter(root: root).apply(try LayerPlan.plan(TarReader.entries(good)), from: good)
        let wipe = layer { $0.add("etc/.wh.x") }
        try RootfsWriter(root: root).apply(try LayerPlan.plan(TarReader.entries(wipe)), from: wipe)
        #expect(FileManager.default.contents(atPath: root + "/bin/b") == Data("A".utf8))
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/x"))
    }

    func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let input = FileManager.default.temporaryDirectory.path + "/weft-gz-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: input, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: input); try? FileManager.default.removeItem(atPath: input + ".gz") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", input]
        try process.run()
        process.waitUntilExit()
        return Array(FileManager.default.contents(atPath: input + ".gz")!)
    }
}
