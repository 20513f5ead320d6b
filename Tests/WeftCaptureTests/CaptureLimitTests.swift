import Testing
import WeftCapture

@Suite struct CaptureDurationTests {
    @Test(arguments: [("forever", nil), ("Forever", nil), ("60", 60), ("60s", 60), (" 5m ", 300), ("1h", 3600), ("2d", 172_800),
                      ("1h30m", 5400), ("1h 30m 15s", 5415), ("90 seconds", 90), ("5 minutes", 300), ("1 hour, 30 minutes", 5400),
                      ("10 sec", 10), ("2 hrs", 7200)] as [(String, Int?)])
    func accepted(text: String, seconds: Int?) throws {
        let duration = try CaptureDuration.parse(text)
        #expect(duration == (seconds.map(CaptureDuration.seconds) ?? .forever))
    }

    @Test(arguments: ["", "soon", "0", "0s", "-5", "5x", "1h 30", "30 1h", "1.5h", "m", "9999999999", "400d"])
    func refused(text: String) {
        #expect(throws: CaptureError.self) { try CaptureDuration.parse(text) }
    }

    @Test func descriptionIsSeconds() throws {
        #expect(try CaptureDuration.parse("2m").description == "120")
        #expect(CaptureDuration.forever.description == "forever")
        #expect(CaptureDuration.forever.seconds == nil)
    }
}

@Suite struct TokenBucketTests {
    static let second: UInt64 = 1_000_000_000

    static func takes(_ count: Int, from bucket: inout TokenBucket, at now: UInt64) -> [Bool] {
        var results: [Bool] = []
        for _ in 0..<count { results.append(bucket.take(now: now)) }
        return results
    }

    @Test func burstThenRate() {
        var bucket = TokenBucket(rate: 10, burst: 3, now: 0)
        #expect(Self.takes(5, from: &bucket, at: 0) == [true, true, true, false, false])
        // 100 ms later one token has come back, not more.
        #expect(Self.takes(2, from: &bucket, at: Self.second / 10) == [true, false])
        // After a long pause the bucket is full again, never fuller.
        let later = 100 * Self.second
        #expect(Self.takes(4, from: &bucket, at: later) == [true, true, true, false])
    }

    @Test func sustainedRateOverOneSecond() {
        var bucket = TokenBucket(rate: 50, now: 0)
        var delivered = 0
        // 1000 packets spread over one second (every millisecond), after the initial burst.
        _ = Self.takes(50, from: &bucket, at: 0)
        for tick in 1...1000 where bucket.take(now: UInt64(tick) * Self.second / 1000) { delivered += 1 }
        #expect(delivered == 50)
    }

    @Test func timeGoingBackwardsGivesNothing() {
        var bucket = TokenBucket(rate: 1, burst: 1, now: 10 * Self.second)
        let results = [bucket.take(now: 10 * Self.second), bucket.take(now: 5 * Self.second),
                       bucket.take(now: 10 * Self.second + Self.second / 2), bucket.take(now: 11 * Self.second)]
        #expect(results == [true, false, false, true])
    }
}

@Suite struct PcapFileTests {
    @Test func countsCompleteRecords() {
        let frames = [[UInt8](repeating: 1, count: 84), [UInt8](repeating: 2, count: 60)]
        let file = Fixture.pcapFile(linkType: 12, frames: frames)
        #expect(file.count == 24 + 16 + 84 + 16 + 60)
        #expect(PcapFile.summarize(file) == .init(linkType: .raw, records: 2, completeBytes: file.count))
        // A record cut short (the daemon stopped mid-write) is not counted.
        let cut = Array(file.dropLast(10))
        #expect(PcapFile.summarize(cut) == .init(linkType: .raw, records: 1, completeBytes: 24 + 16 + 84))
        #expect(PcapFile.summarize(Array(file.prefix(24)))?.records == 0)
        #expect(PcapFile.summarize([UInt8](repeating: 0, count: 40)) == nil)
    }
}
