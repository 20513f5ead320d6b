import Foundation

/// A blocking request/response over a Unix stream socket, for local control protocols
/// (WireGuard UAPI, OpenVPN management). Reads until `complete` says the reply is whole
/// or the peer closes.
public enum UnixSocket {
    public static func exchange(path: String, request: String, timeoutSeconds: Int = 5,
                                complete: (String) -> Bool) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError.io("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw SystemError.io("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw SystemError.io("connect \(path): \(String(cString: strerror(errno)))") }
        var out = Array(request.utf8)
        while !out.isEmpty {
            let written = out.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw SystemError.io("write \(path): \(String(cString: strerror(errno)))") }
            out.removeFirst(written)
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            reply += buffer[0..<count]
            if complete(String(decoding: reply, as: UTF8.self)) { break }
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
