import Foundation
import Testing
@testable import WeftApp
import WeftIDSLive

@Suite struct IDSLogTests {
    @Test func theLogRotatesAtItsBoundAndAlertsAreReadBackFromEve() throws {
        let dir = NSTemporaryDirectory() + "ids-log-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = RotatingLog(path: dir + "/fast.log", maxBytes: 100)
        for i in 0..<30 { log.write("line \(i) " + String(repeating: "x", count: 10)) }
        let current = try String(contentsOfFile: dir + "/fast.log", encoding: .utf8)
        let rotated = try String(contentsOfFile: dir + "/fast.log.1", encoding: .utf8)
        #expect(current.utf8.count <= 100 && rotated.utf8.count <= 100)
        #expect(current.hasSuffix("line 29 xxxxxxxxxx\n"))
        let eve = #"""
        {"timestamp":"2026-12-02T18:52:41.123456+0000","flow_id":1,"event_type":"alert","src_ip":"100.127.255.193","src_port":41001,"dest_ip":"198.19.1.2","dest_port":8080,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":9000002,"rev":1,"signature":"Card number"}}
        not json
        {"timestamp":"2026-12-02T18:52:42.000000+0000","event_type":"alert","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"UDP","alert":{"signature_id":7,"signature":"x"}}
        """#
        let records = IDSService.records(eve: Array(eve.utf8))
        #expect(records.map(\.sid) == [9000002, 7])
        #expect(records[0].src == "100.127.255.193" && records[0].msg == "Card number")
        #expect(abs(records[0].time - 1_796_237_561.123456) < 0.001)
    }
}
