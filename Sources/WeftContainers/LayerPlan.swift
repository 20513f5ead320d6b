/// What one image layer does to a root file system, checked before anything is written:
/// every path relative and inside the root, no device nodes, no link that points out of
/// the root, whiteouts (`.wh.NAME`, `.wh..wh..opq`) as removals.
public struct LayerPlan: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        case directory(path: String, mode: Int)
        case file(path: String, mode: Int, content: Range<Int>)
        case symlink(path: String, target: String)
        case hardlink(path: String, target: String)
        case fifo(path: String, mode: Int)
        /// `.wh.NAME`: NAME from lower layers goes.
        case remove(path: String)
        /// `.wh..wh..opq`: the directory's lower content goes.
        case clear(directory: String)
    }
    public var steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    /// Checks every entry of a layer tar. `pathLimit` caps path depth and length.
    public static func plan(_ entries: [TarEntry]) throws(ImageArchiveError) -> LayerPlan {
        var steps: [Step] = []
        steps.reserveCapacity(entries.count)
        for entry in entries {
            let path = try ArchivePath.normalize(entry.path)
            if path.isEmpty { continue }  // "./" itself
            let name = ArchivePath.lastComponent(path)
            let parent = ArchivePath.parent(path)
            if name == ".wh..wh..opq" {
                steps.append(.clear(directory: parent))
                continue
            }
            if name.hasPrefix(".wh.") {
                let hidden = String(name.dropFirst(4))
                guard !hidden.isEmpty, hidden != ".", hidden != ".." else {
                    throw ImageArchiveError(.unsafePath, "whiteout \(entry.path) names no entry")
                }
                steps.append(.remove(path: parent.isEmpty ? hidden : parent + "/" + hidden))
                continue
            }
            switch entry.kind {
            case .directory: steps.append(.directory(path: path, mode: entry.mode))
            case .file: steps.append(.file(path: path, mode: entry.mode, content: entry.content))
            case .fifo: steps.append(.fifo(path: path, mode: entry.mode))
            case .characterDevice, .blockDevice:
                throw ImageArchiveError(.deviceNode, "device node \(entry.path) refused: containers get their /dev from the runtime")
            case .symlink:
                guard !entry.linkName.isEmpty, !entry.linkName.utf8.contains(0) else {
                    throw ImageArchiveError(.unsafeLink, "symlink \(entry.path) has no target")
                }
                // Absolute targets resolve inside the container's root; relative ones must not climb out of it.
                if !entry.linkName.hasPrefix("/") {
                    guard ArchivePath.staysInside(parent, entry.linkName) else {
                        throw ImageArchiveError(.unsafeLink, "symlink \(entry.path) -> \(entry.linkName) points outside the image root")
                    }
                }
                steps.append(.symlink(path: path, target: entry.linkName))
            case .hardlink:
                let target: String
                do { target = try ArchivePath.normalize(entry.linkName) } catch {
                    throw ImageArchiveError(.unsafeLink, "hard link \(entry.path) -> \(entry.linkName) points outside the image root")
                }
                guard !target.isEmpty else { throw ImageArchiveError(.unsafeLink, "hard link \(entry.path) has no target") }
                steps.append(.hardlink(path: path, target: target))
            }
        }
        return LayerPlan(steps: steps)
    }
}

/// Paths of archive entries: relative, `/`-separated, no `..`, no NUL.
public enum ArchivePath {
    public static let maxLength = 4096
    public static let maxDepth = 128

    /// "./usr//bin/" → "usr/bin"; absolute paths, `..` components and NUL bytes are refused.
    public static func normalize(_ raw: String) throws(ImageArchiveError) -> String {
        guard !raw.hasPrefix("/") else { throw ImageArchiveError(.unsafePath, "absolute path \(raw) refused") }
        guard !raw.utf8.contains(0), raw.utf8.count <= maxLength else { throw ImageArchiveError(.unsafePath, "path \(raw.prefix(64)) refused") }
        var parts: [Substring] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { throw ImageArchiveError(.unsafePath, "path \(raw) climbs with .. (refused)") }
            parts.append(part)
        }
        guard parts.count <= maxDepth else { throw ImageArchiveError(.unsafePath, "path \(raw.prefix(64)) is nested too deep") }
        return parts.joined(separator: "/")
    }

    /// Whether `target`, read relative to directory `from`, stays inside the root.
    public static func staysInside(_ from: String, _ target: String) -> Bool {
        var depth = from.split(separator: "/").count
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { depth -= 1; if depth < 0 { return false } } else { depth += 1 }
        }
        return true
    }

    public static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    public static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
