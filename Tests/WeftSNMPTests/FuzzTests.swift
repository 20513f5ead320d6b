import Testing
import WeftSNMP

/// SplitMix64: a seeded generator, so a failing case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutations of valid requests: truncation, flipped and random bytes, huge and indefinite
/// length fields, deep nesting, splices. Whatever comes in, `respond` must return (no
/// trap), count the packet in exactly one bucket, and answer only with a well-formed
/// response that fits a datagram.
@Suite struct FuzzTests {
    static let seeds: [[UInt8]] = [
        request(.getRequest, ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.2.2.1.10.2"]),
        request(.getNextRequest, ["1.3.6.1.2.1.2.2.1", "1.3.6.1.2.1.31"]),
        request(.getBulkRequest, ["1.3.6.1.2.1.1.3", "1.3.6.1.2.1.2.2"], nonRepeaters: 1, maxRepetitions: 20),
        request(.setRequest, ["1.3.6.1.2.1.1.5.0"], value: .string("x")),
        request(.getNextRequest, ["1.3.6.1.2.1.31.1.1.1.6"], version: .v1),
        request(.getRequest, ["1.3.6.1.4.1.99999.1.6.0"], version: .v1, requestID: -1),
    ]

    static func mutate(_ seed: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var p = seed
        let position = { (p: [UInt8], rng: inout SeededGenerator) in p.isEmpty ? 0 : Int.random(in: 0..<p.count, using: &rng) }
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            switch Int.random(in: 0..<9, using: &rng) {
            case 0: p = Array(p.prefix(position(p, &rng)))
            case 1: for _ in 0..<Int.random(in: 1...4, using: &rng) where !p.isEmpty { p[position(p, &rng)] ^= UInt8.random(in: 1...255, using: &rng) }
            case 2:
                if !p.isEmpty {
                    let i = position(p, &rng)
                    p.replaceSubrange(i..<i + 1, with: [0x84, 0xFF, 0xFF, 0xFF, 0xFF])
                }
            case 3: if !p.isEmpty { p[position(p, &rng)] = [0x80, 0x81, 0x84, 0x85, 0xFF, 0x7F].randomElement(using: &rng)! }
            case 4:
                var nested = p
                for _ in 0..<Int.random(in: 1...64, using: &rng) {
                    var w = BERWriter()
                    w.write(tag: [0x30, 0xA0, 0xA5, 0x04].randomElement(using: &rng)!, content: nested)
                    nested = w.bytes
                }
                p = nested
            case 5: p.insert(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: position(p, &rng))
            case 6: p += seeds.randomElement(using: &rng)!
            case 7: if !p.isEmpty { let i = position(p, &rng); p.removeSubrange(i..<min(p.count, i + Int.random(in: 1...8, using: &rng))) }
            default: p = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
        }
        return p
    }

    @Test func thousandsOfMutationsNeverTrapAndAreCounted() throws {
        let agent = SNMPAgent(community: "public", source: standardMIB())
        var rng = SeededGenerator(state: 0x5EED_0F_7E57)
        let rounds = 20_000
        for round in 0..<rounds {
            let packet = Self.mutate(Self.seeds[round % Self.seeds.count], &rng)
            guard let response = agent.respond(to: packet) else { continue }
            #expect(response.count <= 1472)
            let message = try SNMPMessage(decoding: response)
            #expect(message.pdu.type == .response)
        }
        let s = agent.statistics
        #expect(s.received == rounds)
        #expect(s.received == s.answered + s.badCommunity + s.malformed + s.unsupported)
        #expect(s.malformed > rounds / 2)
        #expect(s.answered > 0)
    }

    @Test func hugeLengthsAndDeepNestingAreMalformed() {
        let agent = SNMPAgent(community: "public", source: standardMIB())
        let get = request(.getRequest, ["1.3.6.1.2.1.1.1.0"])
        var packets: [[UInt8]] = [
            [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF] + get.dropFirst(2),
            [0x30, 0x80] + get.dropFirst(2) + [0, 0],
            [0x30, 0x85, 0, 0, 0, 0, 0x27] + get.dropFirst(2),
            Array(get.dropLast()),
            get + [0],
            [],
            [0x30],
            [0x30, 0x00],
        ]
        var deep: [UInt8] = [0x05, 0x00]
        for _ in 0..<5_000 { deep = [0x30, 0x84] + withUnsafeBytes(of: UInt32(deep.count).bigEndian, Array.init) + deep }
        packets.append(deep)
        for packet in packets { #expect(agent.respond(to: packet) == nil) }
        #expect(agent.statistics.malformed == packets.count)
    }
}
