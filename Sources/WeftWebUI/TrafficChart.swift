import Foundation
import WeftApp
import WeftHTTP

/// Traffic charts as inline SVG: one per interface, received and sent rates as two lines.
/// Only presentation attributes and classes (the UI's CSP forbids inline styles).
enum TrafficChart {
    static let width = 460.0, height = 170.0
    static let right = 8.0, top = 12.0, bottom = 26.0
    /// At least the average glyph width of the 14px axis font (DejaVu Sans: 0.6 em), so the
    /// room left of the plot holds the longest y-axis label.
    static let axisCharacterWidth = 14.0 * 0.62

    /// The `#traffic` fragment: every interface's chart, or a note while samples gather.
    static func fragment(_ series: [TrafficSampler.Series], interval: Int) -> String {
        guard series.contains(where: { !$0.times.isEmpty }) else {
            return "<p class=\"muted\">Gathering traffic samples (one every \(interval) s)…</p>"
        }
        var html = "<div class=\"charts\">"
        for item in series where !item.times.isEmpty {
            html += figure(item)
        }
        return html + "</div>"
    }

    static func figure(_ series: TrafficSampler.Series) -> String {
        let name = UIPage.escape(series.name)
        let lastRx = series.rx.last ?? 0, lastTx = series.tx.last ?? 0
        let caption = "\(name) — \(UIPage.escape(TrafficSampler.role(series.name))): in \(UIPage.rateText(lastRx)), out \(UIPage.rateText(lastTx))"
        return """
        <figure class="chart" data-interface="\(name)">
        \(svg(series))
        <figcaption><span class="key rx">in</span> <span class="key tx">out</span> \(caption)</figcaption>
        </figure>
        """
    }

    static func svg(_ series: TrafficSampler.Series) -> String {
        let peak = max(series.rx.max() ?? 0, series.tx.max() ?? 0)
        let scale = niceCeiling(peak)
        let fractions = [0.0, 0.5, 1.0]
        let labels = fractions.map { axisLabel(scale * $0) }
        let left = leftMargin(labels)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let first = series.times.first ?? 0, last = series.times.last ?? 1
        let span = max(last - first, 1)
        func x(_ t: Double) -> Double { series.times.count == 1 ? left + plotWidth : left + (t - first) / span * plotWidth }
        func y(_ v: Double) -> Double { top + plotHeight - (scale > 0 ? v / scale : 0) * plotHeight }
        func points(_ values: [Double]) -> String {
            zip(series.times, values).map { String(format: "%.1f,%.1f", x($0), y($1)) }.joined(separator: " ")
        }
        let title = "Traffic on \(UIPage.escape(series.name)) over the last \(Int(span.rounded())) seconds"
        var svg = """
        <svg class="traffic" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(title)" xmlns="http://www.w3.org/2000/svg">
        <title>\(title)</title>
        """
        for (fraction, label) in zip(fractions, labels) {
            let gy = String(format: "%.1f", y(scale * fraction))
            svg += "<line class=\"grid\" x1=\"\(Int(left))\" y1=\"\(gy)\" x2=\"\(Int(width - right))\" y2=\"\(gy)\"/>"
            svg += "<text class=\"axis\" x=\"\(Int(left - 4))\" y=\"\(gy)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(UIPage.escape(label))</text>"
        }
        svg += "<text class=\"axis\" x=\"\(Int(left))\" y=\"\(Int(height - 4))\">−\(Int(span.rounded())) s</text>"
        svg += "<text class=\"axis\" x=\"\(Int(width - right))\" y=\"\(Int(height - 4))\" text-anchor=\"end\">now</text>"
        svg += "<polyline class=\"line rx\" fill=\"none\" points=\"\(points(series.rx))\"/>"
        svg += "<polyline class=\"line tx\" fill=\"none\" points=\"\(points(series.tx))\"/>"
        return svg + "</svg>"
    }

    /// A y-axis label: the rate without a trailing ".0" ("800 kbit/s", "2.5 Mbit/s").
    static func axisLabel(_ bytesPerSecond: Double) -> String {
        UIPage.rateText(bytesPerSecond).replacingOccurrences(of: ".0 ", with: " ")
    }

    /// Room left of the plot: the longest label, the 4 px gap before the plot, and 4 px more.
    static func leftMargin(_ labels: [String]) -> Double {
        (Double(labels.map(\.count).max() ?? 0) * axisCharacterWidth).rounded(.up) + 8
    }

    /// 1, 2 or 5 times a power of ten, at least `value` (and at least 1 kbit/s).
    static func niceCeiling(_ value: Double) -> Double {
        let floorValue = 125.0
        guard value > floorValue else { return floorValue }
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 5.0, 10.0] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }
}
