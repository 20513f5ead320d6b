import WeftMesh

/// A seeded generator (SplitMix64) so a failing property shows its seed and replays.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Generate {
    static let addresses = ["100.127.255.193", "100.127.255.194", "100.127.255.195"]

    /// Small value ranges so ties (same instant, different values/controllers) happen often.
    static func stamp(_ rng: inout SeededRandom) -> HybridTimestamp {
        HybridTimestamp(wallMillis: Int64.random(in: 1...4, using: &rng), counter: UInt32.random(in: 0...1, using: &rng),
                        controller: Int.random(in: 1...3, using: &rng))
    }

    static func change(_ rng: inout SeededRandom) -> PackChange {
        switch Int.random(in: 0...7, using: &rng) {
        case 0: .enabled(Bool.random(using: &rng))
        case 1: .checkedOut(Bool.random(using: &rng))
        case 2: .tags(["team": ["red", "blue"].randomElement(using: &rng)!])
        case 3: .owner(["ann", "bob"].randomElement(using: &rng)!)
        case 4: .description(["laptop", "phone"].randomElement(using: &rng)!)
        case 5: .expiresAt([nil, 100, 200].randomElement(using: &rng)!)
        // Certificate serials are random 64-bit numbers: a new key never reuses one.
        case 6: .regenerated(serial: String(UInt64.random(in: 1...UInt64.max, using: &rng)))
        default: .revoked(serial: String(Int.random(in: 1...6, using: &rng)))
        }
    }

    static func state(_ rng: inout SeededRandom) -> MeshState {
        var state = MeshState()
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            state.packs[addresses.randomElement(using: &rng)!, default: PackRecord()]
                .apply(change(&rng), at: stamp(&rng))
        }
        if Bool.random(using: &rng) {
            state.keysetChecksum = Register(Text(["aa", "bb"].randomElement(using: &rng)!), at: stamp(&rng))
        }
        return state
    }
}
