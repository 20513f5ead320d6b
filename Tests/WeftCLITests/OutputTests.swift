import Testing
import WeftModel
@testable import WeftCLI

@Suite struct OutputTests {
    @Test func fingerprintsLikeOpenSSL() throws {
        // `printf abc | openssl dgst -sha256`
        let abc = Fingerprint(der: Array("abc".utf8))
        #expect(abc.description == "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD")
        #expect(Fingerprint(pin: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == abc)
        #expect(Fingerprint(pin: abc.description.lowercased()) == abc)
        #expect(Fingerprint(pin: "BA:78") == nil)
        #expect(Fingerprint(pin: String(repeating: "zz", count: 32)) == nil)
        // PEM body "YWJj" is base64 of "abc".
        #expect(Fingerprint(pem: "-----BEGIN CERTIFICATE-----\nYWJj\n-----END CERTIFICATE-----\n") == abc)
        #expect(Fingerprint(pem: "no pem") == nil)
    }

    @Test func wireGuardDurationsAndBytes() {
        #expect(WireGuardText.ago(seconds: nil) == "never")
        #expect(WireGuardText.ago(seconds: 0) == "Now")
        #expect(WireGuardText.ago(seconds: 1) == "1 second ago")
        #expect(WireGuardText.ago(seconds: 65) == "1 minute, 5 seconds ago")
        #expect(WireGuardText.ago(seconds: 90061) == "1 day, 1 hour, 1 minute, 1 second ago")
        #expect(WireGuardText.bytes(92) == "92 B")
        #expect(WireGuardText.bytes(1536) == "1.50 KiB")
        #expect(WireGuardText.bytes(5 * 1024 * 1024 + 52429) == "5.05 MiB")
    }

    @Test func tablesAlignColumns() {
        var table = Table(["name", "ip", "x"])
        table.add(["a", "10.0.0.1", "yes"])
        table.add(["longer", "1.1.1.1", "no"])
        #expect(table.text == "name    ip        x\na       10.0.0.1  yes\nlonger  1.1.1.1   no\n")
    }

    @Test func refusalsCarryTheControllersMessage() {
        let body = JSONText(bytes: Array(#"{"error":{"name":"Unauthorized","message":"wrong password"}}"#.utf8))
        let error = CLIError.refused(status: 401, body: body)
        #expect(error.exitStatus == 1)
        #expect(error.message == "refused by the controller (HTTP 401): wrong password")
        #expect(CLIError.unreachable("https://h:8000", "connection refused").exitStatus == 3)
        #expect(CLIError.usage("x").exitStatus == 2)
        #expect(JSONText(bytes: Array("plain text\nmore".utf8)).errorMessage == "plain text")
    }

    @Test func qrCodesHaveAQuietZoneAndTwoRowsPerLine() throws {
        let code = try QRCode.encode("[Interface]", correction: .low)
        let lines = QRTerminal.text(code).split(separator: "\n")
        #expect(lines.count == (code.size + 4 + 1) / 2)
        #expect(lines.allSatisfy { $0.count == code.size + 4 })
        #expect(lines[0].allSatisfy { $0 == "█" })
    }
}
