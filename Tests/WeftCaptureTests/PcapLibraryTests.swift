import Testing
import WeftCapture

@Test func libpcapIsLinked() {
    #expect(PcapLibrary.version.hasPrefix("libpcap version"))
}
