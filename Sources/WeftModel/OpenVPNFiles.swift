/// OpenVPN server and client configuration for TLS clientpacks on the overlay.
///
/// The server's device is `tun1` in p2p topology: it holds the controller's overlay
/// address, every client gets its fixed overlay address from a client-config-dir file named
/// after its certificate's CN (`ccd-exclusive`: no file, no connection — that is how a
/// disabled clientpack is refused), and a learn-address hook routes each connected client's
/// /32 to tun1 (tun0, the WireGuard device, owns the rest of the overlay subnet).
public enum OpenVPNFiles {
    public static let device = "tun1"
    public static let port = 1194
    /// The far end of tun1's point-to-point address: link-local, outside any overlay.
    public static let serverPeer = "169.254.255.1"

    public struct ServerPaths: Sendable, Equatable {
        public var directory: String
        public var runtime: String
        public init(directory: String, runtime: String) {
            self.directory = directory
            self.runtime = runtime
        }
        public var config: String { "\(directory)/server.conf" }
        public var ca: String { "\(directory)/ca.crt" }
        public var certificate: String { "\(directory)/server.crt" }
        public var key: String { "\(directory)/server.key" }
        public var clientConfigDirectory: String { "\(directory)/ccd" }
        public var learnAddress: String { "\(directory)/learn-address" }
        public var tlsVerify: String { "\(directory)/tls-verify" }
        /// Decimal serials of replaced client certificates, one per line.
        public var revokedSerials: String { "\(directory)/revoked-serials" }
        public var management: String { "\(runtime)/openvpn-mgmt.sock" }
        public var status: String { "\(runtime)/openvpn-status" }
    }

    public static func server(address: IPv4Address, paths: ServerPaths, port: Int = port) -> String {
        """
        # Weft OpenVPN server (generated; edits are overwritten)
        mode server
        tls-server
        proto udp
        port \(port)
        dev \(device)
        dev-type tun
        topology p2p
        ifconfig \(address) \(serverPeer)
        ca \(paths.ca)
        cert \(paths.certificate)
        key \(paths.key)
        dh none
        ecdh-curve prime256v1
        tls-version-min 1.2
        data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305
        client-config-dir \(paths.clientConfigDirectory)
        ccd-exclusive
        keepalive 1 5
        management \(paths.management) unix
        status \(paths.status) 1
        status-version 2
        script-security 2
        learn-address \(paths.learnAddress)
        tls-verify \(paths.tlsVerify)
        disable-dco
        verb 3

        """
    }

    /// The per-client file: its fixed address, and the overlay routed through the tunnel.
    public static func clientConfigFile(address: IPv4Address, controller: IPv4Address, overlay: IPv4Network) -> String {
        """
        ifconfig-push \(address) \(controller)
        push "route \(overlay.network) \(overlay.netmask)"

        """
    }

    /// Called by OpenVPN as `learn-address add|update|delete ADDRESS [CN]`.
    public static func learnAddressScript() -> String {
        """
        #!/bin/sh
        # Weft: route each connected OpenVPN client's overlay address to \(device).
        case "$1" in
          add|update) exec ip route replace "$2/32" dev \(device) ;;
          delete) exec ip route del "$2/32" dev \(device) ;;
        esac

        """
    }

    /// Called by OpenVPN at each TLS handshake as `tls-verify DEPTH SUBJECT` with
    /// `tls_serial_<depth>` set: refuses a client certificate whose serial was revoked.
    public static func tlsVerifyScript(revoked path: String) -> String {
        """
        #!/bin/sh
        # Weft: refuse client certificates replaced by a clientpack regenerate.
        [ "$1" = 0 ] || exit 0
        [ -n "$tls_serial_0" ] || exit 1
        if grep -qxF "$tls_serial_0" \(path) 2>/dev/null; then exit 1; fi
        exit 0

        """
    }

    /// The client's `.ovpn`, every controller as a `remote` (the downloading one first),
    /// with short keepalives so that failover takes seconds.
    public static func client(name: String, remotes: [String], port: Int = port, ca: String, certificate: String, key: String) -> String {
        var text = """
        # Weft clientpack \(name) (OpenVPN)
        client
        dev tun
        proto udp

        """
        for remote in remotes { text += "remote \(remote) \(port)\n" }
        text += """
        nobind
        remote-cert-tls server
        tls-version-min 1.2
        data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305
        ping 1
        ping-restart 3
        connect-retry 1 1
        server-poll-timeout 2
        resolv-retry infinite
        disable-dco
        verb 3
        <ca>
        \(ca.trimmed)
        </ca>
        <cert>
        \(certificate.trimmed)
        </cert>
        <key>
        \(key.trimmed)
        </key>

        """
        return text
    }
}
