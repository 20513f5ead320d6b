import Testing
@testable import WeftModel

@Suite struct JSONTests {
    @Test func roundTripsKeepingKeyOrder() throws {
        let text = #"{"b":1,"a":[true,false,null,"x\"y\n",-2.5,{"k":{}}],"c":"é😀"}"#
        let value = try JSONParser.parse(text)
        #expect(JSONWriter.string(value) == text)
        if case .object(let object) = value { #expect(object.keys == ["b", "a", "c"]) } else { Issue.record("not an object") }
    }

    @Test func keepsBooleansAndIntegersApart() throws {
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse("1") == .int(1))
        #expect(try JSONParser.parse("1.0") == .double(1.0))
        #expect(try JSONParser.parse(#""\u00e9\ud83d\ude00""#) == .string("é😀"))
    }

    @Test(arguments: ["", "{", "{\"a\":}", "[1,]", "{\"a\":1,}", "tru", "01", "\"\\x\"", "{\"a\":1}x", "{\"a\":1,\"a\":2}",
                      "\"\u{01}\"", "\"\\ud800\"", "NaN", "[" + String(repeating: "[", count: 100) + "]"])
    func refusesMalformedInput(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func writesControlCharactersEscapedOnOneLine() {
        #expect(JSONWriter.string(.string("a\u{01}\tb\r\n")) == #""a\u0001\tb\r\n""#)
    }
}

@Suite struct ArchiveTests {
    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(Archive.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func archivesAreDeterministic() {
        let files = [Archive.File(name: "a.ovpn", bytes: Array("client\n".utf8)), Archive.File(name: "b.conf", bytes: [UInt8](repeating: 7, count: 70_000))]
        #expect(Archive.zip(files) == Archive.zip(files))
        #expect(Archive.tarGz(files) == Archive.tarGz(files))
        let gz = Archive.tarGz(files)
        #expect(Array(gz.prefix(3)) == [0x1F, 0x8B, 8])
        #expect(Array(Archive.zip(files).prefix(4)) == [0x50, 0x4B, 3, 4])
    }
}
