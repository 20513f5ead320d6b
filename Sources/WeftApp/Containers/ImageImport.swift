import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import WeftContainers
import WeftModel
import WeftStore

/// Importing an image in the background: read and check the archive (pure), unpack its
/// layers into a fresh directory, rename it into place, then mark the image Ready (or
/// Failed with the reason; a failed import leaves no files).
extension ContainerSystem {
    public enum ImageSource: Sendable {
        case upload([UInt8])
        case url(String)
        /// A checked Dockerfile build (`buildfile`, `localbuild`).
        case build(ImageBuild)
        /// A Dockerfile or build context to download, then check and build (`buildurl`).
        case buildURL(String, repoTag: String)
    }

    /// Starts the import of image record `importID`.
    public func beginImport(importID: String, source: ImageSource, limit: Int) {
        let task = Task { [self] in
            await self.runImport(importID: importID, source: source, limit: limit)
            _ = imports.withLock { $0.removeValue(forKey: importID) }
        }
        imports.withLock { $0[importID] = task }
    }

    /// Waits for every running import (tests, benchmarks).
    public func waitForImports() async {
        for task in imports.withLock({ Array($0.values) }) { await task.value }
    }

    func runImport(importID: String, source: ImageSource, limit: Int) async {
        let outcome: Result<ImageArchive, any Error>
        var size = 0
        do {
            let bytes: [UInt8]
            switch source {
            case .upload(let data): bytes = data
            case .url(let url): bytes = try await Self.download(url, limit: limit)
            case .build(let build): bytes = try await runBuild(build, limit: limit)
            case .buildURL(let url, let repoTag):
                let context = try BuildContext.read(try await Self.download(url, limit: limit), limit: limit)
                bytes = try await runBuild(try ImageBuild.prepare(context, images: config.images, repoTag: repoTag), limit: limit)
            }
            size = bytes.count
            let archive = try ImageArchive.read(bytes, limit: limit) { SHA256.hash(data: $0).map { String(format: "%02x", $0) }.joined() }
            try unpack(archive)
            outcome = .success(archive)
        } catch {
            outcome = .failure(error)
        }
        do {
            try store.write(actor: "system", action: "container_system.images.import", detail: importID) { db in
                var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
                guard let index = config.images.firstIndex(where: { $0.importID == importID }) else { return }
                switch outcome {
                case .success(let archive):
                    // The same image imported again keeps its own record (and import id) on the same files.
                    let at = index
                    config.images[at].id = archive.id
                    config.images[at].status = .ready
                    config.images[at].statusMessage = "Image ready"
                    config.images[at].format = archive.format.rawValue
                    config.images[at].config = archive.config
                    config.images[at].size = size
                    if config.images[at].tag.isEmpty, let tag = archive.repoTag?.split(separator: ":").last { config.images[at].tag = String(tag) }
                case .failure(let error):
                    config.images[index].status = .failed
                    switch source {
                    case .build, .buildURL: config.images[index].statusMessage = "Build failed: \(error)"
                    default: config.images[index].statusMessage = "Import failed: \(error)"
                    }
                }
                try Store.set(.containerSystem, config, in: db)
            }
        } catch {
            logger.error("image import not recorded", metadata: ["image.import": "\(importID)", "image.error": "\(error)"])
        }
        if case .failure(let error) = outcome {
            logger.warning("image import refused", metadata: ["image.import": "\(importID)", "image.error": "\(error)"])
        }
    }

    /// Unpacks every layer into images/<id>.partial, then renames it to images/<id>.
    func unpack(_ archive: ImageArchive) throws {
        let files = FileManager.default
        let final = paths.imageRoot(archive.id)
        if files.fileExists(atPath: final) { return }
        let directory = (final as NSString).deletingLastPathComponent
        let partial = directory + ".partial-\(UUID().uuidString.prefix(8))"
        try files.createDirectory(atPath: partial + "/rootfs", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        do {
            let writer = RootfsWriter(root: partial + "/rootfs")
            for layer in archive.layers { try writer.apply(layer.plan, from: layer.tar) }
            chmod(partial + "/rootfs", 0o755)
            try? files.removeItem(atPath: directory)
            try files.moveItem(atPath: partial, toPath: directory)
        } catch {
            try? files.removeItem(atPath: partial)
            throw error
        }
    }

    public func removeImageFiles(_ id: String) {
        let directory = (paths.imageRoot(id) as NSString).deletingLastPathComponent
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func download(_ url: String, limit: Int) async throws -> [UInt8] {
        let request = HTTPClientRequest(url: url)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        guard response.status.code == 200 else { throw ImageArchiveError(.missingEntry, "GET \(url) answered \(response.status.code)") }
        do {
            var buffer = try await response.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw ImageArchiveError(.tooLarge, "the image at \(url) is larger than \(limit) bytes")
        }
    }
}
