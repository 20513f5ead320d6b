import Testing
import WeftModel

@Suite struct TextLinesTests {
    let rule = "INPUT_CUST -s 192.0.2.0/24 -j ACCEPT"

    @Test(arguments: ["\r\n", "\n", "\r"])
    func everyTerminatorEndsALine(_ newline: String) {
        let text = "# allow the office" + newline + rule + newline + "INPUT_CUST -j DROP"
        #expect(TextLines.split(text) == ["# allow the office", Substring(rule), "INPUT_CUST -j DROP"])
    }

    @Test func mixedTerminatorsInOneText() {
        #expect(TextLines.split("a\r\nb\nc\rd") == ["a", "b", "c", "d"])
    }

    @Test func aTrailingTerminatorAddsNoLine() {
        #expect(TextLines.split("a\r\n") == ["a"])
        #expect(TextLines.split("a\n") == ["a"])
        #expect(TextLines.split("a\r") == ["a"])
        #expect(TextLines.split("") == [])
    }

    @Test func blankLinesAreKeptSoLineNumbersStayRight() {
        #expect(TextLines.split("a\r\n\r\nb") == ["a", "", "b"])
        #expect(TextLines.split("\n\na") == ["", "", "a"])
        #expect(TextLines.split("a\n\n") == ["a", ""])
        #expect(TextLines.split("\r\n") == [""])
    }

    @Test func crlfIsOneTerminatorNotTwo() {
        // "\r\n" is one Character in Swift: the reason this helper exists.
        #expect("a\r\nb".split(separator: "\n").count == 1)
        #expect(TextLines.split("a\r\nb").count == 2)
        #expect(TextLines.split("a\n\rb") == ["a", "", "b"])
    }

    @Test func nonASCIITextSurvives() {
        #expect(TextLines.split("café\r\n↔ ok") == ["café", "↔ ok"])
    }

    @Test func multilineDetection() {
        #expect(TextLines.isMultiline("a\rb"))
        #expect(TextLines.isMultiline("a\r\nb"))
        #expect(!TextLines.isMultiline("a b"))
    }
}
