import CPCRE2

/// A compiled PCRE2 pattern (8-bit code units, no UTF). Matching allocates its own
/// match data, so one compiled pattern can be shared.
public final class PCRERegex: @unchecked Sendable {
    private let code: OpaquePointer

    public struct Options: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let caseless = Options(rawValue: UInt32(PCRE2_CASELESS))
        public static let dotall = Options(rawValue: UInt32(PCRE2_DOTALL))
        public static let multiline = Options(rawValue: UInt32(PCRE2_MULTILINE))
        public static let extended = Options(rawValue: UInt32(PCRE2_EXTENDED))
        public static let anchored = Options(rawValue: UInt32(PCRE2_ANCHORED))
        public static let dollarEndOnly = Options(rawValue: UInt32(PCRE2_DOLLAR_ENDONLY))
        public static let ungreedy = Options(rawValue: UInt32(PCRE2_UNGREEDY))
    }

    public init(_ pattern: String, options: Options = []) throws {
        var err: Int32 = 0
        var errOffset = 0
        let bytes = Array(pattern.utf8)
        let compiled = bytes.withUnsafeBufferPointer { buf in
            pcre2_compile_8(buf.baseAddress, buf.count, options.rawValue, &err, &errOffset, nil)
        }
        guard let compiled else {
            var msg = [UInt8](repeating: 0, count: 256)
            let n = pcre2_get_error_message_8(err, &msg, msg.count)
            let text = n > 0 ? String(decoding: msg[0..<Int(n)], as: UTF8.self) : "error \(err)"
            throw IDSError(.rulePcre, "pcre does not compile at offset \(errOffset): \(text)")
        }
        code = compiled
        _ = pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE))
    }

    deinit { pcre2_code_free_8(code) }

    /// The first match at or after `start`, in the subject `subject[subjectStart...]` (so `^`
    /// anchors at `subjectStart`, as Suricata does for relative pcre): (start, end) in `subject`.
    public func firstMatch(in subject: [UInt8], from start: Int, subjectStart: Int = 0) -> (Int, Int)? {
        guard subjectStart <= subject.count, start >= subjectStart, start <= subject.count else { return nil }
        guard let md = pcre2_match_data_create_from_pattern_8(code, nil) else { return nil }
        defer { pcre2_match_data_free_8(md) }
        let rc = subject.withUnsafeBufferPointer { buf -> Int32 in
            // An empty subject still needs a valid pointer.
            var empty: UInt8 = 0
            guard let base = buf.baseAddress, buf.count > subjectStart else {
                return pcre2_match_8(code, &empty, 0, 0, 0, md, nil)
            }
            return pcre2_match_8(code, base + subjectStart, buf.count - subjectStart, start - subjectStart, 0, md, nil)
        }
        guard rc > 0, let ov = pcre2_get_ovector_pointer_8(md) else { return nil }
        return (Int(ov[0]) + subjectStart, Int(ov[1]) + subjectStart)
    }
}
