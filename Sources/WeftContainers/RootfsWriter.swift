#if !FUZZING
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Applies checked layer plans to a root directory on disk, one layer after another. Never
/// follows a symlink: an entry below a symlink, or a hard link to one, is refused, so a
/// layer cannot write outside `root` even by combining entries. Owners are not kept (root).
public struct RootfsWriter {
    public let root: String

    public init(root: String) { self.root = root }

    public func apply(_ plan: LayerPlan, from tar: [UInt8]) throws(ImageArchiveError) {
        for step in plan.steps {
            switch step {
            case .directory(let path, let mode):
                try checkParents(path)
                let full = root + "/" + path
                var info = stat()
                if lstat(full, &info) == 0 {
                    if info.st_mode & S_IFMT != S_IFDIR { try removeTree(full); try make(full, mode) } else { chmod(full, mode_t(mode & 0o7777)) }
                } else {
                    try make(full, mode)
                }
            case .file(let path, let mode, let content):
                try checkParents(path)
                let full = root + "/" + path
                try removeExisting(full)
                let fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode & 0o7777))
                guard fd >= 0 else { throw failure("create", path) }
                defer { close(fd) }
                var written = content.lowerBound
                while written < content.upperBound {
                    let count = tar.withUnsafeBufferPointer { buffer in
                        write(fd, buffer.baseAddress! + written, content.upperBound - written)
                    }
                    guard count > 0 else { throw failure("write", path) }
                    written += count
                }
                fchmod(fd, mode_t(mode & 0o7777))
            case .symlink(let path, let target):
                try checkParents(path)
                let full = root + "/" + path
                try removeExisting(full)
                guard symlink(target, full) == 0 else { throw failure("symlink", path) }
            case .hardlink(let path, let target):
                try checkParents(path)
                try checkParents(target)
                var info = stat()
                guard lstat(root + "/" + target, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                    throw ImageArchiveError(.unsafeLink, "hard link \(path) -> \(target): the target is not a regular file of the image")
                }
                let full = root + "/" + path
                try removeExisting(full)
                guard link(root + "/" + target, full) == 0 else { throw failure("link", path) }
            case .fifo(let path, let mode):
                try checkParents(path)
                let full = root + "/" + path
                try removeExisting(full)
                guard mkfifo(full, mode_t(mode & 0o777)) == 0 else { throw failure("mkfifo", path) }
            case .remove(let path):
                try checkParents(path)
                try removeTree(root + "/" + path)
            case .clear(let directory):
                if !directory.isEmpty { try checkParents(directory + "/x") }
                let full = directory.isEmpty ? root : root + "/" + directory
                for name in (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? [] { try removeTree(full + "/" + name) }
            }
        }
    }

    /// Every directory above `path` exists as a real directory (made if missing), never a symlink.
    func checkParents(_ path: String) throws(ImageArchiveError) {
        var current = root
        let parts = path.split(separator: "/").dropLast()
        for part in parts {
            current += "/" + part
            var info = stat()
            if lstat(current, &info) != 0 {
                try make(current, 0o755)
                continue
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw ImageArchiveError(.unsafeLink, "entry \(path) lies below \(current.dropFirst(root.count + 1)), which is not a directory (a symlink is never followed)")
            }
        }
    }

    func make(_ full: String, _ mode: Int) throws(ImageArchiveError) {
        guard mkdir(full, mode_t(mode & 0o7777 | 0o700)) == 0 || errno == EEXIST else { throw failure("mkdir", full) }
    }

    func removeExisting(_ full: String) throws(ImageArchiveError) {
        var info = stat()
        guard lstat(full, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR { try removeTree(full) } else if unlink(full) != 0 { throw failure("unlink", full) }
    }

    func removeTree(_ full: String) throws(ImageArchiveError) {
        var info = stat()
        guard lstat(full, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            do { try FileManager.default.removeItem(atPath: full) } catch { throw ImageArchiveError(.corrupt, "cannot remove \(full): \(error)") }
        } else if unlink(full) != 0 {
            throw failure("unlink", full)
        }
    }

    func failure(_ what: String, _ path: String) -> ImageArchiveError {
        ImageArchiveError(.corrupt, "\(what) \(path) failed: \(String(cString: strerror(errno)))")
    }
}
#endif
