import Testing
import WeftModel

@Suite struct KeysetTokenTests {
    @Test(arguments: ["topology-2026", "ui-test-token", "Correct Horse Battery", "e2e-topology-token-7c1f"])
    func strongTokensPass(_ token: String) {
        #expect(KeysetToken.weakness(token) == nil)
    }

    @Test(arguments: [("", "0 characters"), ("t", "1 characters"), ("ipsec-e2e", "at least 12"), ("onlylettershere", "one kind"),
                      ("123456789012", "one kind"), ("aaaaaaaaaa12", "distinct"), ("____________", "one kind")])
    func weakTokensAreNamed(_ token: String, _ reason: String) {
        let weakness = KeysetToken.weakness(token)
        #expect(weakness?.contains(reason) == true, "\(token): \(weakness ?? "accepted")")
    }

    @Test func publicAddressesAreTold() {
        #expect(PublicAddress.kind(IPv4Address("52.1.2.3")!) == nil)
        #expect(PublicAddress.kind(IPv4Address("10.0.0.5")!)?.contains("RFC 1918") == true)
        #expect(PublicAddress.kind(IPv4Address("172.31.255.1")!)?.contains("RFC 1918") == true)
        #expect(PublicAddress.kind(IPv4Address("172.32.0.1")!) == nil)
        #expect(PublicAddress.kind(IPv4Address("100.64.1.1")!)?.contains("carrier-grade") == true)
        #expect(PublicAddress.kind(IPv4Address("198.18.0.2")!)?.contains("benchmarking") == true)
    }
}
