import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI

@Suite struct UIFormattingTests {
    @Test(arguments: [(0, "0 s ago"), (12, "12 s ago"), (59, "59 s ago"), (60, "1 min ago"), (3599, "59 min ago"),
                      (3600, "1 h ago"), (86399, "23 h ago"), (86400, "1 d ago"), (-5, "0 s ago")])
    func handshakeTimesAreRelative(_ age: Int, _ expected: String) {
        #expect(UIPage.agoText(1_000_000 - age, now: 1_000_000) == expected)
    }

    @Test func theExactTimeIsTheTooltip() {
        let html = UIPage.agoHTML(1_700_000_000, now: 1_700_000_012)
        #expect(html == #"<time datetime="2023-11-14T22:13:20Z" title="2023-11-14 22:13:20 +0000">12 s ago</time>"#)
    }
}
