/// A QR Code (Model 2, ISO/IEC 18004) holding a byte-mode payload.
///
/// Built for handing WireGuard client configs to phones: byte mode only (UTF-8 text or raw
/// bytes), versions 1–40, the four error-correction levels, the smallest version that fits
/// and the mask with the lowest penalty score. The symbol is an immutable value; render it
/// with ``svg(moduleSize:title:)`` or read modules with ``isDark(x:y:)``.
public struct QRCode: Sendable, Equatable {
    /// The error-correction level: roughly 7 %, 15 %, 25 % and 30 % of codewords recoverable.
    public enum ErrorCorrection: Sendable, CaseIterable {
        case low, medium, quartile, high
    }

    /// The symbol version, 1...40.
    public let version: Int
    /// Modules per side: `17 + 4 * version`.
    public let size: Int
    /// The error-correction level the symbol was encoded at.
    public let correction: ErrorCorrection
    /// The data mask pattern applied, 0...7.
    public let mask: Int
    /// Row-major, `true` for dark.
    private let modules: [Bool]

    /// Whether the module at column `x`, row `y` is dark; `false` outside the symbol
    /// (the quiet zone is light).
    public func isDark(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    /// Encodes `bytes` in byte mode in the smallest version that holds them at `correction`.
    /// - Throws: ``QRCodeError/tooLong`` when even version 40 cannot hold them
    ///   (2953 bytes at `.low`, 2331 at `.medium`, 1663 at `.quartile`, 1273 at `.high`).
    public static func encode(_ bytes: [UInt8], correction: ErrorCorrection = .medium) throws -> QRCode {
        try encode(bytes, correction: correction, minimumVersion: 1, mask: nil)
    }

    /// Encodes the UTF-8 bytes of `text` in byte mode, as the byte-array overload does.
    public static func encode(_ text: String, correction: ErrorCorrection = .medium) throws -> QRCode {
        try encode(Array(text.utf8), correction: correction)
    }

    /// The most bytes a symbol of `version` holds in byte mode at `correction`.
    public static func byteCapacity(version: Int, correction: ErrorCorrection) -> Int {
        let dataBits = QRCode.dataCodewordCount(version: version, correction: correction) * 8
        return (dataBits - 4 - characterCountBits(version: version)) / 8
    }

    /// The full encoder; `minimumVersion` and a fixed `mask` exist for tests and tools.
    static func encode(
        _ bytes: [UInt8], correction: ErrorCorrection, minimumVersion: Int, mask fixedMask: Int?
    ) throws -> QRCode {
        precondition((1...40).contains(minimumVersion), "QR versions run 1...40")
        precondition(fixedMask.map { (0...7).contains($0) } ?? true, "QR masks run 0...7")
        guard let version = (minimumVersion...40).first(where: {
            bytes.count <= byteCapacity(version: $0, correction: correction)
        }) else {
            throw QRCodeError.tooLong(
                byteCount: bytes.count, capacity: byteCapacity(version: 40, correction: correction))
        }
        let data = dataCodewords(bytes, version: version, correction: correction)
        let codewords = interleavedCodewords(data, version: version, correction: correction)
        var matrix = Matrix(version: version)
        matrix.placeCodewords(codewords)
        let (mask, modules) = matrix.maskedModules(correction: correction, fixedMask: fixedMask)
        return QRCode(
            version: version, size: matrix.size, correction: correction, mask: mask, modules: modules)
    }

    private init(version: Int, size: Int, correction: ErrorCorrection, mask: Int, modules: [Bool]) {
        self.version = version
        self.size = size
        self.correction = correction
        self.mask = mask
        self.modules = modules
    }

    // MARK: - Data codewords

    /// Bits of the byte-mode character count indicator: 8 up to version 9, 16 above.
    static func characterCountBits(version: Int) -> Int {
        version <= 9 ? 8 : 16
    }

    /// Mode indicator, count, payload, terminator, zero fill to a byte boundary, then the
    /// alternating pad codewords 0xEC 0x11 up to the data capacity.
    static func dataCodewords(_ bytes: [UInt8], version: Int, correction: ErrorCorrection) -> [UInt8] {
        let capacity = dataCodewordCount(version: version, correction: correction)
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: characterCountBits(version: version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        bits.append(0, count: min(4, capacity * 8 - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < capacity {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// Splits the data into the version's blocks (short blocks first, long blocks one data
    /// codeword longer), computes each block's Reed–Solomon codewords and interleaves:
    /// data column by column across blocks, then error-correction column by column.
    static func interleavedCodewords(_ data: [UInt8], version: Int, correction: ErrorCorrection) -> [UInt8] {
        let blocks = blockData(data, version: version, correction: correction)
        let ecCount = errorCorrectionCodewordsPerBlock(version: version, correction: correction)
        let divisor = ReedSolomon.generator(degree: ecCount)
        let ecBlocks = blocks.map { ReedSolomon.remainder(of: $0, divisor: divisor) }
        var result: [UInt8] = []
        result.reserveCapacity(totalCodewordCount(version: version))
        for column in 0..<(blocks.last?.count ?? 0) {
            for block in blocks where column < block.count { result.append(block[column]) }
        }
        for column in 0..<ecCount {
            for block in ecBlocks { result.append(block[column]) }
        }
        return result
    }

    /// The data codewords cut into blocks in order, as Table 9 of ISO/IEC 18004 lays them out.
    static func blockData(_ data: [UInt8], version: Int, correction: ErrorCorrection) -> [[UInt8]] {
        let blockCount = errorCorrectionBlockCount(version: version, correction: correction)
        let ecCount = errorCorrectionCodewordsPerBlock(version: version, correction: correction)
        let total = totalCodewordCount(version: version)
        let shortBlocks = blockCount - total % blockCount
        let shortDataLength = total / blockCount - ecCount
        var blocks: [[UInt8]] = []
        var start = 0
        for index in 0..<blockCount {
            let length = shortDataLength + (index < shortBlocks ? 0 : 1)
            blocks.append(Array(data[start..<start + length]))
            start += length
        }
        return blocks
    }
}

/// A refused QR encoding; equality is on the kind, not the message.
public struct QRCodeError: Error, Equatable, Sendable, CustomStringConvertible {
    private enum Code: Sendable { case tooLong }

    private let code: Code
    /// Why the payload was refused.
    public let reason: String
    /// Where the error was raised (`#fileID`).
    public let file: String
    /// The line where the error was raised.
    public let line: Int

    /// The payload does not fit a version-40 symbol at the chosen error-correction level.
    public static var tooLong: QRCodeError {
        QRCodeError(code: .tooLong, reason: "payload too long for a QR code")
    }

    static func tooLong(
        byteCount: Int, capacity: Int, file: String = #fileID, line: Int = #line
    ) -> QRCodeError {
        QRCodeError(
            code: .tooLong,
            reason: "payload of \(byteCount) bytes exceeds the \(capacity)-byte QR capacity at this level",
            file: file, line: line)
    }

    private init(code: Code, reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { reason }

    public static func == (lhs: QRCodeError, rhs: QRCodeError) -> Bool { lhs.code == rhs.code }
}

/// Bits appended most significant first, read back as bytes.
struct BitBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func append(_ value: Int, count width: Int) {
        for shift in stride(from: width - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 { bytes[count / 8] |= 0x80 >> UInt8(count % 8) }
            count += 1
        }
    }
}
