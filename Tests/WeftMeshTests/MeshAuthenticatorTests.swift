import Testing
import WeftMesh

@Suite struct MeshAuthenticatorTests {
    let secret = Array("keyset secret of the mesh".utf8)
    var keys: MeshKeys { MeshKeys(keysetSecret: secret, controllers: [1, 2, 3]) }
    let now: Int64 = 1_800_000_000_000

    func sealed(from: Int = 1, wall: Int64? = nil, nonce: UInt8 = 7) -> MeshEnvelope {
        MeshAuthenticator(keys: keys).seal(payload: #"{"packs":{}}"#, from: from,
                                           at: HybridTimestamp(wallMillis: wall ?? now, counter: 0, controller: from),
                                           nonce: Array(repeating: nonce, count: 16))!
    }

    @Test func aSealedMessageOpensOnceThenIsAReplay() throws {
        var receiver = MeshAuthenticator(keys: keys)
        let message = sealed()
        #expect(try receiver.open(message, physical: now) == #"{"packs":{}}"#)
        #expect(throws: MeshRefusal.replayed) { try receiver.open(message, physical: now + 1) }
        #expect(receiver.refusals == [.replayed: 1])
    }

    @Test func refusesATamperedPayloadAForeignKeyAndAnUnknownController() {
        var receiver = MeshAuthenticator(keys: keys)
        var tampered = sealed()
        tampered.payload = #"{"packs":{"x":{}}}"#
        #expect(throws: MeshRefusal.badSignature) { try receiver.open(tampered, physical: now) }

        let foreign = MeshAuthenticator(keys: MeshKeys(keysetSecret: Array("another keyset".utf8), controllers: [1]))
            .seal(payload: "{}", from: 1, at: HybridTimestamp(wallMillis: now, counter: 0, controller: 1), nonce: Array(repeating: 1, count: 16))!
        #expect(throws: MeshRefusal.badSignature) { try receiver.open(foreign, physical: now) }

        // Controller 2 cannot speak for controller 1: the MAC is checked with 1's key.
        var impostor = sealed(from: 2)
        impostor.from = 1
        #expect(throws: MeshRefusal.badSignature) { try receiver.open(impostor, physical: now) }

        let stranger = MeshAuthenticator(keys: MeshKeys(keysetSecret: secret, controllers: [9]))
            .seal(payload: "{}", from: 9, at: HybridTimestamp(wallMillis: now, counter: 0, controller: 9), nonce: Array(repeating: 2, count: 16))!
        #expect(throws: MeshRefusal.unknownController) { try receiver.open(stranger, physical: now) }
        #expect(receiver.refusals == [.badSignature: 3, .unknownController: 1])
        #expect(receiver.refusalTotal == 4)
    }

    @Test func refusesClocksFarInTheFutureAndMessagesOutsideTheWindow() {
        var receiver = MeshAuthenticator(keys: keys, windowMillis: 300_000, maximumDriftMillis: 60_000)
        #expect(throws: MeshRefusal.futureClock) { try receiver.open(sealed(wall: now + 3_600_000), physical: now) }
        #expect(throws: MeshRefusal.stale) { try receiver.open(sealed(wall: now - 600_000, nonce: 3), physical: now) }
        #expect(throws: MeshRefusal.malformed) {
            var broken = sealed(nonce: 4)
            broken.mac = "zz"
            try receiver.open(broken, physical: now)
        }
        #expect(receiver.refusals == [.futureClock: 1, .stale: 1, .malformed: 1])
    }

    @Test func aStatePayloadRoundTrips() throws {
        var clock = HybridClock(controller: 1)
        var state = MeshState()
        state.apply(.enabled(false), to: "100.127.255.193", clock: &clock, physical: now)
        state.apply(.tags(["b": "2", "a": "1"]), to: "100.127.255.194", clock: &clock, physical: now)
        let payload = try MeshPayload.encode(state)
        #expect(try MeshPayload.decodeState(payload) == state)
        #expect(try MeshPayload.encode(MeshPayload.decodeState(payload)) == payload)
    }
}
