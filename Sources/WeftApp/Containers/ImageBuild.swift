import Foundation
import WeftContainers
import WeftModel
import WeftSystem

/// A Dockerfile build on the controller: the base image's files copied into a work
/// directory (or nothing, for `scratch`), each RUN run there by crun in a build container
/// with no network (loopback only), COPY/ADD written from the checked context without
/// following a link out of the root, then the root packed as a one-layer docker-archive that
/// goes through the same reader and unpacker as an upload. A failed line fails the import
/// with its line, exit status and the tail of its output; the work directory always goes.
public struct ImageBuild: Sendable {
    public var dockerfile: Dockerfile
    public var context: BuildContext
    /// The base image's record (nil: scratch).
    public var base: ContainerImage?
    public var repoTag: String

    public init(dockerfile: Dockerfile, context: BuildContext, base: ContainerImage?, repoTag: String) {
        self.dockerfile = dockerfile
        self.context = context
        self.base = base
        self.repoTag = repoTag
    }

    /// Checks a build before anything is recorded (every line planned, every COPY source
    /// found in the context, the base image present and Ready).
    public static func prepare(_ context: BuildContext, images: [ContainerImage], repoTag: String) throws -> ImageBuild {
        let file = try Dockerfile.parse(context.dockerfile)
        let base: ContainerImage?
        switch try BuildPlan.base(of: file) {
        case .scratch: base = nil
        case .local(let reference):
            guard let image = localImage(reference, in: images) else {
                throw DockerfileError(line: file.from.line, "FROM \(reference.prefix(80)): no local image of that name, name:tag or id (import it first)")
            }
            guard image.status == .ready else { throw DockerfileError(line: file.from.line, "FROM \(reference.prefix(80)): the image is \(image.status.rawValue)") }
            base = image
        }
        let plan = try BuildPlan.make(file, baseConfig: base?.config ?? ImageConfig())
        for action in plan.actions {
            guard case .copy(let line, let sources, let destination, let extract) = action else { continue }
            for source in sources {
                if extract, let bytes = context.file(source), ArchiveKind.isTar(bytes) {
                    // ADD of a tar: every entry checked now as an image layer's would be.
                    do {
                        let tar = Gunzip.isGzip(bytes) ? try Gunzip.inflate(bytes, limit: 1 << 30) : bytes
                        _ = try LayerPlan.plan(try TarReader.entries(tar, limit: 1 << 30))
                    } catch {
                        throw DockerfileError(line: line, "ADD \(source.prefix(80)): \(error)")
                    }
                    continue
                }
                _ = try context.copy(source, to: destination, line: line)
            }
        }
        return ImageBuild(dockerfile: file, context: context, base: base, repoTag: repoTag)
    }

    /// A local image named by id, import id, `name:tag` or `name` (its `latest`, else its only tag).
    public static func localImage(_ reference: String, in images: [ContainerImage]) -> ContainerImage? {
        if let byID = images.first(where: { $0.id == reference || $0.id == "sha256:" + reference || $0.importID == reference }) { return byID }
        if let byTag = images.first(where: { $0.name + ":" + $0.tag == reference }) { return byTag }
        let named = images.filter { $0.name == reference }
        return named.first { $0.tag == "latest" || $0.tag.isEmpty } ?? (named.count == 1 ? named[0] : nil)
    }
}

/// Whether bytes are a tar archive (plain or gzip), as ADD unpacks them.
enum ArchiveKind {
    static func isTar(_ bytes: [UInt8]) -> Bool {
        if Gunzip.isGzip(bytes) { return true }
        return bytes.count >= 512 && Array(bytes[257..<262]) == Array("ustar".utf8)
    }
}

extension ContainerSystem {
    /// How long one RUN line may take.
    static let runTimeout: Duration = .seconds(900)

    /// After a crash: build directories and build containers of an earlier run go (no build runs yet).
    func removeBuildLeftovers() async {
        let tmp = paths.base + "/tmp"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] where name.hasPrefix("build-") {
            try? FileManager.default.removeItem(atPath: tmp + "/" + name)
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: paths.crunRoot)) ?? [] where name.hasPrefix("weftbuild-") {
            try? await runtime.remove(id: name, grace: .seconds(1))
        }
    }

    /// Runs `build`; returns the docker-archive of the result.
    func runBuild(_ build: ImageBuild, limit: Int) async throws -> [UInt8] {
        guard let crun = runtime as? any ForegroundContainerRuntime else {
            throw ValidationError(.notSupported, "image builds need crun (this runtime cannot run a build container)")
        }
        let files = FileManager.default
        let work = paths.base + "/tmp/build-" + UUID().uuidString.lowercased().prefix(12)
        let root = work + "/rootfs"
        try files.createDirectory(atPath: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? files.removeItem(atPath: work) }
        if let base = build.base {
            try await runner.check(["cp", "-a", "--", paths.imageRoot(base.id), root])
            try? files.removeItem(atPath: root + "/.weft-copied")
        } else {
            try files.createDirectory(atPath: root, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        }
        let plan = try BuildPlan.make(build.dockerfile, baseConfig: build.base?.config ?? ImageConfig())
        for action in plan.actions {
            switch action {
            case .makeDirectory(_, let path):
                _ = try RootPath.resolve(root: root, path, create: true)
            case .copy(let line, let sources, let named, let extract):
                // A destination that is a directory in the image (a link to one included) takes the sources inside it.
                var destination = named
                var isDirectory: ObjCBool = false
                if !named.hasSuffix("/"), let resolved = try? RootPath.resolve(root: root, named, create: false),
                   files.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue {
                    destination += "/"
                }
                for source in sources {
                    if extract, let bytes = build.context.file(source), ArchiveKind.isTar(bytes) {
                        // ADD of a local tar: unpacked at the destination, checked as an image layer.
                        do {
                            let tar = Gunzip.isGzip(bytes) ? try Gunzip.inflate(bytes, limit: limit) : bytes
                            let layer = try LayerPlan.plan(try TarReader.entries(tar, limit: limit))
                            try RootfsWriter(root: try RootPath.resolve(root: root, destination, create: true)).apply(layer, from: tar)
                        } catch {
                            throw DockerfileError(line: line, "ADD \(source.prefix(80)): \(error)")
                        }
                        continue
                    }
                    for part in try build.context.copy(source, to: destination, line: line) {
                        do {
                            let target = try RootPath.resolve(root: root, part.directory, create: true)
                            try RootfsWriter(root: target).apply(LayerPlan(steps: part.steps), from: build.context.data)
                        } catch {
                            throw DockerfileError(line: line, "COPY \(source.prefix(80)): \(error)")
                        }
                    }
                }
            case .run(let line, let argv, let env, let workdir, let user):
                try await runLine(line, argv: argv, env: env, workdir: workdir, user: user, root: root, work: work, runtime: crun)
            }
        }
        return try await packRoot(root, config: plan.config, repoTag: build.repoTag, work: work, limit: limit)
    }

    func runLine(_ line: Int, argv: [String], env: [String], workdir: String, user: String, root: String, work: String,
                 runtime: any ForegroundContainerRuntime) async throws {
        let id = "weftbuild-" + UUID().uuidString.lowercased().prefix(12)
        _ = try RootPath.resolve(root: root, workdir, create: true)
        let passwd = (try? String(contentsOfFile: try RootPath.resolve(root: root, "/etc/passwd", create: false), encoding: .utf8)) ?? ""
        let group = (try? String(contentsOfFile: try RootPath.resolve(root: root, "/etc/group", create: false), encoding: .utf8)) ?? ""
        let owner: (uid: Int, gid: Int)
        do { owner = try ImageUser.resolve(user, passwd: passwd, group: group) } catch { throw DockerfileError(line: line, error.reason) }
        var config = RuntimeConfig(id: id, hostname: "build", args: argv, env: env, cwd: workdir, networkPath: "",
                                   memoryLimit: 1 << 30, pidsLimit: 1024, cgroupsPath: "/weft/\(id)")
        config.uid = owner.uid
        config.gid = owner.gid
        try Data(config.render().utf8).write(to: URL(fileURLWithPath: work + "/config.json"))
        let log = work + "/run.log"
        try? FileManager.default.removeItem(atPath: log)
        let status = try await runtime.runToExit(id: id, bundle: work, logPath: log, timeout: Self.runTimeout)
        guard status == 0 else {
            let output = FileManager.default.contents(atPath: log).map { String(decoding: $0.suffix(2000), as: UTF8.self) } ?? ""
            let tail = output.split(separator: "\n").suffix(8).joined(separator: "\n")
            let shown = argv.count == 3 && argv[0] == "/bin/sh" && argv[1] == "-c" ? argv[2] : argv.joined(separator: " ")
            throw DockerfileError(line: line, "RUN \(shown.prefix(120)) exited with status \(status)\(tail.isEmpty ? "" : ": " + tail)")
        }
    }

    /// The root as a one-layer docker-archive (GNU tar, numeric owners).
    func packRoot(_ root: String, config: ImageConfig, repoTag: String, work: String, limit: Int) async throws -> [UInt8] {
        let files = FileManager.default
        let out = work + "/out"
        try files.createDirectory(atPath: out, withIntermediateDirectories: true)
        let layer = work + "/layer.tar"
        try await runner.check(["tar", "--create", "--numeric-owner", "--file", layer, "--directory", root, "."])
        let size = (try? files.attributesOfItem(atPath: layer)[.size] as? Int) ?? 0
        guard size <= limit else { throw ValidationError(.argument, "the built image is \(size >> 20) MiB, over the image limit of \(limit >> 20) MiB") }
        let layerBytes = Array(try Data(contentsOf: URL(fileURLWithPath: layer)))
        let digest = Self.sha256(layerBytes)
        let (_, metadata) = DockerArchiveLayout.metadata(config: config, layerDigest: digest, repoTag: repoTag,
                                                         created: Timestamps.iso8601(Int(Date().timeIntervalSince1970)), sha256: Self.sha256)
        try files.createDirectory(atPath: out + "/" + digest, withIntermediateDirectories: true)
        try files.moveItem(atPath: layer, toPath: out + "/" + digest + "/layer.tar")
        for entry in metadata { try Data(entry.bytes).write(to: URL(fileURLWithPath: out + "/" + entry.path)) }
        let archive = work + "/image.tar"
        try await runner.check(["tar", "--create", "--numeric-owner", "--file", archive, "--directory", out, "."])
        return Array(try Data(contentsOf: URL(fileURLWithPath: archive)))
    }
}
