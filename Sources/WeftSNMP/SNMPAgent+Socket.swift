import Foundation
import Glibc
import Synchronization

/// The UDP side of the agent: one IPv4 socket, served by one thread.
struct Transport {
    var fd: Int32 = -1
    var localPort: Int?
    var thread: pthread_t?
    var done: DispatchSemaphore?
}

extension SNMPAgent {
    /// Opens the UDP socket (close-on-exec, SO_REUSEADDR) on `bindAddress:port` and starts the
    /// serving thread. Throws `SNMPError.socket` when the address is not IPv4, the port is
    /// taken or not permitted (161 needs root or CAP_NET_BIND_SERVICE), or already started.
    public func start() throws {
        try transport.withLock { transport in
            guard transport.fd < 0 else { throw SNMPError.socket("the agent is already running") }
            let fd = try SNMPAgent.openSocket(address: bindAddress, port: port)
            transport.fd = fd
            transport.localPort = SNMPAgent.boundPort(fd)
            let done = DispatchSemaphore(value: 0)
            transport.done = done
            stopping.store(false, ordering: .releasing)
            let thread = Thread { [self] in
                self.transport.withLock { $0.thread = pthread_self() }
                self.serve(fd: fd)
                close(fd)
                self.transport.withLock { $0 = Transport() }
                done.signal()
            }
            thread.name = "weft-snmp"
            thread.start()
        }
    }

    /// Stops serving: wakes the thread (shutdown(2) on the socket; it also polls a flag
    /// every 500 ms), which closes the socket, and waits until it has ended. Returns at
    /// once when not running; does not wait when called from the serving thread itself.
    public func stop() {
        let (fd, done, onOwnThread): (Int32, DispatchSemaphore?, Bool) = transport.withLock { transport in
            (transport.fd, transport.done, transport.thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false)
        }
        guard fd >= 0, let done else { return }
        stopping.store(true, ordering: .releasing)
        _ = shutdown(fd, Int32(SHUT_RDWR))
        guard !onOwnThread else { return }
        done.wait()
        done.signal()
    }

    /// The UDP port actually bound while running (useful with `port: 0`).
    public var localPort: Int? { transport.withLock { $0.localPort } }

    public var isRunning: Bool { transport.withLock { $0.fd >= 0 } }

    private func serve(fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while !stopping.load(ordering: .acquiring) {
            descriptor.revents = 0
            let ready = poll(&descriptor, 1, 500)
            if ready < 0 && errno != EINTR {
                onEvent?(.socketError("poll: \(String(cString: strerror(errno)))"))
                usleep(100_000)
            }
            guard ready > 0, !stopping.load(ordering: .acquiring) else { continue }
            var address = sockaddr_in()
            var addressLength = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &addressLength)
                    }
                }
            }
            if count < 0 {
                if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                    onEvent?(.socketError("recvfrom: \(String(cString: strerror(errno)))"))
                }
                continue
            }
            if stopping.load(ordering: .acquiring) { break }
            guard let reply = respond(to: Array(buffer[0..<count]), from: SNMPAgent.peer(address)) else { continue }
            let sent = reply.withUnsafeBytes { raw in
                withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, addressLength)
                    }
                }
            }
            if sent < 0 {
                onEvent?(.socketError("sendto: \(String(cString: strerror(errno)))"))
            }
        }
    }

    static func openSocket(address: String, port: Int) throws -> Int32 {
        guard (0...65_535).contains(port) else { throw SNMPError.socket("port \(port) out of range") }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, address, &socketAddress.sin_addr) == 1 else {
            throw SNMPError.socket("\(address) is not an IPv4 address")
        }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SNMPError.socket("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw SNMPError.socket("bind \(address):\(port): \(reason)")
        }
        return fd
    }

    static func boundPort(_ fd: Int32) -> Int? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return result == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }

    static func peer(_ address: sockaddr_in) -> SNMPPeer {
        let host = UInt32(bigEndian: address.sin_addr.s_addr)
        let text = "\(host >> 24).\(host >> 16 & 0xFF).\(host >> 8 & 0xFF).\(host & 0xFF)"
        return SNMPPeer(address: text, port: Int(UInt16(bigEndian: address.sin_port)))
    }
}
