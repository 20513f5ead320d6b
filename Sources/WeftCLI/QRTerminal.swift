import WeftModel

/// A QR code drawn with half-block characters, two module rows per text line, for a
/// terminal with a dark background: light modules (and the quiet zone) are drawn, dark
/// modules are left blank, so a phone's camera sees dark on light.
public enum QRTerminal {
    public static func text(_ code: QRCode, quietZone: Int = 2) -> String {
        let size = code.size + 2 * quietZone
        func light(_ x: Int, _ y: Int) -> Bool {
            let (cx, cy) = (x - quietZone, y - quietZone)
            guard cx >= 0, cy >= 0, cx < code.size, cy < code.size else { return true }
            return !code.isDark(x: cx, y: cy)
        }
        var out = ""
        for y in stride(from: 0, to: size, by: 2) {
            for x in 0..<size {
                let top = light(x, y), bottom = y + 1 < size ? light(x, y + 1) : false
                out += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " "
            }
            out += "\n"
        }
        return out
    }
}
