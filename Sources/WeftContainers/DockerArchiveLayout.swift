import WeftModel

/// The files of a one-layer docker-archive (what `docker save` writes, and what
/// `ImageArchive.read` reads back): the layer as `<digest>/layer.tar`, the image config
/// `<id>.json` (architecture, os, config {Entrypoint, Cmd, Env, WorkingDir, ExposedPorts},
/// rootfs diff_ids) and `manifest.json`. Used to commit and export containers.
public enum DockerArchiveLayout {
    public struct Entry: Sendable, Equatable {
        public let path: String
        public let bytes: [UInt8]
    }

    /// `layerDigest`: the sha256 hex of the layer tar. Returns the image id
    /// ("sha256:<hex of the config>") and the config and manifest files.
    public static func metadata(config: ImageConfig, layerDigest: String, repoTag: String, created: String,
                                sha256: ([UInt8]) -> String) -> (id: String, files: [Entry]) {
        var settings = JSONObject()
        if !config.entrypoint.isEmpty { settings["Entrypoint"] = .array(config.entrypoint.map { .string($0) }) }
        if !config.cmd.isEmpty { settings["Cmd"] = .array(config.cmd.map { .string($0) }) }
        if !config.env.isEmpty { settings["Env"] = .array(config.env.map { .string($0) }) }
        if !config.workingDir.isEmpty { settings["WorkingDir"] = .string(config.workingDir) }
        if !config.user.isEmpty { settings["User"] = .string(config.user) }
        if !config.labels.isEmpty {
            var labels = JSONObject()
            for (key, value) in config.labels.sorted(by: { $0.key < $1.key }) { labels[key] = .string(value) }
            settings["Labels"] = .object(labels)
        }
        if !config.exposedPorts.isEmpty {
            var ports = JSONObject()
            for port in config.exposedPorts { ports[port] = .object(JSONObject()) }
            settings["ExposedPorts"] = .object(ports)
        }
        let image: JSONValue = [
            "architecture": "amd64", "os": "linux", "created": .string(created),
            "config": .object(settings),
            "rootfs": ["type": "layers", "diff_ids": .array([.string("sha256:" + layerDigest)])],
        ]
        let configBytes = JSONWriter.bytes(image)
        let configDigest = sha256(configBytes)
        let manifest: JSONValue = .array([[
            "Config": .string(configDigest + ".json"),
            "RepoTags": .array([.string(repoTag.contains(":") ? repoTag : repoTag + ":latest")]),
            "Layers": .array([.string(layerDigest + "/layer.tar")]),
        ]])
        return ("sha256:" + configDigest, [Entry(path: configDigest + ".json", bytes: configBytes),
                                           Entry(path: "manifest.json", bytes: JSONWriter.bytes(manifest))])
    }

    /// What a committed image runs: the container's own command where it had one, else the image's.
    public static func committedConfig(_ image: ImageConfig, command: [String]?) -> ImageConfig {
        guard let command, !command.isEmpty else { return image }
        var config = image
        config.entrypoint = []
        config.cmd = command
        return config
    }
}
