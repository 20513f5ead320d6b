import Foundation
import WeftContainers
import WeftModel

/// The container system as `/api/container_system…` shows it (CONTRACT §3.14): images with
/// `id`, `status: "Ready"`, `import_id`; containers as Docker-inspect objects whose `image`
/// (lower case, as the SDK's `search_containers` reads it) and `Image` hold the image id.
public enum ContainerView {
    public static func status(_ config: ContainerSystemConfig) -> JSONValue {
        ["running": .bool(config.running), "network": .string(config.network), "max_containers": .int(config.limit)]
    }

    public static func addresses(_ config: ContainerSystemConfig) -> JSONValue {
        ["addresses": .array(PluginAddresses.table(config).map { ["address": .string($0.address.description), "status": .string($0.status.rawValue)] })]
    }

    public static func image(_ image: ContainerImage) -> JSONValue {
        var ports = JSONObject()
        for port in image.config.exposedPorts { ports[port] = .object(JSONObject()) }
        var labels = JSONObject()
        for (key, value) in image.config.labels.sorted(by: { $0.key < $1.key }) { labels[key] = .string(value) }
        return [
            "id": .string(image.id), "image_name": .string(image.name), "tag_name": .string(image.tag),
            "status": .string(image.status.rawValue), "status_msg": .string(image.statusMessage), "import_id": .string(image.importID),
            "created": .string(Timestamps.iso8601(image.created)), "description": .string(image.description), "comment": "",
            "format": .string(image.format), "size": .int(image.size),
            "container_config": ["Cmd": .array(image.config.cmd.map(JSONValue.string)), "Entrypoint": .array(image.config.entrypoint.map(JSONValue.string)),
                                 "Env": .array(image.config.env.map(JSONValue.string)), "WorkingDir": .string(image.config.workingDir),
                                 "User": .string(image.config.user), "ExposedPorts": .object(ports), "Labels": .object(labels)],
        ]
    }

    public static func container(_ spec: ContainerSpec, running: Bool, pid: Int32?, image: ContainerImage?) -> JSONValue {
        let args = RuntimeConfig.arguments(command: spec.command, image: image?.config ?? ImageConfig())
        let created = JSONValue.string(Timestamps.iso8601(spec.created))
        let status = running ? "running" : (spec.running ? "restarting" : "exited")
        return [
            "Id": .string(spec.id), "Created": created, "Path": .string(args.first ?? ""), "Args": .array(args.dropFirst().map(JSONValue.string)),
            "State": ["Status": .string(status), "Running": .bool(running), "Pid": .int(Int(pid ?? 0)), "Restarting": .bool(spec.running && !running)],
            "Image": .string(spec.imageID), "image": .string(spec.imageID), "Name": .string("/" + spec.name), "name": .string(spec.name),
            "description": .string(spec.description), "ip_address": .string(spec.address),
            "HostConfig": ["Memory": .int(spec.memoryLimit), "PidsLimit": .int(spec.pidsLimit), "NetworkMode": "plugin0",
                           "CapAdd": .array(spec.extraCapabilities.map(JSONValue.string)),
                           "SecurityOpt": ["seccomp=weft-default", "no-new-privileges"]],
            "Config": ["Image": .string(spec.imageID), "Env": .array(spec.environment.map(JSONValue.string)),
                       "Cmd": .array(args.map(JSONValue.string)), "Hostname": .string(spec.name)],
            "NetworkSettings": ["IPAddress": .string(spec.address), "Networks": ["plugin0": ["IPAddress": .string(spec.address)]]],
        ]
    }
}
