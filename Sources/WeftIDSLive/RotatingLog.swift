import Foundation

/// fast.log or eve.json of the live engine: appended line by line, rotated to `NAME.1` when
/// it reaches its bound, so the two together never hold more than twice that.
public final class RotatingLog: @unchecked Sendable {
    public let path: String
    public let maxBytes: Int
    private let lock = NSLock()
    private var handle: FileHandle?
    private var size = 0

    public init(path: String, maxBytes: Int) {
        self.path = path
        self.maxBytes = maxBytes
    }

    public func write(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        let bytes = Data((line + "\n").utf8)
        if handle == nil { open() }
        if size + bytes.count > maxBytes, size > 0 {
            try? handle?.close()
            handle = nil
            try? FileManager.default.removeItem(atPath: path + ".1")
            try? FileManager.default.moveItem(atPath: path, toPath: path + ".1")
            open()
        }
        guard let handle else { return }
        handle.write(bytes)
        size += bytes.count
    }

    private func open() {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        handle = FileHandle(forWritingAtPath: path)
        size = Int((try? handle?.seekToEnd()) ?? 0)
    }

    /// The current file's text (the rotated one is not included).
    public func contents() -> [UInt8] {
        lock.lock(); defer { lock.unlock() }
        return FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
    }
}
