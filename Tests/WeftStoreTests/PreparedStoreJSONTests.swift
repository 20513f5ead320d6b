import Foundation
import GRDB
import Testing
import WeftModel
@testable import WeftStore

/// A firewall policy's store JSON prepared on another core is the same row `Store.set`
/// writes, and reads back as the same policy.
@Suite struct PreparedStoreJSONTests {
    @Test func theSameRowAsSet() throws {
        var policy = FirewallPolicy()
        for i in 0..<500 { policy.entries.append(policy.makeEntry("FORWARD_CUST -s 10.0.\(i % 256).0/24 -j DROP", comment: "r\(i)")) }
        let store = try Store()
        try store.write(actor: "t", action: "t") { db in try Store.set(.firewall, policy, in: db) }
        let direct = try store.read { db in try Data.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'firewall'") }
        let prepared = PreparedStoreJSON(policy)
        try store.write(actor: "t", action: "t") { db in try Store.set(.firewall, prepared: prepared, in: db) }
        let again = try store.read { db in try Data.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'firewall'") }
        #expect(direct != nil && direct == again)
        #expect(try store.read { db in try Store.get(.firewall, in: db) } == policy)
    }
}
