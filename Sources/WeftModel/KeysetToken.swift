/// The topology token that seals a keyset: every controller of the mesh fetches the keyset
/// with it, so it is a shared secret and must not be guessable. A new keyset's token must
/// have at least `minimumLength` characters from at least two classes (letters, digits,
/// other characters) and not be one repeated character. A fetch uses the source
/// controller's token as it is.
public enum KeysetToken {
    public static let minimumLength = 12
    public static let maximumLength = 1024

    /// Why `token` is too weak for a new keyset, or nil.
    public static func weakness(_ token: String) -> String? {
        if token.count < minimumLength {
            return "is \(token.count) characters long; a keyset token needs at least \(minimumLength)"
        }
        var classes = 0
        if token.contains(where: \.isLetter) { classes += 1 }
        if token.contains(where: { $0.isASCII && $0.isNumber }) { classes += 1 }
        if token.contains(where: { !$0.isLetter && !($0.isASCII && $0.isNumber) }) { classes += 1 }
        if classes < 2 {
            return "uses only one kind of character; mix at least two of letters, digits and other characters (e.g. topology-2026)"
        }
        if Set(token).count < 4 { return "repeats too few distinct characters" }
        return nil
    }

    /// Throws a `ValidationError` for field `token` if it is too weak for a new keyset.
    public static func checkNew(_ token: String) throws {
        if let weakness = weakness(token) {
            throw ValidationError(field: "token", "Field \"token\" \(weakness). Every controller of the mesh fetches the keyset with this token.")
        }
    }
}

/// Whether an address can be reached from the internet, for the public address that
/// clientpacks name as their server (`Endpoint`, `remote`).
public enum PublicAddress {
    /// Special-purpose ranges (RFC 6890): private, shared (CGNAT), loopback, link-local,
    /// benchmarking, documentation, multicast and reserved.
    public static let nonPublic: [(IPv4Network, String)] = [
        ("10.0.0.0/8", "a private address (RFC 1918)"), ("172.16.0.0/12", "a private address (RFC 1918)"),
        ("192.168.0.0/16", "a private address (RFC 1918)"), ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
        ("127.0.0.0/8", "a loopback address"), ("169.254.0.0/16", "a link-local address"),
        ("198.18.0.0/15", "a benchmarking-range address"), ("192.0.2.0/24", "a documentation address"),
        ("198.51.100.0/24", "a documentation address"), ("203.0.113.0/24", "a documentation address"),
        ("0.0.0.0/8", "a reserved address"), ("224.0.0.0/3", "a multicast or reserved address"),
    ].map { (IPv4Network($0.0)!, $0.1) }

    /// What kind of non-public address `address` is, or nil for a public one.
    public static func kind(_ address: IPv4Address) -> String? {
        nonPublic.first { $0.0.contains(address) }?.1
    }
}
