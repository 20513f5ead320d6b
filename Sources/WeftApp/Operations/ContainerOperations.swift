import Foundation
import WeftContainers
import WeftModel
import WeftStore

/// The container system (`/api/container_system…` and the UI's containers page): start and
/// stop it, its network, images (import, rename, delete) and containers (start, stop,
/// delete, logs). Validation first; one store transaction; then a supervision pass makes
/// the machine match and, for a start, its result is the answer.
extension Controller {
    public static let containerSystemFields: Set<String> = ["action", "network"]
    public static let imageFields: Set<String> = ["name", "url", "buildurl", "localbuild", "localimage", "description", "imagefile", "buildfile"]
    public static let imageUpdateFields: Set<String> = ["name", "description"]
    public static let containerFields: Set<String> = ["uuid", "image_uuid", "name", "ipaddress", "description", "command", "environment",
                                                      "memory_limit_mb", "pids_limit", "capabilities"]
    /// Uploaded or downloaded images: at most this many bytes (after decompression too).
    public static let imageSizeLimitDefault = 512 << 20

    public var containerSystemConfig: ContainerSystemConfig { (try? store.get(.containerSystem)) ?? ContainerSystemConfig() }

    /// `POST /api/container_system {action: start|stop}`.
    public func setContainerSystem(action: String?, actor: String?) async throws -> ContainerSystemConfig {
        guard let action, action == "start" || action == "stop" else {
            throw ValidationError(field: "action", "action must be \"start\" or \"stop\", got \(action.map { "\"\($0)\"" } ?? "nothing")")
        }
        let config = try commit(actor, "container_system.\(action)") { db -> ContainerSystemConfig in
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            config.running = action == "start"
            try Store.set(.containerSystem, config, in: db)
            return config
        }
        _ = try? await containers?.converge()
        return config
    }

    /// `PUT /api/container_system {network, max_containers}`: the plugin network (an IPv4
    /// network /22 to /30, changed only while no container exists) and the running limit.
    public func configureContainerSystem(network: String?, limit: Int?, actor: String?) async throws -> ContainerSystemConfig {
        guard network != nil || limit != nil else { throw ValidationError(field: "network", "Field \"network\" is required") }
        var subnet: IPv4Network?
        if let text = network {
            guard let parsed = IPv4Network(text, strict: true), (22...30).contains(parsed.prefixLength) else {
                throw ValidationError(field: "network", "network \(text) must be an IPv4 network in CIDR form with no host bits, /22 to /30")
            }
            if let net = snapshot.topology?.subnet, net.contains(parsed.network) || parsed.contains(net.network) {
                throw ValidationError(.conflict, field: "network", "network \(text) overlaps the overlay \(net)")
            }
            subnet = parsed
        }
        if let limit, !(0...256).contains(limit) { throw ValidationError(field: "max_containers", "max_containers must be 0-256") }
        let config = try commit(actor, "container_system.configure", detail: [network, limit.map(String.init)].compactMap { $0 }.joined(separator: " ")) { db -> ContainerSystemConfig in
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            if let subnet {
                guard config.containers.isEmpty || config.network == subnet.description else {
                    throw ValidationError(.state, field: "network", "delete the \(config.containers.count) container(s) before changing the plugin network")
                }
                config.network = subnet.description
            }
            if let limit { config.limit = limit }
            try Store.set(.containerSystem, config, in: db)
            return config
        }
        _ = try? await containers?.converge()
        return config
    }

    /// `POST /api/container_system/images`: records the image as importing and starts the
    /// import; returns the import id (the SDK polls `?uuid=` until `Ready`).
    public func createImage(_ fields: InputFields, upload: [UInt8]?, buildfile: [UInt8]? = nil, actor: String?) throws -> String {
        let name = try Self.imageName(fields.string("name", required: true)!)
        let description = try fields.string("description") ?? ""
        let given = Self.imageSources.filter { fields.has($0) || ($0 == "imagefile" && upload != nil) || ($0 == "buildfile" && buildfile != nil) }
        guard given.count <= 1 else { throw ValidationError(field: given[1], "give one image source, not \(given.joined(separator: " and "))") }
        if let reference = try fields.string("localimage") {
            return try tagLocalImage(reference, name: name, description: description, actor: actor)
        }
        let url = try fields.string("url")
        let source: ContainerSystem.ImageSource
        switch (upload, url) {
        case (nil, nil) where !given.isEmpty: source = try buildSource(fields, buildfile: buildfile, repoTag: name)!
        case (nil, let url?) where url.hasPrefix(PluginCatalog.scheme):
            source = .upload(try PluginCatalog().archive(url: url, limit: options.imageSizeLimit))
        case (let bytes?, nil): source = .upload(bytes)
        case (nil, let url?):
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw ValidationError(field: "url", "url must be an http or https URL, got \(url)")
            }
            source = .url(url)
        case (nil, nil): throw ValidationError(field: "imagefile", "give the image as an uploaded file (imagefile), a url, or a Dockerfile (buildfile, localbuild, buildurl), or localimage")
        case (_?, _?): throw ValidationError(field: "url", "give either imagefile or url, not both")
        }
        if case .upload(let bytes) = source, bytes.count < 512 {
            throw ValidationError(field: "imagefile", "imagefile holds \(bytes.count) bytes: not a docker-archive or OCI image layout tar")
        }
        let importID = UUID().uuidString.lowercased()
        let parts = name.split(separator: ":", maxSplits: 1)
        try commit(actor, "container_system.images.create", detail: name) { db in
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            config.images.append(ContainerImage(id: importID, importID: importID, name: String(parts[0]), tag: parts.count > 1 ? String(parts[1]) : "",
                                                description: description, created: Store.now()))
            try Store.set(.containerSystem, config, in: db)
        }
        containers?.beginImport(importID: importID, source: source, limit: options.imageSizeLimit)
        return importID
    }

    static func imageName(_ text: String) throws -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:/")
        guard !text.isEmpty, text.count <= 128, text.allSatisfy(allowed.contains), text.first!.isLetter || text.first!.isNumber else {
            throw ValidationError(field: "name", "name must be 1-128 letters, digits and . _ - : / (starting with a letter or digit), got \"\(text.prefix(64))\"")
        }
        return text
    }

    public func updateImage(id: String, _ fields: InputFields, actor: String?) throws -> ContainerImage {
        let name = try Self.imageName(fields.string("name", required: true)!)
        let description = try fields.string("description")
        return try commit(actor, "container_system.images.update", detail: id) { db -> ContainerImage in
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            guard let index = config.images.firstIndex(where: { $0.id == id || $0.importID == id || $0.id == "sha256:" + id }) else {
                throw ValidationError(.notFound, field: "uuid", "No image \(id)")
            }
            let parts = name.split(separator: ":", maxSplits: 1)
            config.images[index].name = String(parts[0])
            if parts.count > 1 { config.images[index].tag = String(parts[1]) }
            if let description { config.images[index].description = description }
            try Store.set(.containerSystem, config, in: db)
            return config.images[index]
        }
    }

    /// Deletes an image; one that containers use only with `force` (they go too).
    public func deleteImage(id: String, force: Bool, actor: String?) async throws -> String {
        let image = try commit(actor, "container_system.images.delete", detail: id) { db -> ContainerImage in
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            guard let image = config.image(id) else { throw ValidationError(.notFound, field: "uuid", "No image \(id)") }
            let users = config.containers.filter { $0.imageID == image.id }
            if !users.isEmpty && !force {
                throw ValidationError(.state, field: "force", "image \(image.id) is used by container(s) \(users.map(\.name).joined(separator: ", ")); delete them first or give force: true")
            }
            config.containers.removeAll { $0.imageID == image.id }
            config.images.removeAll { $0.id == image.id }
            try Store.set(.containerSystem, config, in: db)
            return image
        }
        _ = try? await containers?.converge()
        if !containerSystemConfig.images.contains(where: { $0.id == image.id }) { containers?.removeImageFiles(image.id) }
        return image.id
    }

    /// `POST /api/container_system/containers`: a new container from `image_uuid` (or the
    /// stopped container `uuid` again). Returns it once crun runs it.
    public func startContainer(_ fields: InputFields, actor: String?) async throws -> ContainerSpec {
        if let existing = try fields.string("uuid"), !fields.has("image_uuid") {
            return try await restartContainer(existing, actor: actor)
        }
        let imageID = try fields.string("image_uuid", required: true)!
        let name = try fields.string("name")
        let description = try fields.string("description") ?? ""
        let command = try fields.string("command").map(CommandLineWords.split)
        if let command, command.isEmpty { throw ValidationError(field: "command", "command is empty") }
        let environment = try Self.environment(fields)
        let memory = try fields.int("memory_limit_mb").map { mb -> Int in
            guard (8...65536).contains(mb) else { throw ValidationError(field: "memory_limit_mb", "memory_limit_mb must be 8-65536") }
            return mb << 20
        } ?? ContainerSpec.defaultMemoryLimit
        let pids = try fields.int("pids_limit").map { n -> Int in
            guard (8...65536).contains(n) else { throw ValidationError(field: "pids_limit", "pids_limit must be 8-65536") }
            return n
        } ?? ContainerSpec.defaultPidsLimit
        let capabilities = try (fields.string("capabilities") ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map { raw -> String in
            let cap = raw.uppercased().hasPrefix("CAP_") ? raw.uppercased() : "CAP_" + raw.uppercased()
            guard RuntimeConfig.grantable.contains(cap) || RuntimeConfig.defaultCapabilities.contains(cap) else {
                throw ValidationError(field: "capabilities", "capability \(raw) cannot be granted; grantable: \(RuntimeConfig.grantable.joined(separator: ", "))")
            }
            return cap
        }
        let requested = try fields.string("ipaddress")
        let id = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
        let spec = try commit(actor, "container_system.containers.start", detail: name ?? imageID) { db -> ContainerSpec in
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            guard config.running else { throw ValidationError(.state, name: "ContainerSystemNotRunning", "the container system is not running") }
            guard let image = config.image(imageID) else { throw ValidationError(.notFound, field: "image_uuid", "No image \(imageID)") }
            guard image.status == .ready else { throw ValidationError(.state, field: "image_uuid", "image \(imageID) is \(image.status.rawValue): \(image.statusMessage)") }
            guard config.runningCount < config.limit else {
                throw ValidationError(.state, name: "ContainerLimit", "\(config.runningCount) containers run already: the limit is \(config.limit)")
            }
            let address: IPv4Address
            if let requested { address = try PluginAddresses.check(requested, config) } else {
                guard let free = PluginAddresses.nextFree(config) else { throw ValidationError(.state, field: "ipaddress", "no free address left in \(config.network)") }
                address = free
            }
            let containerName = name ?? "container-\(id.prefix(8))"
            try Self.checkContainerName(containerName, config)
            let spec = ContainerSpec(id: id, name: containerName, imageID: image.id, address: address.description, command: command,
                                     environment: environment, description: description, created: Store.now(), memoryLimit: memory,
                                     pidsLimit: pids, extraCapabilities: capabilities)
            config.containers.append(spec)
            try Store.set(.containerSystem, config, in: db)
            return spec
        }
        if let containers {
            let problems = try await containers.converge()
            if let problem = problems[spec.id], !(await containers.isRunning(spec.id)) {
                // Nothing left behind: the record goes, the next pass removes links and files.
                try? commit(actor, "container_system.containers.start_failed", detail: spec.id) { db in
                    var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
                    config.containers.removeAll { $0.id == spec.id }
                    try Store.set(.containerSystem, config, in: db)
                }
                _ = try? await containers.converge()
                throw ValidationError(.state, name: "ContainerStartFailed", "container \(spec.name) did not start: \(problem)")
            }
        }
        return spec
    }

    static func checkContainerName(_ name: String, _ config: ContainerSystemConfig) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 63, name.allSatisfy(allowed.contains) else {
            throw ValidationError(field: "name", "name must be 1-63 letters, digits and . _ -, got \"\(name.prefix(64))\"")
        }
        guard !config.containers.contains(where: { $0.name == name }) else {
            throw ValidationError(.conflict, field: "name", "a container named \(name) exists already")
        }
    }

    /// "A=1,B=2", "A=1\nB=2" or a JSON list of "K=V".
    static func environment(_ fields: InputFields) throws -> [String] {
        var items: [String] = []
        switch fields.object["environment"] {
        case nil, .null?: return []
        case .string(let text)?: items = text.split(whereSeparator: { $0 == "\n" || $0 == "," }).map { String($0).trimmed }.filter { !$0.isEmpty }
        case .array(let list)?:
            for case .string(let text) in list { items.append(text) }
            guard items.count == list.count else { throw ValidationError(field: "environment", "environment must list strings KEY=VALUE") }
        default: throw ValidationError(field: "environment", "environment must be a string of KEY=VALUE pairs")
        }
        for item in items {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex,
                  item[..<equals].allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw ValidationError(field: "environment", "environment entry \"\(item.prefix(64))\" is not KEY=VALUE")
            }
        }
        return items
    }

    func restartContainer(_ id: String, actor: String?) async throws -> ContainerSpec {
        let spec = try commit(actor, "container_system.containers.start", detail: id) { db -> ContainerSpec in
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            guard let index = config.containers.firstIndex(where: { $0.id == id }) else { throw ValidationError(.notFound, field: "uuid", "No container \(id)") }
            if !config.containers[index].running {
                guard config.runningCount < config.limit else {
                    throw ValidationError(.state, name: "ContainerLimit", "\(config.runningCount) containers run already: the limit is \(config.limit)")
                }
                config.containers[index].running = true
            }
            try Store.set(.containerSystem, config, in: db)
            return config.containers[index]
        }
        if let containers, let problem = try await containers.converge()[spec.id], !(await containers.isRunning(spec.id)) {
            throw ValidationError(.state, name: "ContainerStartFailed", "container \(spec.name) did not start: \(problem)")
        }
        return spec
    }

    /// `PUT /api/container_system/containers/{uuid}`: stops it (the record stays, stopped).
    public func stopContainer(id: String, actor: String?) async throws -> ContainerSpec {
        let spec = try commit(actor, "container_system.containers.stop", detail: id) { db -> ContainerSpec in
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            guard let index = config.containers.firstIndex(where: { $0.id == id }) else { throw ValidationError(.notFound, field: "uuid", "No container \(id)") }
            config.containers[index].running = false
            try Store.set(.containerSystem, config, in: db)
            return config.containers[index]
        }
        _ = try await containers?.converge()
        return spec
    }

    public func deleteContainer(id: String, actor: String?) async throws {
        try commit(actor, "container_system.containers.delete", detail: id) { db in
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            guard config.containers.contains(where: { $0.id == id }) else { throw ValidationError(.notFound, field: "uuid", "No container \(id)") }
            config.containers.removeAll { $0.id == id }
            try Store.set(.containerSystem, config, in: db)
        }
        _ = try await containers?.converge()
    }

    public func containerLogs(id: String, lines: Int?) throws -> [String] {
        guard containerSystemConfig.containers.contains(where: { $0.id == id }) else { throw ValidationError(.notFound, field: "uuid", "No container \(id)") }
        guard let lines, (1...100_000).contains(lines) else { throw ValidationError(field: "lines", "lines must be 1-100000") }
        return containers?.logs(id, lines: lines) ?? []
    }
}

/// A command string split into words as a shell would for plain words, 'single' and
/// "double" quotes and backslash escapes (no expansion, no operators).
public enum CommandLineWords {
    public static func split(_ text: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in text {
            if escaped { current.append(ch); escaped = false; inWord = true; continue }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { current.append(ch) }
                continue
            }
            switch ch {
            case "\\": escaped = true; inWord = true
            case "'", "\"": quote = ch; inWord = true
            case " ", "\t", "\n":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(ch); inWord = true
            }
        }
        guard quote == nil, !escaped else { throw ValidationError(field: "command", "command has an unclosed quote or a trailing backslash") }
        if inWord { words.append(current) }
        return words
    }
}
