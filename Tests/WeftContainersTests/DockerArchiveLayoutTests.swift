import Testing
@testable import WeftContainers

/// A committed or exported container is written as a docker-archive that Weft's own
/// reader takes back with the same id and config.
@Suite struct DockerArchiveLayoutTests {
    @Test func whatIsWrittenReadsBackWithTheSameIDAndConfig() throws {
        var layer = TarBuilder()
        layer.add("./", kind: .directory, mode: 0o755)
        layer.file("./marker", "committed\n")
        let layerBytes = layer.finished
        let config = ImageConfig(cmd: ["/bin/cat", "/marker"], env: ["PATH=/bin"], workingDir: "/", exposedPorts: ["80/tcp"])
        let layerDigest = fakeDigest(layerBytes)
        let (id, files) = DockerArchiveLayout.metadata(config: config, layerDigest: layerDigest, repoTag: "snap",
                                                       created: "2026-12-02T15:00:00Z", sha256: fakeDigest)
        var outer = TarBuilder()
        outer.add("./\(layerDigest)/", kind: .directory, mode: 0o755)
        outer.add("./\(layerDigest)/layer.tar", layerBytes)
        for file in files { outer.add("./" + file.path, file.bytes) }
        let archive = try ImageArchive.read(outer.finished, digest: fakeDigest)
        #expect(archive.id == id)
        #expect(archive.repoTag == "snap:latest")
        #expect(archive.config == config)
        #expect(archive.layers.count == 1)
    }

    @Test func aCommittedImageRunsWhatTheContainerRan() {
        let image = ImageConfig(entrypoint: ["/bin/httpd"], cmd: ["-f"])
        #expect(DockerArchiveLayout.committedConfig(image, command: nil) == image)
        #expect(DockerArchiveLayout.committedConfig(image, command: []) == image)
        let ran = DockerArchiveLayout.committedConfig(image, command: ["/bin/sh", "-c", "sleep 1"])
        #expect(ran.entrypoint.isEmpty && ran.cmd == ["/bin/sh", "-c", "sleep 1"])
    }
}
