import Testing
@testable import WeftModel

/// Audit rows of edits name each changed field, old → new, and never a secret's value.
@Suite struct FieldChangesTests {
    struct Peer: Codable {
        var name: String
        var mtu: Int?
        var psk: String
        var tunnels: [String]
        var enabled: Bool
    }

    @Test func namesEachChangedField() {
        let before = Peer(name: "aws", mtu: 1420, psk: "old-secret", tunnels: ["10.0.0.0/24"], enabled: true)
        var after = before
        after.name = "azure"
        after.mtu = nil
        after.enabled = false
        #expect(FieldChanges.changes(before, after) == ["enabled true → false", "mtu 1420 → (none)", "name \"aws\" → \"azure\""])
    }

    @Test func secretsShowOnlyAsChanged() {
        let before = Peer(name: "a", mtu: nil, psk: "old-secret", tunnels: [], enabled: true)
        var after = before
        after.psk = "new-secret"
        let line = FieldChanges.describe(before, after)
        #expect(line == "psk (changed)")
        #expect(!line.contains("secret\""))
    }

    @Test func arraysByIndexInNumericOrder() {
        let before = Peer(name: "a", mtu: nil, psk: "", tunnels: (0...10).map { "t\($0)" }, enabled: true)
        var after = before
        after.tunnels[2] = "x"
        after.tunnels[10] = "y"
        after.tunnels.append("z")
        #expect(FieldChanges.changes(before, after) == ["tunnels.2 \"t2\" → \"x\"", "tunnels.10 \"t10\" → \"y\"", "tunnels.11 (none) → \"z\""])
        #expect(FieldChanges.describe(before, before) == "no change")
    }
}
