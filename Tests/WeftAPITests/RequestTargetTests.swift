import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI

@Suite struct RequestTargetTests {
    static let host = "198.18.0.2:8000"

    @Test(arguments: [
        "/", "/api/config", "/api/config?verbose=True", "/api/config/", "/ui/", "/api/clientpack/100_127_255_193.wireguard",
        "/api/snapshots/snapshot_20200127_1580154368_3.212.92.239", "/api/firewall/fwsets/my%20set", "/api/x%25zz",
        "/api/x?next=//evil/../%2f", "/api/x;p", "/API/config", "/api/config.",
    ])
    func plainTargetsAreAccepted(_ target: String) {
        guard case .accepted(let path) = RequestTarget.judge(target, host: Self.host) else {
            Issue.record("\(target) refused"); return
        }
        #expect(!path.contains("?"))
    }

    @Test(arguments: [
        ("//api/config", "empty path segment"), ("/api//config", "empty path segment"), ("/api/config//", "empty path segment"),
        ("/./api/config", "dot segment"), ("/api/./config", "dot segment"), ("/api/../api/config", "dot segment"), ("/api/config/..", "dot segment"),
        ("/%2e/api/config", "percent-encoded ."), ("/api/%2E%2E/config", "percent-encoded ."), ("/api/config%2e", "percent-encoded ."),
        ("/%2fapi/config", "percent-encoded /"), ("/api%2Fconfig", "percent-encoded /"), ("/api/%5cconfig", "percent-encoded backslash"),
        ("/api/config%00", "NUL"), ("/api/config%0a", "control character"), ("/api/%252fconfig", "double percent-encoding"),
        ("/api/%252e%252e/config", "double percent-encoding"), ("/api/config%", "malformed"), ("/api/config%2", "malformed"),
        ("/api/config%zz", "malformed"), ("/api\\config", "backslash"), ("/api/con\u{7f}fig", "control character"),
        ("*", "asterisk"), ("api/config", "neither a path"), ("198.18.0.2:8000", "neither a path"),
        ("https://evil.example/api/config", "not the Host header"), ("http://198.18.0.3:8000/api/config", "not the Host header"),
        ("https:///api/config", "not the Host header"), ("https://198.18.0.2:8000//api/config", "empty path segment"),
        ("/api/config#x", "fragment"),
    ])
    func ambiguousTargetsAreRefusedWithTheReason(_ target: String, _ reason: String) {
        guard case .refused(let why) = RequestTarget.judge(target, host: Self.host) else {
            Issue.record("\(target) accepted"); return
        }
        #expect(why.contains(reason), "\(target): \(why)")
    }

    @Test func absoluteFormForThisHostIsItsPath() {
        #expect(RequestTarget.judge("https://198.18.0.2:8000/api/config?x=1", host: Self.host) == .accepted(path: "/api/config"))
        #expect(RequestTarget.judge("HTTPS://198.18.0.2:8000/api/config", host: Self.host) == .accepted(path: "/api/config"))
        #expect(RequestTarget.judge("https://198.18.0.2:8000", host: Self.host) == .accepted(path: "/"))
        if case .accepted = RequestTarget.judge("https://198.18.0.2:8000/api/config", host: nil) { Issue.record("accepted without a Host") }
    }
}
