import Crypto
import Foundation
import WeftContainers
import WeftModel
import WeftSystem

/// A container's file system as a one-layer docker-archive, for commit (imported again as a
/// new image through the same reader as an upload) and export. The layer is the container's
/// root as its processes see it (`/proc/PID/root` of a running container: the image with the
/// container's changes), written by GNU tar without crossing into /proc, /sys or /dev.
extension ContainerSystem {
    public func archive(of spec: ContainerSpec, image: ContainerImage, repoTag: String, limit: Int) async throws -> (id: String, bytes: [UInt8]) {
        let root: String
        if let pid = await runtime.runningPID(id: spec.id) {
            root = "/proc/\(pid)/root"
        } else if !overlay, FileManager.default.fileExists(atPath: paths.bundle(spec.id) + "/rootfs/.weft-copied") {
            root = paths.bundle(spec.id) + "/rootfs"
        } else {
            throw ValidationError(.state, field: "uuid", "container \(spec.name) is not running: start it to commit or export its file system")
        }
        let work = paths.base + "/tmp/archive-" + UUID().uuidString.lowercased()
        let files = FileManager.default
        try files.createDirectory(atPath: work + "/out", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? files.removeItem(atPath: work) }
        // Exit 1 is GNU tar's "a file changed as it was read" (a running container writes).
        let layer = work + "/layer.tar"
        let tar = try await runner.run(["tar", "--create", "--numeric-owner", "--one-file-system", "--exclude=./.weft-copied",
                                        "--file", layer, "--directory", root, "."], stdin: nil)
        guard tar.status == 0 || tar.status == 1 else {
            throw ValidationError(.unavailable, "tar of container \(spec.name) failed: \(tar.stderr.prefix(300))")
        }
        let size = (try? files.attributesOfItem(atPath: layer)[.size] as? Int) ?? 0
        guard size <= limit else {
            throw ValidationError(.argument, field: "uuid", "container \(spec.name)'s file system is \(size >> 20) MiB, over the image limit of \(limit >> 20) MiB")
        }
        let layerBytes = Array(try Data(contentsOf: URL(fileURLWithPath: layer)))
        let digest = Self.sha256(layerBytes)
        let config = DockerArchiveLayout.committedConfig(image.config, command: spec.command)
        let (id, metadata) = DockerArchiveLayout.metadata(config: config, layerDigest: digest, repoTag: repoTag,
                                                          created: Timestamps.iso8601(Int(Date().timeIntervalSince1970)), sha256: Self.sha256)
        try files.createDirectory(atPath: work + "/out/" + digest, withIntermediateDirectories: true)
        try files.moveItem(atPath: layer, toPath: work + "/out/" + digest + "/layer.tar")
        for entry in metadata { try Data(entry.bytes).write(to: URL(fileURLWithPath: work + "/out/" + entry.path)) }
        let archive = work + "/image.tar"
        try await runner.check(["tar", "--create", "--numeric-owner", "--file", archive, "--directory", work + "/out", "."])
        return (id, Array(try Data(contentsOf: URL(fileURLWithPath: archive))))
    }

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    /// Where exports are kept (`DATA/containers/exports/NAME.tar`, 0600).
    public func exportPath(_ name: String) -> String { paths.base + "/exports/" + name + ".tar" }

    /// Waits for one import to finish.
    public func waitForImport(_ importID: String) async {
        if let task = imports.withLock({ $0[importID] }) { await task.value }
    }
}
