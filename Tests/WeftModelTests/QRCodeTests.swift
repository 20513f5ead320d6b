import Testing
@testable import WeftModel

@Suite struct QRCodeTests {
    // MARK: GF(256) and Reed–Solomon

    @Test func fieldFollowsThe0x11DPolynomial() {
        #expect(GF256.exp[0] == 1)
        #expect(GF256.exp[7] == 0x80)
        #expect(GF256.exp[8] == 0x1D)  // α⁸ = x⁴ + x³ + x² + 1
        #expect(GF256.exp[255] == 1)
        #expect(Set(GF256.exp[0..<255]).count == 255)  // α generates every non-zero element
        for value in 1...255 {
            let inverse = GF256.exp[255 - GF256.log[value]]
            #expect(GF256.multiply(UInt8(value), inverse) == 1)
        }
        #expect(GF256.multiply(0, 0x53) == 0)
    }

    /// ISO/IEC 18004 Annex A: the 7-codeword generator is
    /// x⁷ + α⁸⁷x⁶ + α²²⁹x⁵ + α¹⁴⁶x⁴ + α¹⁴⁹x³ + α²³⁸x² + α¹⁰²x + α²¹.
    @Test func generatorPolynomialMatchesAnnexA() {
        #expect(ReedSolomon.generator(degree: 7).map { GF256.log[Int($0)] } == [87, 229, 146, 149, 238, 102, 21])
    }

    /// ISO/IEC 18004 Annex I: "01234567" as a 1-M symbol.
    @Test func errorCorrectionOfTheAnnexIExample() {
        let data: [UInt8] = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
        ]
        let ec = ReedSolomon.remainder(of: data, divisor: ReedSolomon.generator(degree: 10))
        #expect(ec == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }

    /// The widely published "HELLO WORLD" 1-M alphanumeric example.
    @Test func errorCorrectionOfHelloWorld1M() {
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        let ec = ReedSolomon.remainder(of: data, divisor: ReedSolomon.generator(degree: 10))
        #expect(ec == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    // MARK: Data and block structure

    @Test func byteModeBitStreamIsModeCountDataTerminatorPad() {
        let codewords = QRCode.dataCodewords(Array("Hi".utf8), version: 1, correction: .medium)
        // 0100 | 00000010 | 01001000 | 01101001 | 0000, then 0xEC 0x11 alternately.
        #expect(codewords == [0x40, 0x24, 0x86, 0x90, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11])
        // From version 10 the count takes 16 bits.
        let long = QRCode.dataCodewords([0xFF], version: 10, correction: .low)
        #expect(Array(long.prefix(4)) == [0x40, 0x00, 0x1F, 0xF0])
    }

    @Test func totalCodewordsMatchTable1() {
        #expect(QRCode.totalCodewordCount(version: 1) == 26)
        #expect(QRCode.totalCodewordCount(version: 2) == 44)
        #expect(QRCode.totalCodewordCount(version: 7) == 196)
        #expect(QRCode.totalCodewordCount(version: 21) == 1156)
        #expect(QRCode.totalCodewordCount(version: 40) == 3706)
    }

    /// The closed-form count of data modules agrees with the drawn function patterns, and the
    /// Annex E centres end 7 modules from the far edge.
    @Test(arguments: 1...40) func dataModulesMatchTheDrawnFunctionPatterns(version: Int) {
        let matrix = QRCode.Matrix(version: version)
        #expect(matrix.isFunction.filter { !$0 }.count == QRCode.rawDataModuleCount(version: version))
        if let last = QRCode.alignmentPatternCentres(version: version).last {
            #expect(last == matrix.size - 7)
        }
    }

    @Test func blocksSplitShortThenLong() {
        // 5-Q: 2 blocks of 15 data codewords, then 2 of 16; 18 error-correction codewords each.
        let data = (0..<62).map { UInt8($0) }
        let blocks = QRCode.blockData(data, version: 5, correction: .quartile)
        #expect(blocks.map(\.count) == [15, 15, 16, 16])
        #expect(blocks.flatMap { $0 } == data)
        let interleaved = QRCode.interleavedCodewords(data, version: 5, correction: .quartile)
        #expect(interleaved.count == 134)
        #expect(Array(interleaved.prefix(5)) == [0, 15, 30, 46, 1])
        #expect(Array(interleaved[60..<62]) == [45, 61])  // only the long blocks have a 16th
    }

    // MARK: Version selection

    /// Byte-mode capacities from Table 7.
    @Test func capacitiesMatchTable7() {
        let expected: [Int: [Int]] = [
            1: [17, 14, 11, 7], 2: [32, 26, 20, 14], 7: [154, 122, 86, 64],
            10: [271, 213, 151, 119], 40: [2953, 2331, 1663, 1273],
        ]
        let levels: [QRCode.ErrorCorrection] = [.low, .medium, .quartile, .high]
        for (version, capacities) in expected {
            #expect(levels.map { QRCode.byteCapacity(version: version, correction: $0) } == capacities)
        }
    }

    @Test(arguments: [1, 2, 6, 9, 10, 20, 39])
    func smallestVersionIsChosenAtTheBoundary(version: Int) throws {
        for level in QRCode.ErrorCorrection.allCases {
            let capacity = QRCode.byteCapacity(version: version, correction: level)
            let full = try QRCode.encode([UInt8](repeating: 0x41, count: capacity), correction: level)
            #expect(full.version == version)
            let over = try QRCode.encode([UInt8](repeating: 0x41, count: capacity + 1), correction: level)
            #expect(over.version == version + 1)
        }
    }

    @Test func defaultsToMediumAndEncodesTextAsUTF8() throws {
        let code = try QRCode.encode("Grüße")
        #expect(code.correction == .medium)
        #expect(code == (try QRCode.encode(Array("Grüße".utf8), correction: .medium)))
    }

    @Test func refusesPayloadsBeyondVersion40() throws {
        #expect(try QRCode.encode([UInt8](repeating: 0x61, count: 2953), correction: .low).version == 40)
        #expect(throws: QRCodeError.tooLong) {
            try QRCode.encode([UInt8](repeating: 0x61, count: 2954), correction: .low)
        }
        #expect(throws: QRCodeError.tooLong) {
            try QRCode.encode([UInt8](repeating: 0x61, count: 2332))
        }
        #expect(throws: QRCodeError.tooLong) {
            try QRCode.encode([UInt8](repeating: 0x61, count: 1274), correction: .high)
        }
    }

    // MARK: Format and version information

    @Test func formatInformationMatchesPublishedBits() {
        #expect(QRCode.formatInformation(correction: .medium, mask: 0) == 0b101010000010010)
        #expect(QRCode.formatInformation(correction: .low, mask: 4) == 0b110011000101111)
        #expect(QRCode.formatInformation(correction: .low, mask: 7) == 0b110100101110110)
        #expect(QRCode.formatInformation(correction: .quartile, mask: 7) == 0b010101111101101)
        #expect(QRCode.formatInformation(correction: .high, mask: 0) == 0b001011010001001)
    }

    @Test func versionInformationMatchesAnnexD() {
        #expect(QRCode.versionInformation(version: 7) == 0x07C94)
        #expect(QRCode.versionInformation(version: 40) == 0x28C69)
    }

    @Test(arguments: 0..<8) func bothFormatCopiesNameTheLevelAndMask(mask: Int) throws {
        let code = try QRCode.encode(Array("weft".utf8), correction: .quartile, minimumVersion: 3, mask: mask)
        let size = code.size
        func bits(_ positions: [(Int, Int)]) -> Int {
            positions.enumerated().reduce(0) { $0 | (code.isDark(x: $1.element.0, y: $1.element.1) ? 1 << $1.offset : 0) }
        }
        let first = bits((0..<6).map { (8, $0) } + [(8, 7), (8, 8), (7, 8)] + (9..<15).map { (14 - $0, 8) })
        let second = bits((0..<8).map { (size - 1 - $0, 8) } + (8..<15).map { (8, size - 15 + $0) })
        #expect(first == QRCode.formatInformation(correction: .quartile, mask: mask))
        #expect(second == first)
        #expect(code.isDark(x: 8, y: size - 8))
    }

    @Test func versionInformationIsPlacedFromVersion7() throws {
        let code = try QRCode.encode([UInt8](repeating: 0x20, count: 130))  // 7-M holds 122
        #expect(code.version == 8)
        let size = code.size
        var bottomLeft = 0, topRight = 0
        for index in 0..<18 {
            if code.isDark(x: index / 3, y: size - 11 + index % 3) { bottomLeft |= 1 << index }
            if code.isDark(x: size - 11 + index % 3, y: index / 3) { topRight |= 1 << index }
        }
        #expect(bottomLeft == QRCode.versionInformation(version: 8))
        #expect(topRight == bottomLeft)
    }

    // MARK: Symbol structure

    @Test func sizeFindersAndTimingPatterns() throws {
        let cases: [(Int, QRCode.ErrorCorrection, Int)] = [(1, .medium, 1), (110, .medium, 7), (2900, .low, 40)]
        for (length, level, version) in cases {
            let code = try QRCode.encode([UInt8](repeating: 0x5A, count: length), correction: level)
            #expect(code.version == version)
            #expect(code.size == 17 + 4 * version)
            for (ox, oy) in [(0, 0), (code.size - 7, 0), (0, code.size - 7)] {
                for dy in -1...7 {
                    for dx in -1...7 {
                        let ring = max(abs(dx - 3), abs(dy - 3))
                        #expect(code.isDark(x: ox + dx, y: oy + dy) == (ring != 2 && ring != 4))
                    }
                }
            }
            for index in 8..<(code.size - 8) {
                #expect(code.isDark(x: index, y: 6) == (index % 2 == 0))
                #expect(code.isDark(x: 6, y: index) == (index % 2 == 0))
            }
            #expect(!code.isDark(x: -1, y: 0) && !code.isDark(x: code.size, y: 0))
        }
    }

    /// A 1-M symbol with mask 3 as produced independently by the segno Python library.
    @Test func matchesAnIndependentEncoder() throws {
        let golden = [
            "#######.#..#..#######",
            "#.....#.#.....#.....#",
            "#.###.#...#.#.#.###.#",
            "#.###.#.##.#..#.###.#",
            "#.###.#..###..#.###.#",
            "#.....#..##...#.....#",
            "#######.#.#.#.#######",
            "........#.###........",
            "#.##.###.#....#..#.##",
            "....##.#####.#..###.#",
            "##.##.#.###..#.#...##",
            "#.##.....###....##.#.",
            "..######..#.#.##....#",
            "........#...###.#.#..",
            "#######.####....#....",
            "#.....#.##..##.#.##.#",
            "#.###.#..#.#...#####.",
            "#.###.#.#.#.#....###.",
            "#.###.#.##..#.##..#..",
            "#.....#...##.####...#",
            "#######.####..##..#..",
        ]
        let code = try QRCode.encode(Array("hello, weft qr".utf8), correction: .medium, minimumVersion: 1, mask: 3)
        let rows = (0..<code.size).map { y in String((0..<code.size).map { code.isDark(x: $0, y: y) ? "#" : "." }) }
        #expect(rows == golden)
    }

    @Test func chosenMaskHasTheLowestPenalty() throws {
        let bytes = Array("[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n".utf8)
        let chosen = try QRCode.encode(bytes)
        let score = { (code: QRCode) in
            QRCode.penalty((0..<code.size * code.size).map { code.isDark(x: $0 % code.size, y: $0 / code.size) }, size: code.size)
        }
        for mask in 0..<8 {
            let other = try QRCode.encode(bytes, correction: .medium, minimumVersion: 1, mask: mask)
            #expect(score(chosen) <= score(other))
        }
    }

    @Test func penaltyRules() {
        // All light 21 × 21: rule 1 gives 42 lines × (3 + 16), rule 2 gives 20 × 20 × 3,
        // rule 4 gives 10 × 10; no finder-like runs.
        #expect(QRCode.penalty(Array(repeating: false, count: 441), size: 21) == 42 * 19 + 1200 + 100)
    }

    // MARK: SVG

    @Test func svgHasQuietZoneTitleAndOnePath() throws {
        let code = try QRCode.encode("weft")
        let svg = code.svg(moduleSize: 5, title: "wg <peer> & \"key\"")
        let extent = code.size + 8
        #expect(svg.contains("width=\"\(extent * 5)\" height=\"\(extent * 5)\""))
        #expect(svg.contains("viewBox=\"0 0 \(extent) \(extent)\""))
        #expect(svg.contains("shape-rendering=\"crispEdges\""))
        #expect(svg.contains("<title>wg &lt;peer&gt; &amp; &quot;key&quot;</title>"))
        #expect(svg.split(separator: "\n").filter { $0.hasPrefix("<path") }.count == 1)
        #expect(svg.contains("M4 4h7v1h-7z"))  // the top row of the top-left finder
    }
}
