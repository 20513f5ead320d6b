import Testing
@testable import WeftCLI

@Suite struct ClientSettingsTests {
    let pin = "AB:" + String(repeating: "01:", count: 29) + "02:CD"

    @Test func flagsOverrideEnvironmentOverrideProfile() throws {
        let file = try FlatTOML("url = \"https://file:8000\"\ntoken = \"filetoken\"\nuser = \"fileuser\"\n[profile.lab]\nurl = \"https://lab:8000\"")
        var given = ClientSettings.Given()
        var settings = try ClientSettings.resolve(given: given, environment: [:], file: file)
        #expect(settings.url == "https://file:8000" && settings.token == "filetoken" && settings.user == "fileuser")
        settings = try ClientSettings.resolve(given: given, environment: ["WEFT_URL": "https://env:8000", "WEFT_PROFILE": "lab"], file: file)
        #expect(settings.url == "https://env:8000")
        given.profile = "lab"
        settings = try ClientSettings.resolve(given: given, environment: [:], file: file)
        #expect(settings.url == "https://lab:8000" && settings.token == "filetoken")
        given.url = "https://flag:9000"
        given.pin = pin
        settings = try ClientSettings.resolve(given: given, environment: ["WEFT_URL": "https://env:8000"], file: file)
        #expect(settings.url == "https://flag:9000")
        #expect(settings.pin?.description == pin)
    }

    @Test func refusesWhatCannotBeRight() throws {
        var given = ClientSettings.Given()
        given.pin = "nothex"
        #expect(throws: CLIError.usage("--pin: nothex is not a SHA-256 fingerprint (64 hex digits, colons allowed)")) {
            try ClientSettings.resolve(given: given, environment: [:], file: nil)
        }
        given = ClientSettings.Given()
        given.url = "http://plain:8000"
        #expect(throws: CLIError.self) { try ClientSettings.resolve(given: given, environment: [:], file: nil) }
        given = ClientSettings.Given()
        given.profile = "missing"
        #expect(throws: CLIError.self) { try ClientSettings.resolve(given: given, environment: [:], file: try FlatTOML("")) }
        #expect(throws: CLIError.self) { try ClientSettings.resolve(given: ClientSettings.Given(), environment: [:], file: try FlatTOML("passwd = \"x\"")) }
        #expect(throws: CLIError.self) { try ClientSettings.resolve(given: ClientSettings.Given(), environment: [:], file: try FlatTOML("[other]\nurl = \"x\"")) }
    }

    @Test func endpointsFromURLs() throws {
        #expect(try Endpoint(url: "https://10.0.0.1:8443/") == Endpoint(host: "10.0.0.1", port: 8443, basePath: ""))
        #expect(try Endpoint(url: "https://ctl.example").port == 8000)
        #expect(try Endpoint(url: "https://[fd00::1]:9000/weft").basePath == "/weft")
        #expect(try Endpoint(url: "https://[fd00::1]:9000").host == "fd00::1")
        #expect(try Endpoint(url: "https://10.0.0.1").isAddress)
        #expect(try !Endpoint(url: "https://ctl.example").isAddress)
        for bad in ["https://:80", "https://h:0", "https://h:x", "ftp://h"] {
            #expect(throws: CLIError.self) { try Endpoint(url: bad) }
        }
    }
}

extension Endpoint {
    init(host: String, port: Int, basePath: String) throws {
        try self.init(url: "https://\(host):\(port)\(basePath)")
    }
}
