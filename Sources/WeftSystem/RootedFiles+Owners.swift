import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Directories, owners and removal inside another root, with the same rule as `read` and
/// `write`: no symbolic link is followed on the way down or at the end.
extension RootedFiles {
    /// Creates the directory if it is missing (its parent must exist) and gives it `mode` and the owner.
    public static func makeDirectory(root: String, _ path: String, mode: mode_t, uid: uid_t, gid: gid_t) throws(Failure) {
        let (dir, name) = try openParent(root: root, path)
        defer { close(dir) }
        if mkdirat(dir, name, mode) != 0 && errno != EEXIST {
            throw .io("cannot create directory \(path): \(String(cString: strerror(errno)))")
        }
        let fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .io("\(path) is not a directory (a link?)") }
        defer { close(fd) }
        guard fchown(fd, uid, gid) == 0, fchmod(fd, mode) == 0 else {
            throw .io("cannot set the owner of \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// `write`, then the file's owner and mode set (a new file of an account).
    public static func write(root: String, _ path: String, _ bytes: [UInt8], mode: mode_t, uid: uid_t, gid: gid_t) throws(Failure) {
        try write(root: root, path, bytes, mode: mode)
        let (dir, name) = try openParent(root: root, path)
        defer { close(dir) }
        let fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fchown(fd, uid, gid) == 0, fchmod(fd, mode) == 0 else {
            throw .io("cannot set the owner of \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes a file, or an empty directory when `directory`; a missing one is not an error.
    public static func remove(root: String, _ path: String, directory: Bool = false) throws(Failure) {
        let parent: (Int32, String)
        do { parent = try openParent(root: root, path) } catch .missing(_) { return }
        let (dir, name) = parent
        defer { close(dir) }
        if unlinkat(dir, name, directory ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT {
            if directory && errno == ENOTEMPTY { return }
            throw .io("cannot remove \(path): \(String(cString: strerror(errno)))")
        }
    }
}
