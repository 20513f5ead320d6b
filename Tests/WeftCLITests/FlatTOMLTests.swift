import Testing
@testable import WeftCLI

@Suite struct FlatTOMLTests {
    @Test func readsKeysTablesAndComments() throws {
        let toml = try FlatTOML("""
            # a profile file
            url = "https://10.0.0.5:8000"   # trailing comment
            insecure = false
            port = 8_000
            names = ["a", 'b#c']

            [profile.lab]
            url = 'https://198.18.0.11:8000'
            token = "abc\\"def"
            """)
        #expect(toml[""]?["url"] == .string("https://10.0.0.5:8000"))
        #expect(toml[""]?["insecure"] == .bool(false))
        #expect(toml[""]?["port"] == .int(8000))
        #expect(toml[""]?["names"] == .array([.string("a"), .string("b#c")]))
        #expect(toml["profile.lab"]?["token"] == .string("abc\"def"))
        #expect(toml.lines["profile.lab.url"] == 8)
    }

    @Test func refusesMalformedLinesWithTheirNumber() {
        for (text, line) in [("a = 1\nb = bare", 2), ("[x\n", 1), ("a = 1\na = 2", 2), ("= 3", 1), ("s = \"open", 1),
                             ("[t]\n[t]", 2), ("k = [1, [2]]", 1), ("k = \"x\" y", 1), ("[[arr]]", 1)] {
            #expect(throws: FlatTOML.SyntaxError.self) { try FlatTOML(text) }
            do { _ = try FlatTOML(text) } catch let error as FlatTOML.SyntaxError { #expect(error.line == line, "\(text)") } catch {}
        }
    }

    @Test func arbitraryBytesNeverCrash() {
        var seed: UInt64 = 42
        for _ in 0..<2000 {
            var text = ""
            for _ in 0..<40 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let alphabet = Array("ab=\"'[]#.\n 1_,\\tx")
                text.append(alphabet[Int(seed >> 58) % alphabet.count])
            }
            _ = try? FlatTOML(text)
        }
    }
}
