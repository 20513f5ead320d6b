import Testing
@testable import WeftModel

@Suite struct IPv4Tests {
    @Test func parsesDottedAndUnderscoredForms() {
        #expect(IPv4Address("100.127.255.193")?.octets == [100, 127, 255, 193])
        #expect(IPv4Address("100_127_255_193", underscores: true) == IPv4Address("100.127.255.193"))
        #expect(IPv4Address("100_127_255_193") == nil)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "1..2.3", "-1.2.3.4"])
    func refusesMalformedAddresses(_ text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test func networksNormaliseAndContain() throws {
        let network = try #require(IPv4Network("100.127.255.192/26"))
        #expect(network.broadcast.description == "100.127.255.255")
        #expect(network.netmask.description == "255.255.255.192")
        #expect(network.contains(IPv4Address("100.127.255.253")!))
        #expect(!network.contains(IPv4Address("100.127.255.191")!))
        #expect(IPv4Network("10.0.0.1/24")?.description == "10.0.0.0/24")
        #expect(IPv4Network("10.0.0.1/24", strict: true) == nil)
        #expect(IPv4Network("10.0.0.0/33") == nil)
        #expect(IPv4Network("10.0.0.0") == nil)
        #expect(IPv4Network("0.0.0.0/0")?.size == 1 << 32)
    }
}
