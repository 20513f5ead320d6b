extension QRCode {
    /// The module grid while a symbol is built: function patterns first, then the data bits
    /// in the zigzag order, then a mask with the format information that names it.
    struct Matrix {
        let version: Int
        let size: Int
        /// Row-major, `true` for dark.
        var modules: [Bool]
        /// Row-major, `true` where a function pattern (or reserved format/version area) sits.
        var isFunction: [Bool]

        init(version: Int) {
            self.version = version
            size = 17 + 4 * version
            modules = Array(repeating: false, count: size * size)
            isFunction = Array(repeating: false, count: size * size)
            drawTimingPatterns()
            drawFinderPattern(centreX: 3, centreY: 3)
            drawFinderPattern(centreX: size - 4, centreY: 3)
            drawFinderPattern(centreX: 3, centreY: size - 4)
            drawAlignmentPatterns()
            // Reserve both format areas (and set the dark module) until a mask is chosen.
            drawFormatInformation(0)
            drawVersionInformation()
        }

        subscript(x: Int, y: Int) -> Bool {
            get { modules[y * size + x] }
            set { modules[y * size + x] = newValue }
        }

        private mutating func setFunction(x: Int, y: Int, dark: Bool) {
            modules[y * size + x] = dark
            isFunction[y * size + x] = true
        }

        /// Row 6 and column 6 alternate dark and light, dark on even indices; the finders
        /// drawn afterwards cover both ends.
        private mutating func drawTimingPatterns() {
            for index in 0..<size {
                setFunction(x: 6, y: index, dark: index % 2 == 0)
                setFunction(x: index, y: 6, dark: index % 2 == 0)
            }
        }

        /// A 7 × 7 finder (dark ring, light ring, dark 3 × 3 core) plus its one-module light
        /// separator, clipped to the symbol.
        private mutating func drawFinderPattern(centreX: Int, centreY: Int) {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = centreX + dx, y = centreY + dy
                    guard x >= 0, y >= 0, x < size, y < size else { continue }
                    let ring = max(abs(dx), abs(dy))
                    setFunction(x: x, y: y, dark: ring != 2 && ring != 4)
                }
            }
        }

        /// 5 × 5 alignment patterns (dark ring, light ring, dark centre) at every pair of
        /// Annex E centres except the three that would overlap a finder.
        private mutating func drawAlignmentPatterns() {
            let centres = QRCode.alignmentPatternCentres(version: version)
            guard let first = centres.first, let last = centres.last else { return }
            for cy in centres {
                for cx in centres {
                    if (cx == first && cy == first) || (cx == first && cy == last)
                        || (cx == last && cy == first)
                    {
                        continue
                    }
                    for dy in -2...2 {
                        for dx in -2...2 {
                            setFunction(x: cx + dx, y: cy + dy, dark: max(abs(dx), abs(dy)) != 1)
                        }
                    }
                }
            }
        }

        /// The 15-bit format information, bit 14 first in reading order. Copy one wraps the
        /// top-left finder: bits 0–5 down column 8 (rows 0–5), bits 6–8 around the timing
        /// crossing, bits 9–14 leftwards along row 8 (columns 5–0). Copy two: bits 0–7 along
        /// row 8 from the right edge leftwards, bits 8–14 down column 8 in the bottom seven
        /// rows. The module at (8, size − 8) is always dark.
        mutating func drawFormatInformation(_ bits: Int) {
            func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
            for index in 0..<6 { setFunction(x: 8, y: index, dark: bit(index)) }
            setFunction(x: 8, y: 7, dark: bit(6))
            setFunction(x: 8, y: 8, dark: bit(7))
            setFunction(x: 7, y: 8, dark: bit(8))
            for index in 9..<15 { setFunction(x: 14 - index, y: 8, dark: bit(index)) }

            for index in 0..<8 { setFunction(x: size - 1 - index, y: 8, dark: bit(index)) }
            for index in 8..<15 { setFunction(x: 8, y: size - 15 + index, dark: bit(index)) }
            setFunction(x: 8, y: size - 8, dark: true)
        }

        /// From version 7, the 18-bit version information twice: a 6 × 3 block above the
        /// bottom-left finder and its transpose left of the top-right finder. Bit i sits at
        /// row size − 11 + i % 3, column i / 3 (and transposed).
        private mutating func drawVersionInformation() {
            guard version >= 7 else { return }
            let bits = QRCode.versionInformation(version: version)
            for index in 0..<18 {
                let dark = (bits >> index) & 1 == 1
                let along = index / 3, across = size - 11 + index % 3
                setFunction(x: along, y: across, dark: dark)
                setFunction(x: across, y: along, dark: dark)
            }
        }

        /// Places codewords most significant bit first in two-module-wide columns from the
        /// right edge, upwards then downwards alternately, stepping over the vertical timing
        /// column and every function module. Remainder modules stay light.
        mutating func placeCodewords(_ codewords: [UInt8]) {
            let bitCount = codewords.count * 8
            var bitIndex = 0
            var upward = true
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for step in 0..<size {
                    let y = upward ? size - 1 - step : step
                    for x in [right, right - 1] where !isFunction[y * size + x] {
                        if bitIndex < bitCount {
                            let byte = codewords[bitIndex / 8]
                            self[x, y] = (byte >> UInt8(7 - bitIndex % 8)) & 1 == 1
                        }
                        bitIndex += 1
                    }
                }
                upward.toggle()
                right -= 2
            }
        }
    }

    /// The BCH(15,5) format information: two level bits and three mask bits, ten check bits
    /// from the generator x¹⁰ + x⁸ + x⁵ + x⁴ + x² + x + 1 (0x537), XORed with 0x5412 so that
    /// no combination is all light.
    static func formatInformation(correction: ErrorCorrection, mask: Int) -> Int {
        let levelBits: Int
        switch correction {
        case .low: levelBits = 0b01
        case .medium: levelBits = 0b00
        case .quartile: levelBits = 0b11
        case .high: levelBits = 0b10
        }
        let data = levelBits << 3 | mask
        return (data << 10 | bchRemainder(data << 10, generator: 0x537, degree: 10)) ^ 0x5412
    }

    /// The BCH(18,6) version information: six version bits and twelve check bits from the
    /// generator x¹² + x¹¹ + x¹⁰ + x⁹ + x⁸ + x⁵ + x² + 1 (0x1F25).
    static func versionInformation(version: Int) -> Int {
        version << 12 | bchRemainder(version << 12, generator: 0x1F25, degree: 12)
    }

    /// The remainder of polynomial division over GF(2).
    private static func bchRemainder(_ value: Int, generator: Int, degree: Int) -> Int {
        var remainder = value
        var topBit = Int.bitWidth - 1
        while topBit >= degree {
            if (remainder >> topBit) & 1 == 1 { remainder ^= generator << (topBit - degree) }
            topBit -= 1
        }
        return remainder
    }
}
