import WeftModel

/// Checks of the controller's own settings, shared by every operation that takes them.
/// Each throws a `ValidationError` naming the field.
public enum SettingsCheck {
    /// What every operation on a topology needs first (the SDK compares this message).
    public static let mustBeLicensed = ValidationError(.state, name: "LicenseError", "Must be licensed first.")

    /// A display name: at most 64 printable characters.
    public static func name(_ name: String, field: String) throws -> String {
        guard name.count <= 64, name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) else {
            throw ValidationError(field: field, "Field \"\(field)\" must be at most 64 printable characters")
        }
        return name
    }

    /// Host names or IPv4 addresses separated by spaces or lines.
    public static func ntpHosts(_ text: String) throws -> String {
        let hosts = text.split(whereSeparator: \.isWhitespace)
        for host in hosts {
            let valid = host.count <= 253 && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
                && !host.hasPrefix("-") && !host.hasPrefix(".")
            guard valid else { throw ValidationError(field: "ntp_hosts", "Field \"ntp_hosts\": \"\(host)\" is not a host name or IPv4 address") }
        }
        return hosts.joined(separator: " ")
    }

    /// An IPv4 address, or "" (nil) to go back to `--public-ip` / the private address.
    public static func publicIP(_ text: String) throws -> String? {
        let trimmed = text.trimmed
        if trimmed.isEmpty { return nil }
        guard let address = IPv4Address(trimmed) else {
            throw ValidationError(field: "public_ipaddress", "Field \"public_ipaddress\": \"\(text.prefix(64))\" is not an IPv4 address")
        }
        return address.description
    }

    /// A controller to fetch the keyset from: a host name or IPv4 address, optionally with a port.
    public static func keysetSource(_ source: String) throws {
        var host = Substring(source)
        for prefix in ["https://", "http://"] where host.hasPrefix(prefix) { host = host.dropFirst(prefix.count) }
        if let colon = host.lastIndex(of: ":") {
            guard let port = Int(host[host.index(after: colon)...]), (1...65535).contains(port) else {
                throw ValidationError(field: "source", "Field \"source\": invalid port in \"\(source)\"")
            }
            host = host[..<colon]
        }
        let valid = !host.isEmpty && host.count <= 253
            && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
        guard valid else { throw ValidationError(field: "source", "Field \"source\": \"\(source)\" is not a host name or IPv4 address") }
    }
}
