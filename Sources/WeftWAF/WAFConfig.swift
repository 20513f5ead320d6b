/// The WAF plugin's configuration as files, rendered from the protected services alone
/// (pure: the same services give the same bytes and the same generation).
///
/// Inside the plugin, `/etc/weft-waf/nginx.conf` (shipped with the image) includes
/// `/etc/weft-waf/current/nginx.conf`, and `current` is a symlink to one generation
/// directory `gen-<generation>`. A change writes a new generation, has `nginx -t` check
/// it, then moves the symlink and reloads nginx; a failed check leaves `current` alone.
public struct WAFConfig: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        /// Absolute inside the plugin's root.
        public var path: String
        public var content: String
        public var mode: Int
    }

    public static let root = "/etc/weft-waf"
    public static let logDirectory = "/var/log/weft-waf"
    /// The audit log of every service: ModSecurity's JSON records, one a line.
    public static let auditLog = logDirectory + "/audit.log"
    /// The ids Weft gives its own ModSecurity rules (path exclusions): CRS leaves 1-99,999 to users.
    public static let exclusionRuleBase = 10_000

    public var generation: String
    public var files: [File]

    public var directory: String { Self.root + "/gen-" + generation }
    public var mainFile: String { directory + "/nginx.conf" }

    public static func render(_ services: [WAFService]) -> WAFConfig {
        let sorted = services.sorted { $0.name < $1.name }
        var body: [File] = []
        var servers = ""
        for service in sorted {
            body.append(File(path: "modsec-\(service.name).conf", content: modsecurity(service), mode: 0o644))
            if let cert = service.tlsCert, let key = service.tlsKey {
                body.append(File(path: "tls/\(service.name).crt", content: normalized(cert), mode: 0o644))
                body.append(File(path: "tls/\(service.name).key", content: normalized(key), mode: 0o600))
            }
            servers += server(service, directory: "@GEN@")
        }
        body.insert(File(path: "nginx.conf", content: main(servers: servers), mode: 0o644), at: 0)
        // The generation names the content: the directory's own path is part of the text, so it is hashed with a placeholder.
        var hasher = FNV1a()
        for f in body { hasher.add(f.path); hasher.add(f.content); hasher.add(String(f.mode)) }
        let generation = hasher.hex
        let directory = Self.root + "/gen-" + generation
        let files = body.map { File(path: directory + "/" + $0.path, content: $0.content.replacingOccurrences(of: "@GEN@", with: directory), mode: $0.mode) }
        return WAFConfig(generation: generation, files: files)
    }

    /// The main nginx configuration: Debian's stock `nginx.conf` as far as it applies in a
    /// container, ModSecurity loaded, one server block per service.
    public static func main(servers: String) -> String {
        """
        # Written by Weft: the WAF plugin's nginx, one server block per protected service.
        user www-data;
        worker_processes auto;
        pid /run/nginx.pid;
        error_log \(logDirectory)/error.log;
        load_module modules/ndk_http_module.so;
        load_module modules/ngx_http_modsecurity_module.so;

        # A reload's old workers finish their requests, at most 10 s.
        worker_shutdown_timeout 10s;

        events {
            worker_connections 768;
        }

        http {
            sendfile on;
            tcp_nopush on;
            types_hash_max_size 2048;
            server_tokens off;
            include /etc/nginx/mime.types;
            default_type application/octet-stream;
            ssl_protocols TLSv1.2 TLSv1.3;
            ssl_prefer_server_ciphers on;
            access_log \(logDirectory)/access.log;
            gzip on;

        \(servers)}

        """
    }

    static func server(_ s: WAFService, directory: String) -> String {
        let upstream = "weft_" + s.name.replacingOccurrences(of: "-", with: "_")
        let scheme = s.backends.first?.scheme ?? "http"
        var text = "    upstream \(upstream) {\n"
        for b in s.backends { text += "        server \(b.address):\(b.port);\n" }
        text += "    }\n\n"
        text += "    # service \(s.name): mode \(s.mode.rawValue), paranoia \(s.paranoia)\n"
        text += "    server {\n"
        text += "        listen \(s.port)\(s.tls ? " ssl" : "") default_server;\n"
        text += "        server_name _;\n"
        if s.tls {
            text += "        ssl_certificate \(directory)/tls/\(s.name).crt;\n"
            text += "        ssl_certificate_key \(directory)/tls/\(s.name).key;\n"
        }
        text += "        client_max_body_size \(s.bodyLimitKB)k;\n"
        text += "        modsecurity on;\n"
        text += "        modsecurity_transaction_id \"$request_id\";\n"
        text += "        modsecurity_rules_file \(directory)/modsec-\(s.name).conf;\n"
        // The request id on every answer (a 403 too): the audit record's unique_id. No
        // error_page for 403: with ModSecurity-nginx 1.0.3 the internal redirect loses the
        // audit record (rule ids, messages) of a request blocked in phase 2.
        text += "        add_header X-Request-Id $request_id always;\n"
        text += "        location / {\n"
        text += "            proxy_pass \(scheme)://\(upstream);\n"
        text += "            proxy_set_header Host $host;\n"
        text += "            proxy_set_header X-Real-IP $remote_addr;\n"
        text += "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        text += "            proxy_set_header X-Forwarded-Proto $scheme;\n"
        text += "            proxy_set_header X-Request-Id $request_id;\n"
        text += "        }\n"
        text += "    }\n\n"
        return text
    }

    /// The service's ModSecurity rules: Debian's recommended base configuration, the engine
    /// and audit settings of the service, the CRS set-up values, path exclusions before the
    /// CRS and rule removals after it.
    public static func modsecurity(_ s: WAFService) -> String {
        var text = "# Written by Weft: ModSecurity for service \(s.name).\n"
        text += "Include /etc/nginx/modsecurity.conf\n"
        text += "SecRuleEngine \(s.mode == .block ? "On" : "DetectionOnly")\n"
        text += "SecRequestBodyAccess On\n"
        text += "SecRequestBodyLimit \(s.bodyLimitKB * 1024)\n"
        text += "SecRequestBodyNoFilesLimit \(s.bodyLimitKB * 1024)\n"
        text += "SecAuditEngine RelevantOnly\n"
        text += "SecAuditLogFormat JSON\n"
        text += "SecAuditLogType Serial\n"
        text += "SecAuditLogParts ABIJDEFHZ\n"
        text += "SecAuditLog \(auditLog)\n"
        text += "Include /etc/modsecurity/crs/crs-setup.conf\n"
        text += "SecAction \"id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=\(s.paranoia)\"\n"
        text += "SecAction \"id:900110,phase:1,nolog,pass,t:none,setvar:tx.inbound_anomaly_score_threshold=\(s.anomalyInbound),setvar:tx.outbound_anomaly_score_threshold=\(s.anomalyOutbound)\"\n"
        for (index, e) in s.exclusions.enumerated() {
            guard let path = e.pathPrefix else { continue }
            text += "SecRule REQUEST_FILENAME \"@beginsWith \(path)\" \"id:\(exclusionRuleBase + index + 1),phase:1,pass,nolog,t:none,ctl:ruleRemoveById=\(e.ruleID)\"\n"
        }
        text += "Include /etc/modsecurity/crs/REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf\n"
        text += "Include /usr/share/modsecurity-crs/rules/*.conf\n"
        text += "Include /etc/modsecurity/crs/RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf\n"
        for e in s.exclusions where e.pathPrefix == nil {
            text += "SecRuleRemoveById \(e.ruleID)\n"
        }
        return text
    }

    static func normalized(_ pem: String) -> String {
        var t = pem.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if !t.hasSuffix("\n") { t += "\n" }
        return t
    }
}

/// 64-bit FNV-1a, for generation names (not a security boundary).
struct FNV1a {
    private var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ text: String) {
        for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        value = (value ^ 0xff) &* 0x0000_0100_0000_01b3
    }
    var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
