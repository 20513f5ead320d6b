/// What a Dockerfile build does, worked out before anything runs (pure): the base image,
/// the steps that touch the root file system (RUN, COPY/ADD, WORKDIR) each with the
/// environment, directory and user in force at its line, and the resulting image config
/// (the base image's, changed by ENV, WORKDIR, USER, EXPOSE, CMD, ENTRYPOINT, LABEL).
public struct BuildPlan: Sendable, Equatable {
    public enum Base: Sendable, Equatable {
        case scratch
        /// A local image by name, name:tag or id (`vns3local:NAME` names the local image NAME).
        case local(String)
    }

    public enum Action: Sendable, Equatable {
        /// argv; the shell form is `/bin/sh -c TEXT`.
        case run(line: Int, argv: [String], env: [String], workdir: String, user: String)
        /// Context paths copied to `destination` (absolute); `extract`: ADD of a tar archive unpacks it.
        case copy(line: Int, sources: [String], destination: String, extract: Bool)
        /// WORKDIR makes its directory.
        case makeDirectory(line: Int, path: String)
    }

    public var base: Base
    public var actions: [Action]
    /// The image config after the last line, given the base's.
    public var config: ImageConfig

    /// The base named by the FROM line (ARGs before it substituted).
    public static func base(of file: Dockerfile, buildArgs: [String: String] = [:]) throws(DockerfileError) -> Base {
        var args: [String: String] = [:]
        for item in file.preamble {
            let (name, value) = try argument(item)
            args[name] = buildArgs[name] ?? value
        }
        let words = try DockerfileWords.split(try DockerfileWords.substitute(file.from.arguments, args, line: file.from.line), line: file.from.line)
        guard let reference = words.first, words.count == 1 || (words.count == 3 && words[1].uppercased() == "AS") else {
            if words.first?.hasPrefix("--") == true { throw DockerfileError(line: file.from.line, "FROM \(words[0]) is not supported") }
            throw DockerfileError(line: file.from.line, "FROM takes one image (optionally AS NAME)")
        }
        if reference == "scratch" { return .scratch }
        if reference.hasPrefix("vns3local:") {
            let name = String(reference.dropFirst("vns3local:".count))
            guard !name.isEmpty else { throw DockerfileError(line: file.from.line, "FROM vns3local: names no local image") }
            return .local(name)
        }
        return .local(reference)
    }

    /// Plans every line after FROM on top of `baseConfig`.
    public static func make(_ file: Dockerfile, baseConfig: ImageConfig, buildArgs: [String: String] = [:]) throws(DockerfileError) -> BuildPlan {
        let base = try base(of: file, buildArgs: buildArgs)
        var config = baseConfig
        var args: [String: String] = [:]
        var actions: [Action] = []
        var entrypointSet = false
        func environment() -> [String: String] {
            var values = args
            for item in config.env {
                guard let equals = item.firstIndex(of: "=") else { continue }
                values[String(item[..<equals])] = String(item[item.index(after: equals)...])
            }
            return values
        }
        func expand(_ item: Dockerfile.Instruction) throws(DockerfileError) -> String {
            try DockerfileWords.substitute(item.arguments, environment(), line: item.line)
        }
        func command(_ item: Dockerfile.Instruction) -> [String] {
            DockerfileWords.jsonArray(item.arguments) ?? ["/bin/sh", "-c", item.arguments]
        }
        for item in file.instructions {
            let line = item.line
            switch item.keyword {
            case "RUN":
                if item.arguments.hasPrefix("--") { throw DockerfileError(line: line, "RUN \(item.arguments.prefix { $0 != " " }) is not supported") }
                var env = config.env
                for (name, value) in args.sorted(by: { $0.key < $1.key }) where !env.contains(where: { $0.hasPrefix(name + "=") }) {
                    env.append(name + "=" + value)
                }
                actions.append(.run(line: line, argv: command(item), env: env, workdir: config.workingDir.isEmpty ? "/" : config.workingDir, user: config.user))
            case "COPY", "ADD":
                let expanded = try expand(item)
                var words: [String]
                if let list = DockerfileWords.jsonArray(expanded) { words = list } else { words = try DockerfileWords.split(expanded, line: line) }
                if let flag = words.first(where: { $0.hasPrefix("--") }) {
                    throw DockerfileError(line: line, "\(item.keyword) \(flag.prefix { $0 != "=" }) is not supported")
                }
                guard words.count >= 2 else { throw DockerfileError(line: line, "\(item.keyword) needs a source and a destination") }
                var destination = words.removeLast()
                for source in words where source.contains("://") {
                    throw DockerfileError(line: line, "\(item.keyword) \(source.prefix(80)): remote sources are not supported, put the file in the build context")
                }
                if !destination.hasPrefix("/") {
                    let directory = config.workingDir.isEmpty ? "/" : config.workingDir
                    destination = (directory.hasSuffix("/") ? directory : directory + "/") + destination
                }
                if words.count > 1 && !destination.hasSuffix("/") {
                    throw DockerfileError(line: line, "\(item.keyword) with several sources needs a destination directory ending in /")
                }
                actions.append(.copy(line: line, sources: words, destination: destination, extract: item.keyword == "ADD"))
            case "ENV":
                for (name, value) in try pairs(try expand(item), line: line, keyword: "ENV", legacy: true) {
                    config.env.removeAll { $0.hasPrefix(name + "=") }
                    config.env.append(name + "=" + value)
                }
            case "ARG":
                let (name, value) = try argument(item)
                if let value = buildArgs[name] ?? value { args[name] = value } else if args[name] == nil { args[name] = "" }
            case "WORKDIR":
                let words = try DockerfileWords.split(try expand(item), line: line)
                guard words.count == 1 else { throw DockerfileError(line: line, "WORKDIR takes one path") }
                var path = words[0]
                if !path.hasPrefix("/") { path = (config.workingDir.isEmpty ? "/" : config.workingDir) + "/" + path }
                path = normalized(path)
                config.workingDir = path
                actions.append(.makeDirectory(line: line, path: path))
            case "USER":
                let words = try DockerfileWords.split(try expand(item), line: line)
                guard words.count == 1, !words[0].isEmpty else { throw DockerfileError(line: line, "USER takes one user (name or uid, optionally :group)") }
                config.user = words[0]
            case "EXPOSE":
                for word in try DockerfileWords.split(try expand(item), line: line) {
                    let parts = word.lowercased().split(separator: "/", omittingEmptySubsequences: false)
                    guard let port = Int(parts[0]), (1...65535).contains(port), parts.count <= 2,
                          parts.count == 1 || parts[1] == "tcp" || parts[1] == "udp" || parts[1] == "sctp" else {
                        throw DockerfileError(line: line, "EXPOSE \(word.prefix(40)): expected PORT or PORT/tcp|udp|sctp")
                    }
                    let entry = "\(port)/\(parts.count == 2 ? String(parts[1]) : "tcp")"
                    if !config.exposedPorts.contains(entry) { config.exposedPorts.append(entry) }
                }
            case "CMD":
                config.cmd = command(item)
            case "ENTRYPOINT":
                config.entrypoint = command(item)
                // As Docker: a new ENTRYPOINT drops the base image's CMD (a CMD after it stays).
                if !entrypointSet { config.cmd = [] }
                entrypointSet = true
            case "LABEL":
                for (name, value) in try pairs(try expand(item), line: line, keyword: "LABEL", legacy: false) {
                    config.labels[name] = value
                }
            case "MAINTAINER":
                config.labels["maintainer"] = item.arguments
            default:
                throw DockerfileError(line: line, "\(item.keyword) is not supported")
            }
        }
        return BuildPlan(base: base, actions: actions, config: config)
    }

    static func argument(_ item: Dockerfile.Instruction) throws(DockerfileError) -> (String, String?) {
        let words = try DockerfileWords.split(item.arguments, line: item.line)
        guard words.count == 1 else { throw DockerfileError(line: item.line, "ARG takes one NAME or NAME=default") }
        let word = words[0]
        let name: String
        var value: String?
        if let equals = word.firstIndex(of: "=") {
            name = String(word[..<equals])
            value = String(word[word.index(after: equals)...])
        } else {
            name = word
        }
        guard isName(name) else { throw DockerfileError(line: item.line, "ARG \(name.prefix(40)) is not a variable name") }
        return (name, value)
    }

    /// `K=V K2="v 2"`, or (ENV only) the old `K value with blanks`.
    static func pairs(_ text: String, line: Int, keyword: String, legacy: Bool) throws(DockerfileError) -> [(String, String)] {
        let words = try DockerfileWords.split(text, line: line)
        if legacy, let first = words.first, !first.contains("=") {
            guard isName(first), words.count >= 2 else { throw DockerfileError(line: line, "ENV \(first.prefix(40)) needs a value") }
            let rest = text.drop { $0 == " " || $0 == "\t" }.dropFirst(first.count).drop { $0 == " " || $0 == "\t" }
            return [(first, String(rest))]
        }
        var result: [(String, String)] = []
        for word in words {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                throw DockerfileError(line: line, "\(keyword) \(word.prefix(40)): expected KEY=VALUE")
            }
            let name = String(word[..<equals])
            if keyword == "ENV" && !isName(name) { throw DockerfileError(line: line, "ENV \(name.prefix(40)) is not a variable name") }
            result.append((name, String(word[word.index(after: equals)...])))
        }
        return result
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return text.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// "/a/./b//c/../d" → "/a/b/d" (never above /).
    public static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
