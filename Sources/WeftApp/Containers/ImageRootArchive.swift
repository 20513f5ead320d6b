import Foundation
import WeftContainers
import WeftModel
import WeftSystem

/// A stored image's root file system as a one-layer docker-archive (a plugin's export):
/// the unpacked `images/<id>/rootfs`, written by GNU tar, with the image's own config.
extension ContainerSystem {
    public func archive(ofImage image: ContainerImage, repoTag: String, limit: Int) async throws -> (id: String, bytes: [UInt8]) {
        let root = paths.imageRoot(image.id)
        let files = FileManager.default
        guard files.fileExists(atPath: root) else { throw ValidationError(.state, "image \(image.id) has no files on this controller") }
        let work = paths.base + "/tmp/archive-" + UUID().uuidString.lowercased()
        try files.createDirectory(atPath: work + "/out", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? files.removeItem(atPath: work) }
        let layer = work + "/layer.tar"
        try await runner.check(["tar", "--create", "--numeric-owner", "--one-file-system", "--file", layer, "--directory", root, "."])
        let size = (try? files.attributesOfItem(atPath: layer)[.size] as? Int) ?? 0
        guard size <= limit else { throw ValidationError(.argument, "image \(image.name) is \(size >> 20) MiB, over the image limit of \(limit >> 20) MiB") }
        let layerBytes = Array(try Data(contentsOf: URL(fileURLWithPath: layer)))
        let digest = Self.sha256(layerBytes)
        let (id, metadata) = DockerArchiveLayout.metadata(config: image.config, layerDigest: digest, repoTag: repoTag,
                                                          created: Timestamps.iso8601(Int(Date().timeIntervalSince1970)), sha256: Self.sha256)
        try files.createDirectory(atPath: work + "/out/" + digest, withIntermediateDirectories: true)
        try files.moveItem(atPath: layer, toPath: work + "/out/" + digest + "/layer.tar")
        for entry in metadata { try Data(entry.bytes).write(to: URL(fileURLWithPath: work + "/out/" + entry.path)) }
        let archive = work + "/image.tar"
        try await runner.check(["tar", "--create", "--numeric-owner", "--file", archive, "--directory", work + "/out", "."])
        return (id, Array(try Data(contentsOf: URL(fileURLWithPath: archive))))
    }

    /// Where the exports of plugins and plugin instances are kept (0700; files 0600).
    public func pluginExportDirectory(_ owner: String) -> String { paths.base + "/plugin-exports/" + owner }
}
