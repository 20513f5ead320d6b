import Foundation
import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI

@Suite struct TrafficChartTests {
    /// Widths Chromium measured for 14px labels in the UI's font (DejaVu Sans on Debian):
    /// "800.0 kbit/s" is 82.9 px, which the old fixed 80 px before the plot clipped.
    static let measured: [String: Double] = ["800 kbit/s": 69.6, "500 Mbit/s": 73.5, "2.5 Gbit/s": 67.8, "5000 Gbit/s": 81.2]

    @Test func labelsDropATrailingZero() {
        #expect(TrafficChart.axisLabel(100_000) == "800 kbit/s")
        #expect(TrafficChart.axisLabel(312_500_000) == "2.5 Gbit/s")
        #expect(TrafficChart.axisLabel(0) == "0 bit/s")
    }

    @Test func theRoomBeforeThePlotHoldsTheLongestLabel() {
        for (label, width) in Self.measured {
            #expect(TrafficChart.leftMargin([label]) - 4 >= width, "\(label)")
        }
        // Every scale from bits to gigabits: the labels' room grows with them.
        for exponent in 0...10 {
            let peak = pow(10, Double(exponent)) * 0.9
            let series = TrafficSampler.Series(name: "eth0", times: [0, 5], rx: [0, peak], tx: [0, peak / 2])
            let svg = TrafficChart.svg(series)
            let scale = TrafficChart.niceCeiling(peak)
            let labels = [0, 0.5, 1].map { TrafficChart.axisLabel(scale * $0) }
            let left = TrafficChart.leftMargin(labels)
            #expect(svg.contains(">\(labels[2])</text>"))
            #expect(svg.contains("x=\"\(Int(left - 4))\""))
            #expect(Double(labels.map(\.count).max()!) * 7.4 <= left - 4, "\(labels)")   // 7.4 px: the widest measured per character
        }
    }
}
