import WeftModel
import XCTest
@testable import WeftWAF

final class WAFConfigTests: XCTestCase {
    func service(_ name: String = "web", port: Int = 8080) -> WAFService {
        WAFService(name: name, port: port, backends: [WAFBackend.parse("http://10.9.0.2:8081")!])
    }

    func testBackendURLs() {
        XCTAssertEqual(WAFBackend.parse("http://10.0.1.5:8080")?.description, "http://10.0.1.5:8080")
        XCTAssertEqual(WAFBackend.parse("HTTPS://10.0.1.5/")?.description, "https://10.0.1.5:443")
        XCTAssertEqual(WAFBackend.parse("http://10.0.1.5")?.port, 80)
        for bad in ["10.0.1.5:80", "ftp://10.0.1.5", "http://example.com", "http://10.0.1.5:0", "http://10.0.1.5:70000",
                    "http://10.0.1.5:+80", "http://10.0.1.256", "http://", "http://10.0.1.5:80:1", "http://10.0.1.5/path"] {
            XCTAssertNil(WAFBackend.parse(bad), bad)
        }
    }

    func testNamesAndPaths() {
        XCTAssertTrue(WAFService.isName("web-1"))
        for bad in ["", "1web", "Web", "we b", "web_1", String(repeating: "a", count: 33), "web/..", "wéb"] {
            XCTAssertFalse(WAFService.isName(bad), bad)
        }
        XCTAssertTrue(WAFService.isPathPrefix("/search"))
        XCTAssertTrue(WAFService.isPathPrefix("/api/v1/items%20x"))
        for bad in ["search", "/a b", "/a\"", "/a'", "/a\\b", "/a;b", "/a{b", "/é", "/\n"] {
            XCTAssertFalse(WAFService.isPathPrefix(bad), bad)
        }
    }

    func testRendersOneServerPerServiceAsTheCatchAll() {
        var https = service("shop", port: 8443)
        https.tlsCert = "-----BEGIN CERTIFICATE-----\r\nAAA\r\n-----END CERTIFICATE-----"
        https.tlsKey = "-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n"
        let config = WAFConfig.render([service(), https])
        let main = config.files.first { $0.path == config.mainFile }!.content
        XCTAssertTrue(main.contains("listen 8080 default_server;"))
        XCTAssertTrue(main.contains("listen 8443 ssl default_server;"))
        XCTAssertTrue(main.contains("server 10.9.0.2:8081;"))
        XCTAssertTrue(main.contains("modsecurity_rules_file \(config.directory)/modsec-web.conf;"))
        XCTAssertTrue(main.contains("ssl_certificate_key \(config.directory)/tls/shop.key;"))
        XCTAssertFalse(main.contains("@GEN@"))
        XCTAssertEqual(main.components(separatedBy: "server_name _;").count - 1, 2)
        let key = config.files.first { $0.path.hasSuffix("tls/shop.key") }!
        XCTAssertEqual(key.mode, 0o600)
        let cert = config.files.first { $0.path.hasSuffix("tls/shop.crt") }!
        XCTAssertFalse(cert.content.contains("\r"), "browsers send CRLF; the PEM is stored with LF")
        XCTAssertTrue(cert.content.hasSuffix("\n"))
    }

    func testModeParanoiaThresholdsAndBodyLimit() {
        var s = service()
        s.mode = .detect
        s.paranoia = 2
        s.anomalyInbound = 7
        s.anomalyOutbound = 3
        s.bodyLimitKB = 64
        let text = WAFConfig.modsecurity(s)
        XCTAssertTrue(text.contains("SecRuleEngine DetectionOnly\n"))
        XCTAssertTrue(text.contains("setvar:tx.paranoia_level=2\""))
        XCTAssertTrue(text.contains("setvar:tx.inbound_anomaly_score_threshold=7,setvar:tx.outbound_anomaly_score_threshold=3\""))
        XCTAssertTrue(text.contains("SecRequestBodyLimit 65536\n"))
        XCTAssertTrue(WAFConfig.modsecurity(service()).contains("SecRuleEngine On\n"))
        XCTAssertTrue(WAFConfig.render([s]).files[0].content.contains("client_max_body_size 64k;"))
    }

    func testExclusionsPathBeforeTheCRSAndRemovalsAfter() {
        var s = service()
        s.exclusions = [.init(ruleID: 942100, pathPrefix: "/search"), .init(ruleID: 920350)]
        let text = WAFConfig.modsecurity(s)
        let pathRule = text.range(of: "SecRule REQUEST_FILENAME \"@beginsWith /search\" \"id:10001,phase:1,pass,nolog,t:none,ctl:ruleRemoveById=942100\"")
        let crs = text.range(of: "Include /usr/share/modsecurity-crs/rules/*.conf")
        let removal = text.range(of: "SecRuleRemoveById 920350\n")
        XCTAssertNotNil(pathRule)
        XCTAssertNotNil(crs)
        XCTAssertNotNil(removal)
        XCTAssertLessThan(pathRule!.lowerBound, crs!.lowerBound)
        XCTAssertLessThan(crs!.lowerBound, removal!.lowerBound)
        XCTAssertFalse(text.contains("SecRuleRemoveById 942100"))
    }

    func testTheGenerationNamesTheContent() {
        let a = WAFConfig.render([service(), service("api", port: 8081)])
        let b = WAFConfig.render([service("api", port: 8081), service()])
        XCTAssertEqual(a, b, "order of the stored list does not matter")
        var changed = service()
        changed.mode = .detect
        let c = WAFConfig.render([changed, service("api", port: 8081)])
        XCTAssertNotEqual(a.generation, c.generation)
        XCTAssertEqual(a.generation.count, 16)
        XCTAssertTrue(a.files.allSatisfy { $0.path.hasPrefix("/etc/weft-waf/gen-\(a.generation)/") })
        let empty = WAFConfig.render([])
        XCTAssertFalse(empty.files[0].content.contains("server {"))
    }

    func testStoredServicesRoundTrip() throws {
        var s = service()
        s.exclusions = [.init(ruleID: 942100, pathPrefix: "/search")]
        let data = try JSONEncoder().encode(WAFServices(services: [s]))
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"http:\\/\\/10.9.0.2:8081\""))
        XCTAssertEqual(try JSONDecoder().decode(WAFServices.self, from: data), WAFServices(services: [s]))
    }
}

final class CRSRuleIndexTests: XCTestCase {
    func testReadsIdsAndMessagesAcrossContinuationLines() {
        var index = CRSRuleIndex()
        index.add(conf: """
        # id:999999 in a comment is not a rule
        SecRule ARGS "@detectSQLi" \\
            "id:942100,\\
            phase:2,\\
            block,\\
            msg:'SQL Injection Attack Detected via libinjection',\\
            severity:'CRITICAL'"
        SecRule REQUEST_HEADERS:Accept-Charset "@rx x" "id:920480,phase:1,block,msg:'Request content type charset is not allowed by policy',chain"
            SecRule TX:0 "@rx y" "t:none,ctl:ruleRemoveById=1"
        SecAction "id:901001, phase:1, pass, nolog"
        SecMarker "END-REQUEST-942-APPLICATION-ATTACK-SQLI"
        """)
        XCTAssertEqual(index.count, 3)
        XCTAssertEqual(index.messages[942100], "SQL Injection Attack Detected via libinjection")
        XCTAssertEqual(index.messages[920480], "Request content type charset is not allowed by policy")
        XCTAssertTrue(index.contains(901001))
        XCTAssertFalse(index.contains(999999))
    }
}
