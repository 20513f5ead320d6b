#if !FUZZING
import WeftModel
#endif

/// An uploaded image: a `docker save` archive (manifest.json + config + layer tars) or an
/// OCI image layout (oci-layout, index.json, blobs/sha256/…), plain or gzip-compressed.
/// Reading it is pure: the result names the layers (decompressed tar bytes) in order and
/// the image's run configuration. Every layer is planned (`LayerPlan`), so a hostile
/// entry refuses the whole image before anything is unpacked.
public struct ImageArchive: Sendable {
    public enum Format: String, Sendable { case dockerArchive = "docker-archive", ociLayout = "oci-layout" }

    public struct Layer: Sendable {
        public var tar: [UInt8]
        public var plan: LayerPlan
    }

    public var format: Format
    /// "sha256:<hex of the config blob>".
    public var id: String
    public var repoTag: String?
    public var config: ImageConfig
    public var layers: [Layer]

    /// Reads `bytes`; `limit` caps the archive after decompression and each layer's content.
    /// `digest` gives the hex SHA-256 of the config blob (the image id).
    public static func read(_ bytes: [UInt8], limit: Int = 1 << 30, digest: ([UInt8]) -> String) throws(ImageArchiveError) -> ImageArchive {
        let tar = Gunzip.isGzip(bytes) ? try Gunzip.inflate(bytes, limit: limit) : bytes
        guard tar.count <= limit else { throw ImageArchiveError(.tooLarge, "archive larger than \(limit) bytes") }
        guard tar.count >= 512 else { throw ImageArchiveError(.unknownFormat, "not a tar archive (docker-archive or OCI image layout)") }
        let entries: [TarEntry]
        do { entries = try TarReader.entries(tar, limit: limit) } catch {
            if error.code == .corrupt, entriesLookCorrupt(tar) { throw ImageArchiveError(.unknownFormat, "not a tar archive (docker-archive or OCI image layout)") }
            throw error
        }
        var files: [String: Range<Int>] = [:]
        for entry in entries where entry.kind == .file {
            files[try ArchivePath.normalize(entry.path)] = entry.content
        }
        func file(_ name: String) throws(ImageArchiveError) -> [UInt8] {
            guard let range = files[name] else { throw ImageArchiveError(.missingEntry, "the archive has no \(name)") }
            return Array(tar[range])
        }
        func json(_ name: String) throws(ImageArchiveError) -> JSONValue {
            let bytes = try file(name)
            do { return try JSONParser.parse(bytes) } catch { throw ImageArchiveError(.badManifest, "\(name): \(error)") }
        }
        func layer(_ name: String) throws(ImageArchiveError) -> Layer {
            var bytes = try file(name)
            if Gunzip.isGzip(bytes) { bytes = try Gunzip.inflate(bytes, limit: limit) }
            let plan: LayerPlan
            do { plan = try LayerPlan.plan(try TarReader.entries(bytes, limit: limit)) } catch {
                throw ImageArchiveError(error.code, "layer \(name): \(error.reason)")
            }
            return Layer(tar: bytes, plan: plan)
        }

        if files["manifest.json"] != nil {
            guard case .array(let list) = try json("manifest.json"), let first = list.first,
                  case .string(let configName)? = first["Config"], case .array(let layerNames)? = first["Layers"] else {
                throw ImageArchiveError(.badManifest, "manifest.json: expected [{Config, Layers}]")
            }
            var layers: [Layer] = []
            for case .string(let name) in layerNames { layers.append(try layer(try ArchivePath.normalize(name))) }
            guard layers.count == layerNames.count else { throw ImageArchiveError(.badManifest, "manifest.json: Layers must be file names") }
            let configPath = try ArchivePath.normalize(configName)
            let configBytes = try file(configPath)
            var tag: String?
            if case .array(let tags)? = first["RepoTags"], case .string(let value)? = tags.first { tag = value }
            return ImageArchive(format: .dockerArchive, id: "sha256:" + digest(configBytes), repoTag: tag,
                                config: try ImageConfig.parse(configBytes, name: configPath), layers: layers)
        }
        if files["oci-layout"] != nil || files["index.json"] != nil {
            func blob(_ digest: JSONValue?) throws(ImageArchiveError) -> String {
                guard case .string(let text)? = digest, text.hasPrefix("sha256:"), text.count == 71,
                      text.dropFirst(7).allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                    throw ImageArchiveError(.badManifest, "digest \(digest.map { JSONWriter.string($0) } ?? "missing") is not sha256:<64 hex>")
                }
                return "blobs/sha256/" + text.dropFirst(7)
            }
            var manifest = try json("index.json")
            // An index may point at a manifest or at a nested index (one level of nesting, as skopeo writes).
            for _ in 0..<3 {
                guard case .array(let list)? = manifest["manifests"] else { break }
                guard let first = list.first else { throw ImageArchiveError(.badManifest, "index.json lists no manifest") }
                manifest = try json(try blob(first["digest"]))
            }
            guard case .array(let layerList)? = manifest["layers"], let configDigest = manifest["config"]?["digest"] else {
                throw ImageArchiveError(.badManifest, "OCI manifest: expected config and layers")
            }
            var layers: [Layer] = []
            for entry in layerList { layers.append(try layer(try blob(entry["digest"]))) }
            let configPath = try blob(configDigest)
            let configBytes = try file(configPath)
            return ImageArchive(format: .ociLayout, id: "sha256:" + digest(configBytes), repoTag: nil,
                                config: try ImageConfig.parse(configBytes, name: configPath), layers: layers)
        }
        throw ImageArchiveError(.unknownFormat, "unknown image format: neither manifest.json (docker-archive) nor index.json (OCI image layout) found")
    }

    static func entriesLookCorrupt(_ tar: [UInt8]) -> Bool {
        // No "ustar" magic in the first header: not a tar file at all.
        Array(tar[257..<262]) != Array("ustar".utf8)
    }
}

/// The parts of an image configuration a container runs with.
public struct ImageConfig: Sendable, Equatable, Codable {
    public var entrypoint: [String]
    public var cmd: [String]
    public var env: [String]
    public var workingDir: String
    public var exposedPorts: [String]
    /// USER: a name or uid, optionally `:group` ("" = root).
    public var user: String
    public var labels: [String: String]

    public init(entrypoint: [String] = [], cmd: [String] = [], env: [String] = [], workingDir: String = "", exposedPorts: [String] = [],
                user: String = "", labels: [String: String] = [:]) {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.exposedPorts = exposedPorts
        self.user = user
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey { case entrypoint, cmd, env, workingDir, exposedPorts, user, labels }

    /// Records stored before `user` and `labels` existed read with them empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        entrypoint = try container.decode([String].self, forKey: .entrypoint)
        cmd = try container.decode([String].self, forKey: .cmd)
        env = try container.decode([String].self, forKey: .env)
        workingDir = try container.decode(String.self, forKey: .workingDir)
        exposedPorts = try container.decode([String].self, forKey: .exposedPorts)
        user = try container.decodeIfPresent(String.self, forKey: .user) ?? ""
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }

    public static func parse(_ bytes: [UInt8], name: String) throws(ImageArchiveError) -> ImageConfig {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw ImageArchiveError(.badManifest, "\(name): \(error)") }
        guard case .object = value else { throw ImageArchiveError(.badManifest, "\(name): not a JSON object") }
        let config = value["config"] ?? .object(JSONObject())
        func strings(_ key: String) -> [String] {
            guard case .array(let list)? = config[key] else { return [] }
            return list.compactMap { if case .string(let text) = $0 { text } else { nil } }
        }
        var ports: [String] = []
        if case .object(let object)? = config["ExposedPorts"] { ports = object.keys }
        var directory = ""
        if case .string(let text)? = config["WorkingDir"] { directory = text }
        var user = ""
        if case .string(let text)? = config["User"] { user = text }
        var labels: [String: String] = [:]
        if case .object(let object)? = config["Labels"] {
            for key in object.keys { if case .string(let text)? = object[key] { labels[key] = text } }
        }
        return ImageConfig(entrypoint: strings("Entrypoint"), cmd: strings("Cmd"), env: strings("Env"), workingDir: directory, exposedPorts: ports,
                           user: user, labels: labels)
    }
}
