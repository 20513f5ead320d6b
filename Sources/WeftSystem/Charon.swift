import Foundation

/// How ESP is carried on this kernel.
public enum IpsecKernelMode: String, Sendable {
    /// Kernel XFRM states and policies (kernel-netlink).
    case xfrm
    /// strongSwan's user-space ESP over a TUN device `ipsec0` (kernel-libipsec): for kernels
    /// without ESP support. ESP always rides in UDP 4500.
    case libipsec

    public static let libipsecDevice = "ipsec0"

    /// Asks the kernel for an ESP state (added and removed at once, in this network
    /// namespace only): kernels without ESP support answer "Requested type not found".
    public static func detect(runner: any CommandRunner) async -> IpsecKernelMode {
        let state = ["src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "spi", "0x57ef7"]
        let added = try? await runner.run(["ip", "xfrm", "state", "add"] + state + [
            "enc", "cbc(aes)", "0x000102030405060708090a0b0c0d0e0f",
            "auth", "hmac(sha256)", "0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"], stdin: nil)
        guard added?.status == 0 else { return .libipsec }
        _ = try? await runner.run(["ip", "xfrm", "state", "delete", "src", "192.0.2.1", "dst", "192.0.2.2", "proto", "esp", "spi", "0x57ef7"], stdin: nil)
        return .xfrm
    }
}

/// strongSwan's IKE daemon run for the controller: its own `strongswan.conf`
/// (`STRONGSWAN_CONF`), its own VICI socket, a log file in the data directory.
public struct CharonFiles: Sendable, Equatable {
    public let directory: String
    public let runtime: String

    public init(directory: String, runtime: String) {
        self.directory = directory
        self.runtime = runtime
    }

    public var config: String { "\(directory)/strongswan.conf" }
    public var log: String { "\(directory)/charon.log" }
    public var vici: String { "\(runtime)/charon.vici" }

    public static let executable = "/usr/lib/ipsec/charon"

    public static let plugins = [
        "random", "nonce", "openssl", "aes", "sha1", "sha2", "hmac", "kdf", "gcm", "pem", "pkcs1", "x509",
        "revocation", "curve25519", "gmp",
    ]

    /// The daemon's configuration. Routes are Weft's, in the main table. kernel-libipsec
    /// installs a route for every outbound policy whatever `install_routes` says (a
    /// 0.0.0.0/0 selector becomes `default dev ipsec0` in table 220, which would pull all
    /// management traffic into the tunnel), so its table is consulted only after the main
    /// table (`routing_table_prio` 32767): it carries nothing the main table can route.
    /// `allow_peer_ts` stays off, so charon adds an exclude route for the IKE peer.
    public func render(mode: IpsecKernelMode) -> String {
        let kernel = mode == .libipsec ? ["kernel-libipsec", "kernel-netlink"] : ["kernel-netlink"]
        return """
        # Written by Weft; changes are overwritten.
        charon {
          load = \((Self.plugins + kernel + ["socket-default", "vici"]).joined(separator: " "))
          install_routes = no
          install_virtual_ip = no
          routing_table = 220
          routing_table_prio = 32767
          retransmit_tries = 3
          retransmit_timeout = 2.0
          plugins {
            vici {
              socket = unix://\(vici)
            }
          }
          filelog {
            weft {
              path = \(log)
              time_format = %Y-%m-%dT%H:%M:%S
              default = 1
              flush_line = yes
            }
          }
        }

        """
    }
}
