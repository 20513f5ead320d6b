#if !FUZZING
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A path inside an image's root file system resolved as the container would see it:
/// symlinks followed within `root` (an absolute target starts again at `root`, `..` stops
/// at it), so a write never lands outside the root whatever links the image holds.
public enum RootPath {
    /// The host path of `path` (absolute, in the image), its directories made when `create`.
    public static func resolve(root: String, _ path: String, create: Bool) throws(ImageArchiveError) -> String {
        var pending = path.split(separator: "/").map(String.init).reversed() as [String]
        var resolved: [String] = []
        var hops = 0
        while let part = pending.popLast() {
            if part == "." || part.isEmpty { continue }
            if part == ".." { _ = resolved.popLast(); continue }
            let candidate = root + "/" + (resolved + [part]).joined(separator: "/")
            var info = stat()
            if lstat(candidate, &info) != 0 {
                guard create else { resolved.append(part); continue }
                guard mkdir(candidate, 0o755) == 0 || errno == EEXIST else {
                    throw ImageArchiveError(.corrupt, "mkdir \(path): \(String(cString: strerror(errno)))")
                }
                resolved.append(part)
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFLNK:
                hops += 1
                guard hops <= 40 else { throw ImageArchiveError(.unsafeLink, "\(path): too many levels of symbolic links in the image") }
                var buffer = [CChar](repeating: 0, count: 4097)
                let count = readlink(candidate, &buffer, 4096)
                guard count > 0 else { throw ImageArchiveError(.corrupt, "readlink \(path) failed") }
                let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if target.hasPrefix("/") { resolved = [] }
                pending += target.split(separator: "/").map(String.init).reversed()
            case S_IFDIR:
                resolved.append(part)
            default:
                guard pending.isEmpty else { throw ImageArchiveError(.unsafeLink, "\(path): \(resolved.joined(separator: "/"))/\(part) is not a directory") }
                resolved.append(part)
            }
        }
        return resolved.isEmpty ? root : root + "/" + resolved.joined(separator: "/")
    }
}
#endif
