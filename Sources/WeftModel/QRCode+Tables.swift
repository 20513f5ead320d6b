/// Per-version constants from ISO/IEC 18004: Table 9 (error-correction block structure)
/// and Annex E (alignment pattern centres). Index 0 of each row is version 1.
extension QRCode {
    /// Error-correction codewords in each block (Table 9), per level, versions 1...40.
    private static let ecCodewordsPerBlock: [ErrorCorrection: [Int]] = [
        .low: [
            7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
            28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
        .medium: [
            10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
            26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        ],
        .quartile: [
            13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
            28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
        .high: [
            17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
            30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
    ]

    /// Error-correction blocks (Table 9), per level, versions 1...40.
    private static let ecBlockCounts: [ErrorCorrection: [Int]] = [
        .low: [
            1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
            8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
        ],
        .medium: [
            1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
            17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
        ],
        .quartile: [
            1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
            23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
        ],
        .high: [
            1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
            25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
        ],
    ]

    /// Alignment pattern centre coordinates (Annex E, Table E.1), versions 2...40; the
    /// patterns sit at every pair of these except the three finder corners.
    private static let alignmentCentres: [[Int]] = [
        [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
        [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62],
        [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82],
        [6, 30, 58, 86], [6, 34, 62, 90],
        [6, 28, 50, 72, 94], [6, 26, 50, 74, 98], [6, 30, 54, 78, 102], [6, 28, 54, 80, 106],
        [6, 32, 58, 84, 110], [6, 30, 58, 86, 114], [6, 34, 62, 90, 118],
        [6, 26, 50, 74, 98, 122], [6, 30, 54, 78, 102, 126], [6, 26, 52, 78, 104, 130],
        [6, 30, 56, 82, 108, 134], [6, 34, 60, 86, 112, 138], [6, 30, 58, 86, 114, 142],
        [6, 34, 62, 90, 118, 146],
        [6, 30, 54, 78, 102, 126, 150], [6, 24, 50, 76, 102, 128, 154],
        [6, 28, 54, 80, 106, 132, 158], [6, 32, 58, 84, 110, 136, 162],
        [6, 26, 54, 82, 110, 138, 166], [6, 30, 58, 86, 114, 142, 170],
    ]

    static func errorCorrectionCodewordsPerBlock(version: Int, correction: ErrorCorrection) -> Int {
        ecCodewordsPerBlock[correction]![version - 1]
    }

    static func errorCorrectionBlockCount(version: Int, correction: ErrorCorrection) -> Int {
        ecBlockCounts[correction]![version - 1]
    }

    static func alignmentPatternCentres(version: Int) -> [Int] {
        version == 1 ? [] : alignmentCentres[version - 2]
    }

    /// Modules left for data and error correction once the function patterns are drawn:
    /// three finders with separators (3 × 64), two timing lines between them, the alignment
    /// patterns (25 modules each, 5 of them shared with a timing line for those on row or
    /// column 6), both copies of the format information plus the dark module (31) and, from
    /// version 7, both copies of the version information (36).
    static func rawDataModuleCount(version: Int) -> Int {
        let size = 17 + 4 * version
        var count = size * size - 3 * 64 - 2 * (size - 16) - 31
        let perSide = alignmentPatternCentres(version: version).count
        if perSide > 0 {
            count -= 25 * (perSide * perSide - 3) - 2 * 5 * (perSide - 2)
        }
        if version >= 7 { count -= 36 }
        return count
    }

    /// All codewords of the symbol; the leftover 0, 3, 4 or 7 remainder bits stay light.
    static func totalCodewordCount(version: Int) -> Int {
        rawDataModuleCount(version: version) / 8
    }

    static func dataCodewordCount(version: Int, correction: ErrorCorrection) -> Int {
        totalCodewordCount(version: version)
            - errorCorrectionBlockCount(version: version, correction: correction)
            * errorCorrectionCodewordsPerBlock(version: version, correction: correction)
    }
}
