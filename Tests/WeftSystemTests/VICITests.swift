import Foundation
import Glibc
import Synchronization
import Testing
@testable import WeftSystem

/// The bytes of an ASCII name or value, for writing wire images out element by element.
private func text(_ string: String) -> [UInt8] { Array(string.utf8) }

/// Expects `body` to throw `VICIError.malformed`.
private func expectMalformed(_ label: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    let error = #expect(throws: VICIError.self, Comment(rawValue: label), sourceLocation: sourceLocation) { try body() }
    switch error {
    case .malformed?, nil: break
    case let other?: Issue.record("\(label): \(other) is not malformed", sourceLocation: sourceLocation)
    }
}

@Suite struct VICICodecTests {
    /// The structure of the README's "Encoding example" (strongSwan
    /// `src/libcharon/plugins/vici/README.md`), built through the API.
    static let example = VICIMessage()
        .setting("key1", "value1")
        .setting("section1", section: VICIMessage()
            .setting("sub-section", section: VICIMessage().setting("key2", "value2"))
            .setting("list1", list: ["item1", "item2"]))

    /// The same message written out from the spec: type byte, 8-bit name length + name,
    /// 16-bit big-endian value length + value.
    static let exampleBytes: [UInt8] =
        [3, 4] + text("key1") + [0, 6] + text("value1")     // KEY_VALUE key1 = value1
        + [1, 8] + text("section1")                          // SECTION_START section1
        + [1, 11] + text("sub-section")                      //   SECTION_START sub-section
        + [3, 4] + text("key2") + [0, 6] + text("value2")    //     KEY_VALUE key2 = value2
        + [2]                                                //   SECTION_END
        + [4, 5] + text("list1")                             //   LIST_START list1
        + [5, 0, 5] + text("item1")                          //     LIST_ITEM item1
        + [5, 0, 5] + text("item2")                          //     LIST_ITEM item2
        + [6]                                                //   LIST_END
        + [2]                                                // SECTION_END

    @Test func encodesTheReadmeExample() throws {
        #expect(try Self.example.encode() == Self.exampleBytes)
    }

    @Test func decodesTheReadmeExampleAndReadsIt() throws {
        let message = try VICIMessage.decode(Self.exampleBytes[...])
        #expect(message == Self.example)
        #expect(message["key1"] == "value1")
        #expect(message["section1"] == nil)
        let section = try #require(message.section("section1"))
        #expect(section.section("sub-section")?["key2"] == "value2")
        #expect(section.list("list1") == ["item1", "item2"])
        #expect(message.sections.map(\.0) == ["section1"])
        #expect(try VICIMessage.decode(message.encode()[...]) == message)
    }

    @Test func decodesFromASliceThatDoesNotStartAtZero() throws {
        let padded = [0xff, 0xff] + Self.exampleBytes
        #expect(try VICIMessage.decode(padded[2...]) == Self.example)
    }

    @Test func setReplacesAKeyInPlace() {
        var message = VICIMessage().setting("a", "1").setting("b", "2")
        message.set("a", list: ["x"])
        #expect(message.items == [.list("a", [text("x")]), .value("b", text("2"))])
    }

    @Test func encodesAVersionRequest() throws {
        let expected: [UInt8] = [0, 0, 0, 9]   // length of what follows
            + [0]                               // CMD_REQUEST
            + [7] + text("version")             // name, no message
        #expect(try VICIPacket.request("version", VICIMessage()).encode() == expected)
        #expect(try VICIPacket.decode(frame: expected[...]) == .request("version", VICIMessage()))
    }

    @Test func encodesRegistrationPackets() throws {
        #expect(try VICIPacket.register("log").encode() == [0, 0, 0, 5, 3, 3] + text("log"))
        #expect(try VICIPacket.unregister("log").encode() == [0, 0, 0, 5, 4, 3] + text("log"))
        #expect(try VICIPacket.confirm.encode() == [0, 0, 0, 1, 5])
    }

    @Test func decodesAnEventPacket() throws {
        let body: [UInt8] = [7]                                   // EVENT
            + [10] + text("ike-updown")                           // event name
            + [3, 2] + text("up") + [0, 3] + text("yes")          // up = yes
            + [1, 2] + text("t1")                                 // SECTION_START t1
            + [3, 5] + text("state") + [0, 11] + text("ESTABLISHED") //   state = ESTABLISHED
            + [4, 9] + text("local-vip")                          //   LIST_START local-vip
            + [6]                                                 //   LIST_END (empty)
            + [2]                                                 // SECTION_END
        let packet = try VICIPacket.decode(body: body[...])
        guard case .event(let name, let message) = packet else { Issue.record("not an event: \(packet)"); return }
        #expect(name == "ike-updown")
        #expect(message["up"] == "yes")
        #expect(message.sections.map(\.0) == ["t1"])
        #expect(message.section("t1")?["state"] == "ESTABLISHED")
        #expect(message.section("t1")?.list("local-vip") == [])
        #expect(try packet.encode() == [0, 0, 0, UInt8(body.count)] + body)
    }

    @Test(arguments: [
        ("truncated value length", [3, 1] + text("k") + [0]),
        ("value longer than the data", [3, 1] + text("k") + [0, 5] + text("ab")),
        ("truncated name", [1, 5] + text("ab")),
        ("missing name length", [4]),
        ("section end without start", [2]),
        ("unknown element type", [9]),
        ("section not closed", [1, 1] + text("s")),
        ("list not closed", [4, 1] + text("l") + [5, 0, 1] + text("x")),
        ("list item outside a list", [5, 0, 1] + text("x")),
        ("list end outside a list", [6]),
        ("key/value inside a list", [4, 1] + text("l") + [3, 1] + text("k") + [0, 0] + [6]),
        ("section inside a list", [4, 1] + text("l") + [1, 1] + text("s") + [2, 6]),
    ] as [(String, [UInt8])])
    func refusesMalformedMessages(_ label: String, _ bytes: [UInt8]) {
        expectMalformed(label) { _ = try VICIMessage.decode(bytes[...]) }
        // The same bytes inside a response packet fail the same way.
        expectMalformed(label) { _ = try VICIPacket.decode(body: ([1] + bytes)[...]) }
    }

    @Test(arguments: [
        ("length prefix larger than the data", [0, 0, 0, 9, 1, 3]),
        ("length prefix smaller than the data", [0, 0, 0, 1, 5, 5]),
        ("truncated length prefix", [0, 0, 1]),
        ("empty packet", [0, 0, 0, 0]),
        ("unknown packet type", [0, 0, 0, 1, 8]),
        ("request without a name", [0, 0, 0, 1, 0]),
        ("confirm with trailing bytes", [0, 0, 0, 2, 5, 0]),
    ] as [(String, [UInt8])])
    func refusesMalformedFrames(_ label: String, _ bytes: [UInt8]) {
        expectMalformed(label) { _ = try VICIPacket.decode(frame: bytes[...]) }
    }

    @Test func boundsNesting() throws {
        func nested(_ depth: Int) -> [UInt8] {
            Array(repeating: [1, 1] + text("s"), count: depth).flatMap { $0 } + Array(repeating: 2, count: depth)
        }
        #expect(try VICIMessage.decode(nested(VICIMessage.maximumDepth)[...]).items.count == 1)
        expectMalformed("too deep") { _ = try VICIMessage.decode(nested(VICIMessage.maximumDepth + 1)[...]) }
    }

    @Test func refusesToEncodeOversizedNamesAndValues() throws {
        let longName = String(repeating: "n", count: 256)
        expectMalformed("long key") { _ = try VICIMessage().setting(longName, "v").encode() }
        expectMalformed("long event name") { _ = try VICIPacket.register(longName).encode() }
        expectMalformed("long value") { _ = try VICIMessage([.value("k", Array(repeating: 0, count: 65536))]).encode() }
        expectMalformed("long list item") { _ = try VICIMessage([.list("k", [Array(repeating: 0, count: 65536)])]).encode() }
        // The limits themselves are fine.
        let edge = VICIMessage([.value(String(repeating: "n", count: 255), Array(repeating: 7, count: 65535))])
        #expect(try VICIMessage.decode(edge.encode()[...]) == edge)
    }

    @Test func failedRepliesCarryErrmsg() throws {
        #expect(throws: VICIError.failed("no config named x")) {
            try VICIClient.checked(VICIMessage().setting("success", "no").setting("errmsg", "no config named x"))
        }
        #expect(try VICIClient.checked(VICIMessage().setting("success", "yes"))["success"] == "yes")
        #expect(try VICIClient.checked(VICIMessage()).items.isEmpty)
    }
}

/// The client against a one-connection stand-in for charon on a temporary Unix socket.
@Suite struct VICIClientTests {
    @Test func streamedCollectsEventsBeforeTheResponse() throws {
        let server = try FakeCharon { connection in
            try connection.expect(.register("list-conn"))
            try connection.send(.confirm)
            try connection.expect(.request("list-conns", VICIMessage().setting("ike", "t1")))
            try connection.send(.event("list-conn", VICIMessage().setting("t1", section: VICIMessage().setting("version", "IKEv2"))))
            try connection.send(.event("log", VICIMessage().setting("msg", "not ours")))
            try connection.send(.response(VICIMessage()))
            try connection.expect(.unregister("list-conn"))
            try connection.send(.confirm)
        }
        let result = try VICIClient(path: server.path, timeoutSeconds: 5)
            .streamed("list-conns", event: "list-conn", VICIMessage().setting("ike", "t1"))
        #expect(result.items.count == 1)
        #expect(result.items.first?.section("t1")?["version"] == "IKEv2")
        try server.wait()
    }

    @Test func commandMapsUnknownCommandsAndFailures() throws {
        let unknown = try FakeCharon { connection in
            _ = try connection.receive()
            try connection.send(.unknownCommand)
        }
        #expect(throws: VICIError.unknownCommand("nope")) { try VICIClient(path: unknown.path).command("nope") }
        try unknown.wait()
        let failing = try FakeCharon { connection in
            _ = try connection.receive()
            try connection.send(.response(VICIMessage().setting("success", "no").setting("errmsg", "bad")))
        }
        #expect(throws: VICIError.failed("bad")) { try VICIClient(path: failing.path).command("load-conn") }
        try failing.wait()
    }

    @Test func absentSocketIsAnIOError() {
        let error = #expect(throws: VICIError.self) { try VICIClient(path: "/nonexistent/charon.vici").command("version") }
        guard case .io? = error else { Issue.record("not an io error: \(String(describing: error))"); return }
    }

    @Test func eventStreamDeliversAndStops() throws {
        let server = try FakeCharon { connection in
            try connection.expect(.register("ike-updown"))
            try connection.send(.confirm)
            try connection.expect(.register("nosuch"))
            try connection.send(.unknownEvent)
            try connection.send(.event("ike-updown", VICIMessage().setting("up", "yes")))
            _ = try? connection.receive()   // blocks until the client shuts the socket down
        }
        let received = Mutex<[String]>([])
        let stream = VICIEventStream(path: server.path, events: ["ike-updown", "nosuch"]) { name, message in
            received.withLock { $0.append("\(name) up=\(message["up"] ?? "-")") }
        }
        stream.start()
        let deadline = ContinuousClock.now + .seconds(10)
        while received.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(received.withLock { $0 } == ["ike-updown up=yes"])
        #expect(stream.isConnected)
        #expect(stream.lastError == .unknownEvent("nosuch"))
        stream.stop()
        #expect(!stream.isConnected)
        try server.wait()
    }
}

/// Listens on a fresh Unix socket and runs `script` for the first connection on its own thread.
private final class FakeCharon: Sendable {
    struct Connection {
        let fd: Int32

        func send(_ packet: VICIPacket) throws {
            let bytes = try packet.encode()
            guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
                throw VICIError.io("fake charon: short write")
            }
        }

        func expect(_ packet: VICIPacket) throws {
            let got = try receive()
            guard got == packet else { throw VICIError.malformed("fake charon expected \(packet), got \(got)") }
        }

        func receive() throws -> VICIPacket {
            let prefix = try read(4)
            return try VICIPacket.decode(body: read(VICIPacket.bodyLength(prefix[...]) ?? 0)[...])
        }

        private func read(_ count: Int) throws -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: count)
            var filled = 0
            while filled < count {
                let got = buffer[filled...].withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                guard got > 0 else { throw VICIError.io("fake charon: peer closed") }
                filled += got
            }
            return buffer
        }
    }

    let path = "/tmp/weft-vici-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
    private let done = DispatchSemaphore(value: 0)
    private let failure = Mutex<(any Error)?>(nil)

    init(script: @escaping @Sendable (Connection) throws -> Void) throws {
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard listener >= 0, bound == 0, listen(listener, 1) == 0 else { throw VICIError.io("fake charon: cannot listen on \(path)") }
        Thread { [self] in
            let fd = accept(listener, nil, nil)
            close(listener)
            unlink(path)
            do { try script(Connection(fd: fd)) } catch { failure.withLock { $0 = error } }
            close(fd)
            done.signal()
        }.start()
    }

    /// Waits until the script has run to its end; throws what the script threw.
    func wait() throws {
        done.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
