/// What a build was given (pure): a Dockerfile alone, or a build context — a tar (plain or
/// gzip) or zip archive holding a `Dockerfile` at its root and the files COPY and ADD take.
/// Every entry is checked before anything is written: a path that is absolute or climbs with
/// `..`, a symlink that points outside the context (absolute, or climbing out), a hard link,
/// a device node or a whiteout name refuses the whole context.
public struct BuildContext: Sendable {
    public struct Entry: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case file, directory, symlink }
        public var path: String
        public var kind: Kind
        public var mode: Int
        public var target: String
        public var content: Range<Int>
    }

    public var dockerfile: String
    /// The bytes the entries' contents are ranges of.
    public var data: [UInt8]
    public var entries: [Entry]

    public static let empty = BuildContext(dockerfile: "", data: [], entries: [])

    /// Reads an uploaded `buildfile`: an archive (tar, tar.gz, zip) with a Dockerfile, else the Dockerfile itself.
    public static func read(_ bytes: [UInt8], limit: Int) throws(ImageArchiveError) -> BuildContext {
        var tar = bytes
        if Gunzip.isGzip(bytes) { tar = try Gunzip.inflate(bytes, limit: limit) }
        if tar.count >= 512, Array(tar[257..<262]) == Array("ustar".utf8) {
            return try fromTar(tar, limit: limit)
        }
        if ZipReader.isZip(bytes) {
            let (data, entries) = try ZipReader.entries(bytes, limit: limit)
            return try checked(data: data, entries: entries)
        }
        guard !Gunzip.isGzip(bytes) else { throw ImageArchiveError(.unknownFormat, "buildfile: the gzip stream holds no tar archive") }
        guard bytes.count <= Dockerfile.sizeLimit else { throw ImageArchiveError(.tooLarge, "buildfile: a Dockerfile larger than 1 MiB") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ImageArchiveError(.unknownFormat, "buildfile is neither a Dockerfile (UTF-8 text) nor a tar or zip build context")
        }
        return BuildContext(dockerfile: text, data: [], entries: [])
    }

    static func fromTar(_ tar: [UInt8], limit: Int) throws(ImageArchiveError) -> BuildContext {
        let entries = try TarReader.entries(tar, limit: limit)
        return try checked(data: tar, entries: entries)
    }

    static func checked(data: [UInt8], entries raw: [TarEntry]) throws(ImageArchiveError) -> BuildContext {
        var entries: [Entry] = []
        for entry in raw {
            let path: String
            do { path = try ArchivePath.normalize(entry.path) } catch {
                throw ImageArchiveError(.unsafePath, "build context entry \(entry.path.prefix(100)) escapes the context root")
            }
            if path.isEmpty { continue }
            let name = ArchivePath.lastComponent(path)
            guard !name.hasPrefix(".wh.") else { throw ImageArchiveError(.unsafePath, "build context entry \(path.prefix(100)): whiteout names are refused") }
            switch entry.kind {
            case .file: entries.append(Entry(path: path, kind: .file, mode: entry.mode, target: "", content: entry.content))
            case .directory: entries.append(Entry(path: path, kind: .directory, mode: entry.mode, target: "", content: 0..<0))
            case .symlink:
                guard !entry.linkName.isEmpty, !entry.linkName.hasPrefix("/"), !entry.linkName.utf8.contains(0),
                      ArchivePath.staysInside(ArchivePath.parent(path), entry.linkName) else {
                    throw ImageArchiveError(.unsafeLink, "build context symlink \(path.prefix(100)) -> \(entry.linkName.prefix(100)) points outside the context")
                }
                entries.append(Entry(path: path, kind: .symlink, mode: 0o777, target: entry.linkName, content: 0..<0))
            case .hardlink:
                throw ImageArchiveError(.unsafeLink, "build context entry \(path.prefix(100)) is a hard link (refused)")
            case .characterDevice, .blockDevice, .fifo:
                throw ImageArchiveError(.deviceNode, "build context entry \(path.prefix(100)) is a device or fifo (refused)")
            }
        }
        // The last entry of a path wins, as in tar.
        var seen: [String: Int] = [:]
        var unique: [Entry] = []
        for entry in entries {
            if let at = seen[entry.path] { unique[at] = entry } else { seen[entry.path] = unique.count; unique.append(entry) }
        }
        guard let file = unique.first(where: { $0.path == "Dockerfile" && $0.kind == .file }) else {
            throw ImageArchiveError(.missingEntry, "the build context has no Dockerfile at its root")
        }
        guard let text = String(validating: data[file.content], as: UTF8.self) else {
            throw ImageArchiveError(.corrupt, "the context's Dockerfile is not UTF-8 text")
        }
        return BuildContext(dockerfile: text, data: data, entries: unique)
    }

    /// The entries COPY `source` takes, with paths relative to the directory they go to:
    /// `directory` (absolute, in the image) and the steps to write there. A directory source
    /// copies its contents; a file goes to `destination/NAME` when the destination ends in
    /// `/` or is a directory the source is copied into, else to `destination` itself.
    /// `*` and `?` match within the last component of a source.
    public func copy(_ source: String, to destination: String, line: Int) throws(DockerfileError) -> [(directory: String, steps: [LayerPlan.Step])] {
        let cleaned: String
        do { cleaned = try ArchivePath.normalize(source.hasPrefix("/") ? String(source.drop { $0 == "/" }) : source) } catch {
            throw DockerfileError(line: line, "COPY \(source.prefix(80)): the source must lie inside the build context")
        }
        let matches: [String]
        let last = ArchivePath.lastComponent(cleaned)
        if last.contains("*") || last.contains("?") {
            let parent = ArchivePath.parent(cleaned)
            matches = entries.filter { ArchivePath.parent($0.path) == parent && Self.matches(ArchivePath.lastComponent($0.path), last) }.map(\.path)
            guard !matches.isEmpty else { throw DockerfileError(line: line, "COPY \(source.prefix(80)): no file in the build context matches") }
        } else {
            matches = [cleaned]
        }
        let intoDirectory = destination.hasSuffix("/") || matches.count > 1
        var result: [(String, [LayerPlan.Step])] = []
        for path in matches {
            let isRoot = path.isEmpty
            let entry = entries.first { $0.path == path }
            // A directory may exist only through the paths below it (archives need not list it).
            let implicitDirectory = entry == nil && entries.contains { $0.path.hasPrefix(path + "/") }
            if !isRoot && entry == nil && !implicitDirectory {
                throw DockerfileError(line: line, "COPY \(source.prefix(80)): no such file in the build context\(entries.isEmpty ? " (a Dockerfile alone has none: upload a tar or zip context)" : "")")
            }
            if isRoot || implicitDirectory || entry?.kind == .directory {
                let prefix = isRoot ? "" : path + "/"
                var steps: [LayerPlan.Step] = []
                for child in entries where child.path.hasPrefix(prefix) {
                    steps.append(Self.step(child, as: String(child.path.dropFirst(prefix.count))))
                }
                result.append((BuildPlan.normalized(destination), steps))
            } else if let entry {
                let name = ArchivePath.lastComponent(path)
                if intoDirectory {
                    result.append((BuildPlan.normalized(destination), [Self.step(entry, as: name)]))
                } else {
                    let full = BuildPlan.normalized(destination)
                    result.append((ArchivePath.parent(full).isEmpty ? "/" : ArchivePath.parent(full), [Self.step(entry, as: ArchivePath.lastComponent(full))]))
                }
            }
        }
        return result
    }

    /// The content of a context file (ADD of an archive), or nil.
    public func file(_ source: String) -> [UInt8]? {
        guard let path = try? ArchivePath.normalize(source.hasPrefix("/") ? String(source.drop { $0 == "/" }) : source),
              let entry = entries.first(where: { $0.path == path && $0.kind == .file }) else { return nil }
        return Array(data[entry.content])
    }

    static func step(_ entry: Entry, as path: String) -> LayerPlan.Step {
        switch entry.kind {
        case .file: .file(path: path, mode: entry.mode, content: entry.content)
        case .directory: .directory(path: path, mode: entry.mode)
        case .symlink: .symlink(path: path, target: entry.target)
        }
    }

    /// Shell-style `*` and `?` (no brackets) against one name.
    static func matches(_ name: String, _ pattern: String) -> Bool {
        let n = Array(name), p = Array(pattern)
        var i = 0, j = 0, star = -1, mark = 0
        while i < n.count {
            if j < p.count && (p[j] == "?" || p[j] == n[i]) { i += 1; j += 1 }
            else if j < p.count && p[j] == "*" { star = j; mark = i; j += 1 }
            else if star >= 0 { j = star + 1; mark += 1; i = mark }
            else { return false }
        }
        while j < p.count && p[j] == "*" { j += 1 }
        return j == p.count
    }
}
