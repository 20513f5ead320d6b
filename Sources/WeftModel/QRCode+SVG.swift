extension QRCode {
    /// An SVG document of the symbol: a white background, a quiet zone of 4 modules, and
    /// one `<path>` of the dark modules (one rectangle per horizontal run) drawn with
    /// `shape-rendering="crispEdges"`, in a `viewBox` of module units scaled by `moduleSize`
    /// pixels. `title` becomes the `<title>` (escaped) for accessibility.
    public func svg(moduleSize: Int = 4, title: String = "QR code") -> String {
        let quietZone = 4
        let extent = size + 2 * quietZone
        let pixels = extent * max(1, moduleSize)
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                let start = x
                while x < size && isDark(x: x, y: y) { x += 1 }
                let run = x - start
                path += "M\(start + quietZone) \(y + quietZone)h\(run)v1h-\(run)z"
            }
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(pixels)" height="\(pixels)" \
            viewBox="0 0 \(extent) \(extent)" shape-rendering="crispEdges">
            <title>\(Self.xmlEscaped(title))</title>
            <rect width="\(extent)" height="\(extent)" fill="#ffffff"/>
            <path fill="#000000" d="\(path)"/>
            </svg>

            """
    }

    private static func xmlEscaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
