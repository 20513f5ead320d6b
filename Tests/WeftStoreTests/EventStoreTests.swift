import Testing
import WeftStore

@Suite struct EventStoreTests {
    @Test func eventsComeBackOldestFirstPerSubject() throws {
        let store = try Store()
        try store.appendEvents([
            .init(stream: "clientpack", subject: "a", at: 1, body: "connect"),
            .init(stream: "clientpack", subject: "b", at: 2, body: "connect"),
            .init(stream: "clientpack", subject: "a", at: 3, body: "disconnect"),
        ], keep: 10)
        #expect(try store.events(stream: "clientpack", subject: "a").map(\.body) == ["connect", "disconnect"])
        #expect(try store.events(stream: "clientpack").map(\.at) == [1, 2, 3])
        #expect(try store.events(stream: "other").isEmpty)
    }

    @Test func retentionKeepsTheNewestPerSubjectAndPerStream() throws {
        let store = try Store()
        for at in 0..<25 {
            try store.appendEvents([.init(stream: "s", subject: "x", at: at, body: "\(at)")], keep: 10, streamLimit: 15)
        }
        #expect(try store.events(stream: "s", subject: "x").map(\.at) == Array(15..<25))
        for at in 0..<20 {
            try store.appendEvents([.init(stream: "s", subject: "y\(at)", at: 100 + at, body: "")], keep: 10, streamLimit: 15)
        }
        #expect(try store.events(stream: "s").count == 15)
        #expect(try store.events(stream: "s").last?.at == 119)
    }

    @Test func eventsAreBookkeepingNotDesiredState() throws {
        let store = try Store()
        let generation = try store.generation()
        try store.appendEvents([.init(stream: "s", subject: "x", at: 1, body: "")], keep: 10)
        #expect(try store.generation() == generation)
        #expect(try store.audit().isEmpty || store.audit().allSatisfy { $0.generation <= generation })
    }
}
