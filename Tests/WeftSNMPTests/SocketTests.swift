import Glibc
import Testing
import WeftSNMP

/// The agent on a real UDP socket on 127.0.0.1 (any namespace has a loopback device).
@Suite(.serialized) struct SocketTests {
    /// Sends `packet` to 127.0.0.1:`port` and returns the answer, or nil after `timeout` ms.
    func exchange(_ packet: [UInt8], port: Int, timeout: Int32 = 2000) throws -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let sent = packet.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        try #require(sent == packet.count)
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeout) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count >= 0 ? Array(buffer[0..<count]) : nil
    }

    @Test func servesOverUDPAndStopsCleanly() throws {
        let agent = SNMPAgent(community: "public", source: standardMIB(), bind: "127.0.0.1", port: 0)
        try agent.start()
        let port = try #require(agent.localPort)
        #expect(throws: SNMPError.socket("")) { try agent.start() }
        let pdu = try decode(try exchange(request(.getRequest, ["1.3.6.1.2.1.1.5.0"]), port: port))
        #expect(pdu.varbinds.first?.value == .string("weft-test"))
        #expect(try exchange(request(.getRequest, ["1.3.6.1.2.1.1.5.0"], community: "wrong"), port: port, timeout: 300) == nil)
        #expect(try exchange([0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], port: port, timeout: 300) == nil)
        #expect(try decode(try exchange(request(.getNextRequest, ["1.3"]), port: port)).varbinds.count == 1)
        agent.stop()
        #expect(!agent.isRunning && agent.localPort == nil)
        #expect(agent.statistics.received == 4 && agent.statistics.badCommunity == 1 && agent.statistics.malformed == 1)
        // The port is free again, and the agent can start again.
        #expect(try exchange(request(.getRequest, ["1.3.6.1.2.1.1.5.0"]), port: port, timeout: 300) == nil)
        try agent.start()
        #expect(try exchange(request(.getRequest, ["1.3.6.1.2.1.1.5.0"]), port: try #require(agent.localPort)) != nil)
        agent.stop()
        agent.stop()
    }

    @Test func refusesBadBindAddresses() {
        #expect(throws: SNMPError.socket("")) { try SNMPAgent(community: "c", source: standardMIB(), bind: "::1", port: 0).start() }
        #expect(throws: SNMPError.socket("")) { try SNMPAgent(community: "c", source: standardMIB(), bind: "127.0.0.1", port: 70_000).start() }
    }
}
