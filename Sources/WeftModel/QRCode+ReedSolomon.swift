/// Arithmetic in GF(2⁸) with the QR field polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D),
/// whose root α = 2 generates the multiplicative group.
enum GF256 {
    /// `exp[i]` is αⁱ for i in 0..<255, repeated once more so sums of logs need no modulo.
    static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for power in 0..<255 {
            table[power] = UInt8(value)
            table[power + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    /// `log[v]` is the i with αⁱ = v; `log[0]` is unused.
    static let log: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for power in 0..<255 { table[Int(exp[power])] = power }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exp[log[Int(a)] + log[Int(b)]]
    }
}

/// Reed–Solomon error-correction codewords as QR uses them: the generator is
/// (x − α⁰)(x − α¹)…(x − αⁿ⁻¹) and the codewords are the remainder of the data polynomial
/// times xⁿ divided by it.
enum ReedSolomon {
    /// The generator polynomial of `degree`, coefficients from x^(degree−1) down to x⁰ (the
    /// leading 1 of the monic polynomial is implied).
    static func generator(degree: Int) -> [UInt8] {
        precondition(degree >= 1 && degree <= 254)
        // Full coefficients, highest power first, starting from the polynomial 1.
        var poly: [UInt8] = [1]
        for power in 0..<degree {
            let root = GF256.exp[power]
            var next = poly + [0]  // poly × x
            for index in 0..<poly.count {
                next[index + 1] ^= GF256.multiply(poly[index], root)  // + poly × αⁱ
            }
            poly = next
        }
        return Array(poly.dropFirst())
    }

    /// The `divisor.count` error-correction codewords for `data`.
    static func remainder(of data: [UInt8], divisor: [UInt8]) -> [UInt8] {
        var remainder = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            if factor != 0 {
                for index in divisor.indices {
                    remainder[index] ^= GF256.multiply(divisor[index], factor)
                }
            }
        }
        return remainder
    }
}
