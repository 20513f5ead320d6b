#if !FUZZING
import WeftModel

/// A plugin's manager configuration, as VNS3 reads it from `/opt/plugin-manager/config.json`
/// inside the image (or as `manager_config` and `POST|PUT …/manager` give it): the log
/// files and configuration files Weft shows and edits, the ports the plugin serves, the
/// processes it manages and the executables whose commands may be run. Anything else is
/// refused with VNS3's wording ("Invalid plugin manager config:  All … must be …").
///
/// Process managers: `weft` (Weft runs each program of `programs` — name → command line,
/// split into words, no shell — inside the container and tracks its PID), `supervisor`
/// (`supervisorctl ACTION NAME` in the container), `service` (`service NAME ACTION`) and
/// `plugin-ctl` (`/opt/plugin-manager/bin/plugin-ctl ACTION NAME`, the catalog images' own).
public struct PluginManagerConfig: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var path: String
        public var name: String
        public var description: String
        /// URL-safe name used in `…/logs/{slug}` and `…/configurations/{slug}`.
        public var slug: String
    }

    public struct Port: Sendable, Equatable {
        public var port: Int
        public var proto: String
        public var ssl: Bool
        public var ui: Bool
        public var uiPath: String?
        public var description: String
    }

    public struct ProcessManager: Sendable, Equatable {
        /// `plugin-ctl`: the controller of the catalog's images (plugins/*/files/opt/plugin-manager/bin).
        public static let supported = ["weft", "supervisor", "service", "plugin-ctl"]
        public var name: String
        public var subprocesses: [String]
        /// For `weft`: each subprocess's argv.
        public var programs: [String: [String]]
        /// The command lines as given (for showing).
        public var programText: [String: String]
    }

    public struct Executable: Sendable, Equatable {
        public var path: String
        public var name: String
        public var description: String
        /// Command name → arguments after the path, in the order given.
        public var commands: [(name: String, arguments: [String], text: String)]
        public static func == (a: Executable, b: Executable) -> Bool {
            a.path == b.path && a.name == b.name && a.description == b.description
                && a.commands.map(\.name) == b.commands.map(\.name) && a.commands.map(\.arguments) == b.commands.map(\.arguments)
        }
    }

    public var logFiles: [File] = []
    public var configurationFiles: [File] = []
    public var ports: [Port] = []
    public var processManager: ProcessManager?
    public var executables: [Executable] = []

    public init() {}

    public static let path = "/opt/plugin-manager/config.json"
    public static let keys = ["log_files", "configuration_files", "ports", "process_manager", "executables"]

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { "Invalid plugin manager config:  " + reason }
    }

    static func fail(_ reason: String) -> Invalid { Invalid(reason: reason) }

    /// Parses and checks a manager config; `splitCommand` splits a command line into words.
    public static func parse(_ value: JSONValue, splitCommand: (String) throws -> [String]) throws(Invalid) -> PluginManagerConfig {
        guard case .object(let object) = value else { throw fail("the manager config must be a JSON object with the keys \(keys.joined(separator: ", ")).") }
        for key in object.keys where !keys.contains(key) {
            throw fail("unknown key \"\(key)\"; the keys are \(keys.joined(separator: ", ")).")
        }
        var config = PluginManagerConfig()
        config.logFiles = try files(object["log_files"], key: "log_files")
        config.configurationFiles = try files(object["configuration_files"], key: "configuration_files")
        config.ports = try ports(object["ports"])
        config.processManager = try processManager(object["process_manager"], splitCommand: splitCommand)
        config.executables = try executables(object["executables"], splitCommand: splitCommand)
        return config
    }

    static func list(_ value: JSONValue?, key: String) throws(Invalid) -> [JSONValue] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?: return items
        default: throw fail("\(key) must be a list.")
        }
    }

    static func text(_ value: JSONValue?, _ what: String) throws(Invalid) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw fail("\(what) must be a string.")
        }
    }

    static func checkPath(_ path: String, key: String) throws(Invalid) {
        let parts = path.split(separator: "/")
        guard path.hasPrefix("/"), path.count <= 1024, !parts.isEmpty, !parts.contains(".."), !parts.contains("."), !path.contains("\0") else {
            throw fail("All \(key) paths must be absolute paths without . or .. parts (got \"\(path.prefix(80))\").")
        }
    }

    public static func slug(_ text: String) -> String {
        let mapped = text.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "_" }
        let slug = String(mapped).split(separator: "_").joined(separator: "_")
        return slug.isEmpty ? "file" : slug
    }

    /// Files are read-only extras a GET adds (version, created_at, previous_versions, slug).
    static let fileKeys: Set<String> = ["path", "name", "description", "slug", "version", "created_at", "previous_versions"]

    static func files(_ value: JSONValue?, key: String) throws(Invalid) -> [File] {
        var result: [File] = []
        for item in try list(value, key: key) {
            guard case .object(let object) = item, case .string(let path)? = object["path"], !path.isEmpty else {
                throw fail("All \(key) must be objects with a \"path\" key.")
            }
            for field in object.keys where !fileKeys.contains(field) {
                throw fail("\(key) entries take path, name and description; \"\(field)\" is not one of them.")
            }
            try checkPath(path, key: key)
            let name = try text(object["name"], "\(key) name") ?? String(path.split(separator: "/").last!)
            var slug = Self.slug(name)
            if result.contains(where: { $0.path == path }) { throw fail("\(key) lists \(path) twice.") }
            var n = 2
            while result.contains(where: { $0.slug == slug }) { slug = Self.slug(name) + "_\(n)"; n += 1 }
            result.append(File(path: path, name: name, description: try text(object["description"], "\(key) description") ?? "", slug: slug))
        }
        return result
    }

    static func ports(_ value: JSONValue?) throws(Invalid) -> [Port] {
        var result: [Port] = []
        for item in try list(value, key: "ports") {
            guard case .object(let object) = item, case .int(let port)? = object["port"], (1...65535).contains(port) else {
                throw fail("All ports must be objects with a \"port\" key (a number 1-65535).")
            }
            for field in object.keys where !["port", "protocol", "ssl", "ui", "ui_path", "description"].contains(field) {
                throw fail("ports entries take port, protocol, ssl, ui, ui_path and description; \"\(field)\" is not one of them.")
            }
            let proto = (try text(object["protocol"], "port protocol") ?? "tcp").lowercased()
            guard proto == "tcp" || proto == "udp" else { throw fail("port protocol must be tcp or udp (got \"\(proto.prefix(20))\").") }
            func flag(_ key: String) throws(Invalid) -> Bool {
                switch object[key] {
                case nil, .null?: return false
                case .bool(let value)?: return value
                default: throw fail("port \(key) must be true or false.")
                }
            }
            result.append(Port(port: port, proto: proto, ssl: try flag("ssl"), ui: try flag("ui"), uiPath: try text(object["ui_path"], "port ui_path"),
                               description: try text(object["description"], "port description") ?? ""))
        }
        return result
    }

    static func processManager(_ value: JSONValue?, splitCommand: (String) throws -> [String]) throws(Invalid) -> ProcessManager? {
        switch value {
        case nil, .null?: return nil
        case .object(let object)?:
            guard case .string(let name)? = object["name"], !name.isEmpty else {
                throw fail("process_manager must be an object with a \"name\" key (one of \(ProcessManager.supported.joined(separator: ", "))).")
            }
            for field in object.keys where !["name", "subprocesses", "programs"].contains(field) {
                throw fail("process_manager takes name, subprocesses and programs; \"\(field)\" is not one of them.")
            }
            guard ProcessManager.supported.contains(name) else { throw fail("Process manager \(name.prefix(40)) unsupported.") }
            var subprocesses: [String] = []
            for item in try list(object["subprocesses"], key: "process_manager subprocesses") {
                guard case .string(let process) = item, !process.isEmpty, process.count <= 64,
                      process.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }) else {
                    throw fail("process_manager subprocesses must be names (letters, digits, . _ - @).")
                }
                guard !subprocesses.contains(process) else { throw fail("process_manager lists subprocess \(process) twice.") }
                subprocesses.append(process)
            }
            var programs: [String: [String]] = [:]
            var texts: [String: String] = [:]
            switch object["programs"] {
            case nil, .null?: break
            case .object(let table)?:
                guard name == "weft" else { throw fail("process_manager programs are only for the weft process manager.") }
                for (program, command) in table.entries {
                    guard subprocesses.contains(program) else { throw fail("process_manager program \(program) is not listed in subprocesses.") }
                    guard case .string(let line) = command, let words = try? splitCommand(line), !words.isEmpty, words[0].hasPrefix("/") else {
                        throw fail("process_manager program \(program) must be a command line starting with an absolute path.")
                    }
                    programs[program] = words
                    texts[program] = line
                }
            default: throw fail("process_manager programs must be an object of name to command line.")
            }
            if name == "weft", let missing = subprocesses.first(where: { programs[$0] == nil }) {
                throw fail("the weft process manager needs a command in programs for every subprocess (missing: \(missing)).")
            }
            return ProcessManager(name: name, subprocesses: subprocesses, programs: programs, programText: texts)
        default:
            throw fail("process_manager must be an object with a \"name\" key (one of \(ProcessManager.supported.joined(separator: ", "))).")
        }
    }

    static func executables(_ value: JSONValue?, splitCommand: (String) throws -> [String]) throws(Invalid) -> [Executable] {
        var result: [Executable] = []
        for item in try list(value, key: "executables") {
            guard case .object(let object) = item, case .string(let path)? = object["path"], !path.isEmpty else {
                throw fail("All executables must be objects with a \"path\" key.")
            }
            for field in object.keys where !["path", "name", "description", "commands"].contains(field) {
                throw fail("executables entries take path, name, description and commands; \"\(field)\" is not one of them.")
            }
            try checkPath(path, key: "executables")
            var commands: [(name: String, arguments: [String], text: String)] = []
            switch object["commands"] {
            case nil, .null?: break
            case .object(let table)?:
                for (command, arguments) in table.entries {
                    guard case .string(let line) = arguments, let words = try? splitCommand(line) else {
                        throw fail("executable \(path) command \(command) must be a string of arguments.")
                    }
                    commands.append((command, words, line))
                }
            default: throw fail("executable commands must be an object of name to arguments.")
            }
            guard !result.contains(where: { $0.path == path }) else { throw fail("executables lists \(path) twice.") }
            result.append(Executable(path: path, name: try text(object["name"], "executable name") ?? String(path.split(separator: "/").last!),
                                     description: try text(object["description"], "executable description") ?? "", commands: commands))
        }
        return result
    }

    /// The config as JSON (files without their version details).
    public var json: JSONValue {
        func file(_ f: File) -> JSONValue { ["path": .string(f.path), "name": .string(f.name), "description": .string(f.description), "slug": .string(f.slug)] }
        var object = JSONObject()
        object["log_files"] = .array(logFiles.map(file))
        object["configuration_files"] = .array(configurationFiles.map(file))
        object["ports"] = .array(ports.map { port in
            var item: JSONObject = ["port": .int(port.port), "protocol": .string(port.proto), "ssl": .bool(port.ssl), "ui": .bool(port.ui)]
            if let path = port.uiPath { item["ui_path"] = .string(path) }
            if !port.description.isEmpty { item["description"] = .string(port.description) }
            return .object(item)
        })
        if let manager = processManager {
            var item: JSONObject = ["name": .string(manager.name), "subprocesses": .array(manager.subprocesses.map(JSONValue.string))]
            if !manager.programText.isEmpty {
                var programs = JSONObject()
                for name in manager.subprocesses { if let text = manager.programText[name] { programs[name] = .string(text) } }
                item["programs"] = .object(programs)
            }
            object["process_manager"] = .object(item)
        } else {
            object["process_manager"] = .null
        }
        object["executables"] = .array(executables.map { exe in
            var commands = JSONObject()
            for command in exe.commands { commands[command.name] = .string(command.text) }
            return ["path": .string(exe.path), "name": .string(exe.name), "description": .string(exe.description), "commands": .object(commands)]
        })
        return .object(object)
    }

    public var isEmpty: Bool {
        logFiles.isEmpty && configurationFiles.isEmpty && ports.isEmpty && processManager == nil && executables.isEmpty
    }
}
#endif
