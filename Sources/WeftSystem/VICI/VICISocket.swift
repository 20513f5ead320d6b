import Glibc

/// One blocking connection to charon's VICI Unix socket, used by one thread at a time.
/// Closed by `close()` or when released.
final class VICISocket {
    let fd: Int32
    let path: String
    private var isClosed = false

    /// Connects to `path`; `timeoutSeconds` bounds each read and write (0: no bound).
    init(path: String, timeoutSeconds: Int) throws(VICIError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .io("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .io("socket: \(Self.lastError())") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = Self.lastError()
            Glibc.close(fd)
            throw .io("connect \(path): \(reason)")
        }
        self.fd = fd
        self.path = path
        setTimeout(seconds: timeoutSeconds)
    }

    deinit { close() }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    func setTimeout(seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ packet: VICIPacket) throws(VICIError) {
        let bytes = try packet.encode()
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a charon that went away is an error here, not a SIGPIPE.
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .io("write \(path): \(Self.lastError())") }
            offset += written
        }
    }

    func receive() throws(VICIError) -> VICIPacket {
        let prefix = try read(4)
        let length = VICIPacket.bodyLength(prefix[...]) ?? 0
        guard length > 0, length <= VICIPacket.maximumLength else { throw .malformed("segment length \(length)") }
        return try VICIPacket.decode(body: try read(length)[...])
    }

    /// Sends EVENT_REGISTER and waits for its confirmation; events that arrive meanwhile
    /// (for names registered earlier) go to `deliver`.
    func register(_ event: String, deliver: (String, VICIMessage) -> Void) throws(VICIError) {
        try send(.register(event))
        try confirmation(of: event, deliver: deliver)
    }

    /// Sends EVENT_UNREGISTER and waits for its confirmation, as `register` does.
    func unregister(_ event: String, deliver: (String, VICIMessage) -> Void) throws(VICIError) {
        try send(.unregister(event))
        try confirmation(of: event, deliver: deliver)
    }

    private func confirmation(of event: String, deliver: (String, VICIMessage) -> Void) throws(VICIError) {
        while true {
            switch try receive() {
            case .confirm: return
            case .unknownEvent: throw .unknownEvent(event)
            case .event(let name, let message): deliver(name, message)
            case let other: throw .malformed("unexpected reply to (un)registering \(event): \(other)")
            }
        }
    }

    /// Reads until the response to the command `name` just sent; events go to `deliver`.
    func response(to name: String, deliver: (String, VICIMessage) -> Void) throws(VICIError) -> VICIMessage {
        while true {
            switch try receive() {
            case .response(let message): return message
            case .unknownCommand: throw .unknownCommand(name)
            case .event(let event, let message): deliver(event, message)
            case let other: throw .malformed("unexpected reply to \(name): \(other)")
            }
        }
    }

    private func read(_ count: Int) throws(VICIError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = buffer[filled...].withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw .io("read \(path): timed out") }
            guard got > 0 else { throw .io(got == 0 ? "\(path): closed by charon" : "read \(path): \(Self.lastError())") }
            filled += got
        }
        return buffer
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
