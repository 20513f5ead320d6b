import Testing
import WeftSNMP

@Test func versionsMatchTheWireValues() {
    #expect(SNMPVersion(rawValue: 1) == .v2c)
}
