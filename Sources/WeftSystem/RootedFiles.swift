import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files inside another root (a container's `/proc/PID/root`, an image's rootfs) read and
/// written without following any symbolic link: each directory is opened with
/// `O_NOFOLLOW | O_DIRECTORY` from the root down, so a link planted in the container
/// cannot point Weft at a file of the host. Writes go to a temporary file in the same
/// directory, fsync'd, then renamed over the target (atomic for readers).
public enum RootedFiles {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case badPath(String)
        case missing(String)
        case io(String)
        public var description: String {
            switch self {
            case .badPath(let text): "path \(text) must be absolute, without . or .. parts"
            case .missing(let text): "\(text) does not exist"
            case .io(let text): text
            }
        }
    }

    static func components(_ path: String) throws(Failure) -> [String] {
        guard path.hasPrefix("/"), !path.contains("\0") else { throw .badPath(path) }
        let parts = path.split(separator: "/").map(String.init)
        guard !parts.isEmpty, !parts.contains("."), !parts.contains("..") else { throw .badPath(path) }
        return parts
    }

    /// Opens the directory holding `path` under `root`; returns its fd and the file name.
    static func openParent(root: String, _ path: String) throws(Failure) -> (Int32, String) {
        let parts = try components(path)
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open root \(root): \(String(cString: strerror(errno)))") }
        for part in parts.dropLast() {
            let next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let error = errno
            close(fd)
            guard next >= 0 else {
                if error == ENOENT { throw .missing(path) }
                throw .io("cannot open directory \(part) of \(path): \(error == ELOOP || error == ENOTDIR ? "not a directory (a link?)" : String(cString: strerror(error)))")
            }
            fd = next
        }
        return (fd, parts.last!)
    }

    /// The file's bytes (at most `limit`), nil when it does not exist.
    public static func read(root: String, _ path: String, limit: Int = 8 << 20) throws(Failure) -> [UInt8]? {
        let parent: (Int32, String)
        do { parent = try openParent(root: root, path) } catch .missing(_) { return nil }
        let (dir, name) = parent
        defer { close(dir) }
        let fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .io("cannot open \(path): \(errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw .io("\(path) is not a regular file") }
        let size = Int(info.st_size)
        let start = max(0, size - limit)
        var bytes = [UInt8](repeating: 0, count: min(size, limit))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(start + done)) }
            guard n > 0 else { break }
            done += n
        }
        return Array(bytes.prefix(done))
    }

    /// Replaces (or creates) the file atomically, keeping the old file's mode (else `mode`).
    public static func write(root: String, _ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(Failure) {
        let (dir, name) = try openParent(root: root, path)
        defer { close(dir) }
        var info = stat()
        var keep = mode
        var owner: (uid_t, gid_t)?
        if fstatat(dir, name, &info, AT_SYMLINK_NOFOLLOW) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFREG else { throw .io("\(path) is not a regular file") }
            keep = info.st_mode & 0o7777
            owner = (info.st_uid, info.st_gid)
        }
        let temp = ".\(name).weft-\(UInt32.random(in: 0...UInt32.max))"
        let fd = openat(dir, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, keep)
        guard fd >= 0 else { throw .io("cannot create a file next to \(path): \(String(cString: strerror(errno)))") }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            guard n > 0 else {
                close(fd)
                unlinkat(dir, temp, 0)
                throw .io("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            done += n
        }
        _ = fchmod(fd, keep)
        if let owner { _ = fchown(fd, owner.0, owner.1) }
        _ = fsync(fd)
        close(fd)
        guard renameat(dir, temp, dir, name) == 0 else {
            let message = String(cString: strerror(errno))
            unlinkat(dir, temp, 0)
            throw .io("cannot replace \(path): \(message)")
        }
        _ = fsync(dir)
    }
}
