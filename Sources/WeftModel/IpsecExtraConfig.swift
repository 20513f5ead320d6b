/// VNS3's `extra_config` for an IPsec endpoint: space- or newline-separated `key=value`
/// words, e.g. `phase1=aes256_gcm-sha2_256-dh14 phase2=aes256_gcm local-peer-id=1.2.3.4`,
/// mapped to strongSwan proposals and options. Unknown keys and algorithms are refused.
///
/// A DH group in phase 2 (`phase2=aes256-sha2_256-dh14`) is that proposal's PFS group, as
/// in strongSwan's `esp_proposals` ("aes256-sha256-modp2048"). With PFS on and no group in
/// phase 2, the group of `pfs-group`, else of the first phase-1 proposal, else modp2048.
public struct IpsecExtraConfig: Sendable, Equatable {
    /// One phase-2 proposal: the ESP transform in strongSwan syntax ("aes256-sha256",
    /// "aes256gcm16") and the PFS group it names, if any.
    public struct ESPProposal: Sendable, Equatable {
        public var transform: String
        public var group: String?

        public init(_ transform: String, group: String? = nil) {
            self.transform = transform
            self.group = group
        }
    }

    /// IKE proposals in strongSwan syntax ("aes256gcm16-prfsha256-modp2048"); nil = defaults.
    public var ikeProposals: [String]?
    /// ESP proposals from `phase2`; nil = defaults.
    public var espProposals: [ESPProposal]?
    /// The DH group for PFS named by `pfs-group` or phase 1 (strongSwan name).
    public var pfsGroup: String?
    public var ikeLifetime: Int?
    public var childLifetime: Int?
    public var localPeerID: String?
    public var dpdDelay: Int?
    public var dpdTimeout: Int?

    public init() {}

    public static let defaultIKE = [
        "aes256-sha256-modp2048", "aes128-sha256-modp2048", "aes256gcm16-prfsha256-modp2048",
        "aes256-sha256-ecp256", "aes256-sha1-modp2048", "aes128-sha1-modp2048", "aes128-sha1-modp1024",
    ]
    public static let defaultESP = ["aes256-sha256", "aes128-sha256", "aes256gcm16", "aes256-sha1", "aes128-sha1"]
    public static let defaultPFSGroup = "modp2048"

    /// strongSwan ESP proposals: with PFS each proposal carries the DH group (and, for
    /// interoperability, the same list follows without it is not offered: PFS means PFS).
    public func esp(pfs: Bool) -> [String] {
        let proposals = espProposals ?? Self.defaultESP.map { ESPProposal($0) }
        guard pfs else { return proposals.map(\.transform) }
        return proposals.map { "\($0.transform)-\($0.group ?? pfsGroup ?? Self.defaultPFSGroup)" }
    }

    /// Whether a phase-2 proposal names its own DH group (which only PFS can use).
    public var phase2NamesGroup: Bool { espProposals?.contains { $0.group != nil } ?? false }

    public var ike: [String] { ikeProposals ?? Self.defaultIKE }

    static let ciphers: [String: (name: String, aead: Bool)] = [
        "aes128": ("aes128", false), "aes192": ("aes192", false), "aes256": ("aes256", false),
        "aes128_gcm": ("aes128gcm16", true), "aes256_gcm": ("aes256gcm16", true),
        "aes128gcm16": ("aes128gcm16", true), "aes256gcm16": ("aes256gcm16", true),
        "3des": ("3des", false), "chacha20poly1305": ("chacha20poly1305", true),
    ]
    static let hashes: [String: String] = [
        "sha1": "sha1", "sha": "sha1", "md5": "md5",
        "sha2_256": "sha256", "sha256": "sha256", "sha2_384": "sha384", "sha384": "sha384",
        "sha2_512": "sha512", "sha512": "sha512",
    ]
    static let groups: [String: String] = [
        "dh1": "modp768", "dh2": "modp1024", "dh5": "modp1536", "dh14": "modp2048", "dh15": "modp3072",
        "dh16": "modp4096", "dh17": "modp6144", "dh18": "modp8192", "dh19": "ecp256", "dh20": "ecp384",
        "dh21": "ecp521", "dh22": "modp1024s160", "dh23": "modp2048s224", "dh24": "modp2048s256", "dh31": "curve25519",
        "modp1024": "modp1024", "modp1536": "modp1536", "modp2048": "modp2048", "modp3072": "modp3072",
        "modp4096": "modp4096", "ecp256": "ecp256", "ecp384": "ecp384", "ecp521": "ecp521", "curve25519": "curve25519",
    ]

    public static func parse(_ text: String) throws -> IpsecExtraConfig {
        var config = IpsecExtraConfig()
        let words = TextLines.split(text).flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ";" }) }
        for word in words {
            guard let equals = word.firstIndex(of: "=") else {
                throw ValidationError(field: "extra_config", "extra_config: \"\(word)\" is not key=value")
            }
            let key = String(word[..<equals].lowercased().map { $0 == "_" ? "-" : $0 })
            let value = String(word[word.index(after: equals)...])
            switch key {
            case "phase1":
                let proposals = try value.split(separator: ",").map { try phase1(String($0)) }
                config.ikeProposals = proposals.map(\.proposal)
                if config.pfsGroup == nil { config.pfsGroup = proposals.first?.group }
            case "phase2":
                config.espProposals = try value.split(separator: ",").map { try phase2(String($0)) }
            case "pfs-group", "phase2-dh", "pfs":
                guard let group = groups[value.lowercased()] else { throw unknown(value, "DH group") }
                config.pfsGroup = group
            case "phase1-lifetime", "ike-lifetime", "ikelifetime":
                config.ikeLifetime = try seconds(value, key)
            case "phase2-lifetime", "lifetime", "keylife":
                config.childLifetime = try seconds(value, key)
            case "local-peer-id", "leftid":
                guard !value.isEmpty, value.utf8.count <= 255, !value.contains("\"") else {
                    throw ValidationError(field: "extra_config", "extra_config: local-peer-id must be a non-empty identity")
                }
                config.localPeerID = value
            case "dpd-delay", "dpddelay":
                config.dpdDelay = try seconds(value, key)
            case "dpd-timeout", "dpdtimeout":
                config.dpdTimeout = try seconds(value, key)
            default:
                throw ValidationError(field: "extra_config", "extra_config: unknown option \"\(key)\"; known: phase1, phase2, pfs-group, phase1-lifetime, phase2-lifetime, local-peer-id, dpd-delay, dpd-timeout")
            }
        }
        return config
    }

    static func unknown(_ value: String, _ what: String) -> ValidationError {
        ValidationError(field: "extra_config", "extra_config: unknown \(what) \"\(value)\"")
    }

    /// "aes256_gcm-sha2_256-dh14" → "aes256gcm16-prfsha256-modp2048"; "aes256-sha2_256-dh14" →
    /// "aes256-sha256-modp2048". The hash of an AEAD cipher is its PRF.
    static func phase1(_ text: String) throws -> (proposal: String, group: String) {
        let parts = text.lowercased().split(separator: "-").map(String.init)
        guard parts.count == 3 else {
            throw ValidationError(field: "extra_config", "extra_config: phase1 \"\(text)\" must be cipher-hash-dhgroup, e.g. aes256-sha2_256-dh14")
        }
        guard let cipher = ciphers[parts[0]] else { throw unknown(parts[0], "cipher") }
        guard let hash = hashes[parts[1]] else { throw unknown(parts[1], "hash") }
        guard let group = groups[parts[2]] else { throw unknown(parts[2], "DH group") }
        return (cipher.aead ? "\(cipher.name)-prf\(hash)-\(group)" : "\(cipher.name)-\(hash)-\(group)", group)
    }

    /// "aes256_gcm" → "aes256gcm16"; "aes256-sha2_256" → "aes256-sha256"; a last part that
    /// is a DH group is the PFS group: "aes256-sha2_256-dh14", "aes256_gcm-dh19".
    static func phase2(_ text: String) throws -> ESPProposal {
        var parts = text.lowercased().split(separator: "-").map(String.init)
        guard let first = parts.first, let cipher = ciphers[first] else { throw unknown(parts.first ?? text, "cipher") }
        var group: String?
        if parts.count > 1, let last = parts.last, let named = groups[last] {
            group = named
            parts.removeLast()
        }
        if cipher.aead {
            guard parts.count == 1 else {
                throw ValidationError(field: "extra_config", "extra_config: phase2 \"\(text)\": an AEAD cipher takes no hash (aes256_gcm or aes256_gcm-dh14)")
            }
            return ESPProposal(cipher.name, group: group)
        }
        guard parts.count == 2, let hash = hashes[parts[1]] else {
            throw ValidationError(field: "extra_config", "extra_config: phase2 \"\(text)\" must be cipher-hash or cipher-hash-dhgroup, e.g. aes256-sha2_256 or aes256-sha2_256-dh14")
        }
        return ESPProposal("\(cipher.name)-\(hash)", group: group)
    }

    static func seconds(_ text: String, _ key: String) throws -> Int {
        var digits = Substring(text)
        var unit = 1
        if let last = text.last, !last.isNumber {
            switch last {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            default: throw ValidationError(field: "extra_config", "extra_config: \(key) \"\(text)\" is not a duration")
            }
            digits = digits.dropLast()
        }
        guard let number = Int(digits), number > 0, number <= 86400 * 7 / unit else {
            throw ValidationError(field: "extra_config", "extra_config: \(key) \"\(text)\" is not a duration (seconds, or with s/m/h)")
        }
        return number * unit
    }
}
