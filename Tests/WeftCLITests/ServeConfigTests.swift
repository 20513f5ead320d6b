import Testing
@testable import WeftCLI

@Suite struct ServeConfigTests {
    @Test func fileOptionsComeBeforeTheCommandLine() throws {
        let files = ["/etc/weft/weft.toml": "port = 8443\ndata_dir = \"/srv/weft\"\nno-apply = true\nlog-level = 'debug'\n"]
        let expanded = try ServeConfig.expand(["serve", "--port", "9000"]) { files[$0] }
        #expect(expanded == ["serve", "--data-dir", "/srv/weft", "--log-level", "debug", "--no-apply", "--port", "8443", "--port", "9000"])
        #expect(try ServeConfig.expand(["status"]) { files[$0] } == ["status"])
        #expect(try ServeConfig.expand(["serve"]) { _ in nil } == ["serve"])
    }

    @Test func badFilesAreRefusedWithTheLine() {
        let cases = ["port = \"8000\"", "api-password = \"secret\"", "colour = 1", "[serve]\nport = 1", "no-apply = 1", "port = "]
        for text in cases {
            #expect(throws: CLIError.self, "\(text)") { try ServeConfig.expand(["serve", "--config", "/x.toml"]) { _ in text } }
        }
        #expect(throws: CLIError.usage("--config: cannot read /missing")) { try ServeConfig.expand(["serve", "--config", "/missing"]) { _ in nil } }
        do { _ = try ServeConfig.expand(["serve"]) { _ in "host = \"0.0.0.0\"\nsnmp_port = true" } } catch let error as CLIError {
            #expect(error.message == "/etc/weft/weft.toml: line 2: snmp_port must be an integer")
        } catch {
            Issue.record("\(error)")
        }
    }
}
