import Testing
import WeftSNMP

@Suite struct MIBViewTests {
    @Test func oidsOrderArcByArcWithPrefixesFirst() {
        let sorted = ["1.3.6.1.2.1.2.2.1.10.1", "1.3.6.1.2.1.2.2.1.2.1", "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.2.10",
                      "1.3.6.1.2.1.2.2.1.2.2", "1.3.6.1.4.1", "1.3.6.1.2.1.31.1.1.1.1.1"].map(oid).sorted()
        #expect(sorted.map(\.description) == [
            "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.2.1", "1.3.6.1.2.1.2.2.1.2.2", "1.3.6.1.2.1.2.2.1.2.10",
            "1.3.6.1.2.1.2.2.1.10.1", "1.3.6.1.2.1.31.1.1.1.1.1", "1.3.6.1.4.1",
        ])
    }

    @Test func oidTextForms() {
        #expect(OID(".1.3.6.1") == [1, 3, 6, 1])
        #expect(OID("1.3.6.1.4294967295")?.arcs.last == UInt32.max)
        #expect(OID("1.3.6.1.4294967296") == nil)
        #expect(OID("1..3") == nil)
        #expect(OID("") == nil)
        #expect(OID("1.3.x") == nil)
        #expect(oid("1.3.6").hasPrefix(oid("1.3")) && !oid("1.3").hasPrefix(oid("1.3.6")))
    }

    @Test func getAndNextOverAnUnsortedSnapshotWithDuplicates() {
        let view = MIBView([
            (oid("1.3.6.1.2.1.1.5.0"), .string("b")),
            (oid("1.3.6.1.2.1.1.1.0"), .string("a")),
            (oid("1.3.6.1.2.1.1.5.0"), .string("duplicate")),
            (oid("1.3.6.1.2.1.1.6.0"), .noSuchObject),
            (oid("1.3.6.1.2.1.31.1.1.1.6.1"), .counter64(7)),
            (oid("1.3.6.1.4.1.99999.1.1.0"), .gauge32(1)),
        ])
        #expect(view.count == 4)
        #expect(view.value(at: oid("1.3.6.1.2.1.1.5.0")) == .string("b"))
        #expect(view.next(after: [0, 1])?.oid == oid("1.3.6.1.2.1.1.1.0"))
        #expect(view.next(after: oid("1.3.6.1.2.1.1.1.0"))?.oid == oid("1.3.6.1.2.1.1.5.0"))
        #expect(view.next(after: oid("1.3.6.1.2.1.1.1"))?.oid == oid("1.3.6.1.2.1.1.1.0"))
        #expect(view.next(after: oid("1.3.6.1.2.1.1.5.0"))?.oid == oid("1.3.6.1.2.1.31.1.1.1.6.1"))
        #expect(view.next(after: oid("1.3.6.1.2.1.1.5.0"), v1: true)?.oid == oid("1.3.6.1.4.1.99999.1.1.0"))
        #expect(view.next(after: oid("1.3.6.1.4.1.99999.1.1.0")) == nil)
        #expect(view.next(after: oid("2")) == nil)
    }

    @Test func missingObjectsAndMissingInstancesAreTold() {
        let view = MIBView([(oid("1.3.6.1.2.1.1.1.0"), .string("a")), (oid("1.3.6.1.2.1.2.2.1.2.1"), .string("lo"))])
        #expect(view.get(oid("1.3.6.1.2.1.1.1.0")) == .string("a"))
        #expect(view.get(oid("1.3.6.1.2.1.1.1.1")) == .noSuchInstance)
        #expect(view.get(oid("1.3.6.1.2.1.1.1.0.0")) == .noSuchInstance)
        #expect(view.get(oid("1.3.6.1.2.1.2.2.1.2.7")) == .noSuchInstance)
        #expect(view.get(oid("1.3.6.1.2.1.1.1")) == .noSuchObject)
        #expect(view.get(oid("1.3.6.1.2.1.1.2.0")) == .noSuchObject)
        #expect(view.get(oid("1.3")) == .noSuchObject)
    }
}
