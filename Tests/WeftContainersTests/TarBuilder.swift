/// Writes small ustar archives for the tests (the writer the tests trust is this one and
/// Python's tarfile in the integration tests).
struct TarBuilder {
    var bytes: [UInt8] = []

    enum Kind: UInt8 { case file = 0x30, hardlink = 0x31, symlink = 0x32, char = 0x33, directory = 0x35, fifo = 0x36 }

    mutating func add(_ name: String, _ content: [UInt8] = [], kind: Kind = .file, link: String = "", mode: Int = 0o644) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, _ at: Int, _ width: Int) {
            for (i, byte) in text.utf8.prefix(width).enumerated() { header[at + i] = byte }
        }
        func octal(_ value: Int, _ at: Int, _ width: Int) {
            let text = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, width - 1 - text.count)) + text, at, width - 1)
        }
        put(name, 0, 100)
        octal(mode, 100, 8); octal(0, 108, 8); octal(0, 116, 8)
        octal(kind == .file ? content.count : 0, 124, 12); octal(0, 136, 12)
        header[156] = kind.rawValue
        put(link, 157, 100)
        put("ustar", 257, 6); put("00", 263, 2)
        for i in 148..<156 { header[i] = 32 }
        let sum = header.reduce(0) { $0 + Int($1) }
        octal(sum, 148, 7)
        header[154] = 0; header[155] = 32
        bytes += header
        if kind == .file {
            bytes += content
            bytes += [UInt8](repeating: 0, count: (512 - content.count % 512) % 512)
        }
    }

    mutating func file(_ name: String, _ text: String) { add(name, Array(text.utf8)) }

    var finished: [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }
}

/// A docker-archive holding `layers` (each a finished layer tar).
func dockerArchive(layers: [[UInt8]], cmd: [String] = ["/bin/sh"]) -> [UInt8] {
    var outer = TarBuilder()
    let config = "{\"config\":{\"Cmd\":[\(cmd.map { "\"\($0)\"" }.joined(separator: ","))],\"Env\":[\"A=1\"]},\"rootfs\":{\"type\":\"layers\"}}"
    outer.file("config.json", config)
    var names: [String] = []
    for (index, layer) in layers.enumerated() {
        outer.add("l\(index)/layer.tar", layer)
        names.append("\"l\(index)/layer.tar\"")
    }
    outer.file("manifest.json", "[{\"Config\":\"config.json\",\"RepoTags\":[\"web:1.0\"],\"Layers\":[\(names.joined(separator: ","))]}]")
    return outer.finished
}

func fakeDigest(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf29ce484222325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
    let hex = String(hash, radix: 16)
    return String(repeating: String(repeating: "0", count: 16 - hex.count) + hex, count: 4)
}
