extension QRCode {
    /// Whether data mask `pattern` (0...7) inverts the module at `row`, `column`
    /// (ISO/IEC 18004 Table 10, i = row, j = column).
    static func maskInverts(pattern: Int, row i: Int, column j: Int) -> Bool {
        switch pattern {
        case 0: return (i + j) % 2 == 0
        case 1: return i % 2 == 0
        case 2: return j % 3 == 0
        case 3: return (i + j) % 3 == 0
        case 4: return (i / 2 + j / 3) % 2 == 0
        case 5: return (i * j) % 2 + (i * j) % 3 == 0
        case 6: return ((i * j) % 2 + (i * j) % 3) % 2 == 0
        case 7: return ((i + j) % 2 + (i * j) % 3) % 2 == 0
        default: preconditionFailure("QR masks run 0...7")
        }
    }

    /// Penalty score of a finished symbol (ISO/IEC 18004 §7.8.3): lower is easier to scan.
    /// 1. each run of five or more same-coloured modules in a row or column: 3 + (length − 5);
    /// 2. each 2 × 2 block of one colour (overlapping blocks count separately): 3;
    /// 3. each dark-light-dark-dark-dark-light-dark (1:1:3:1:1) run with four light modules
    ///    on either side, the quiet zone counting as light: 40;
    /// 4. 10 for every full 5 % the dark proportion strays from 50 %.
    static func penalty(_ modules: [Bool], size: Int) -> Int {
        var score = 0
        let finderLike = 0b1011101_0000, finderLikeReversed = 0b0000_1011101
        for line in 0..<size {
            for vertical in [false, true] {
                @inline(__always) func at(_ index: Int) -> Bool {
                    vertical ? modules[index * size + line] : modules[line * size + index]
                }
                // Rule 1: runs.
                var runColour = at(0)
                var runLength = 1
                for index in 1..<size {
                    if at(index) == runColour {
                        runLength += 1
                    } else {
                        if runLength >= 5 { score += runLength - 2 }
                        runColour.toggle()
                        runLength = 1
                    }
                }
                if runLength >= 5 { score += runLength - 2 }
                // Rule 3: an 11-module window sliding over the line padded with 4 light each side.
                var window = 0
                for index in 0..<(size + 8) {
                    let dark = index >= 4 && index < size + 4 && at(index - 4)
                    window = (window << 1 | (dark ? 1 : 0)) & 0x7FF
                    if index >= 10 {
                        if window == finderLike { score += 40 }
                        if window == finderLikeReversed { score += 40 }
                    }
                }
            }
        }
        // Rule 2: 2 × 2 blocks.
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = modules[y * size + x]
                if modules[y * size + x + 1] == colour, modules[(y + 1) * size + x] == colour,
                    modules[(y + 1) * size + x + 1] == colour
                {
                    score += 3
                }
            }
        }
        // Rule 4: balance.
        let total = size * size
        let dark = modules.reduce(0) { $0 + ($1 ? 1 : 0) }
        let deviationSteps = abs(dark * 20 - total * 10) / total  // |dark% − 50| / 5, floored
        score += deviationSteps * 10
        return score
    }
}

extension QRCode.Matrix {
    /// This grid with data mask `pattern` applied to every non-function module and the
    /// format information for (`correction`, `pattern`) drawn.
    func masked(_ pattern: Int, correction: QRCode.ErrorCorrection) -> [Bool] {
        var copy = self
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] {
                if QRCode.maskInverts(pattern: pattern, row: y, column: x) { copy[x, y].toggle() }
            }
        }
        copy.drawFormatInformation(QRCode.formatInformation(correction: correction, mask: pattern))
        return copy.modules
    }

    /// The lowest-penalty masking (the first on a tie), or `fixedMask` when given.
    func maskedModules(correction: QRCode.ErrorCorrection, fixedMask: Int?) -> (mask: Int, modules: [Bool]) {
        if let fixedMask { return (fixedMask, masked(fixedMask, correction: correction)) }
        var best: (mask: Int, modules: [Bool], score: Int)?
        for pattern in 0..<8 {
            let candidate = masked(pattern, correction: correction)
            let score = QRCode.penalty(candidate, size: size)
            if best == nil || score < best!.score { best = (pattern, candidate, score) }
        }
        return (best!.mask, best!.modules)
    }
}
