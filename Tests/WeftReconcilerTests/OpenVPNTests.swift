import Testing
import WeftModel
import WeftSystem

@Suite struct OpenVPNTests {
    let paths = OpenVPNFiles.ServerPaths(directory: "/var/lib/weft/openvpn", runtime: "/run/weft")

    @Test func serverConfigUsesTun1P2PAndClientConfigFiles() {
        let text = OpenVPNFiles.server(address: IPv4Address(100, 127, 255, 253), paths: paths)
        for line in ["dev tun1", "topology p2p", "ifconfig 100.127.255.253 169.254.255.1", "ccd-exclusive", "disable-dco",
                     "client-config-dir /var/lib/weft/openvpn/ccd", "management /run/weft/openvpn-mgmt.sock unix",
                     "learn-address /var/lib/weft/openvpn/learn-address", "dh none", "keepalive 1 5"] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
        let ccd = OpenVPNFiles.clientConfigFile(address: IPv4Address(100, 127, 255, 193), controller: IPv4Address(100, 127, 255, 253),
                                                overlay: IPv4Network("100.127.255.192/26")!)
        #expect(ccd == "ifconfig-push 100.127.255.193 100.127.255.253\npush \"route 100.127.255.192 255.255.255.192\"\n")
    }

    @Test func clientConfigListsEveryRemoteFirstOneFirst() {
        let text = OpenVPNFiles.client(name: "100_127_255_193", remotes: ["198.51.100.1", "198.51.100.2"], ca: "CA\n", certificate: "CERT", key: "KEY")
        let remotes = text.split(separator: "\n").filter { $0.hasPrefix("remote ") }
        #expect(remotes == ["remote 198.51.100.1 1194", "remote 198.51.100.2 1194"])
        #expect(text.contains("ping 1\nping-restart 3\nconnect-retry 1 1\nserver-poll-timeout 2\n"))
        #expect(text.contains("<ca>\nCA\n</ca>") && text.contains("<key>\nKEY\n</key>"))
    }

    @Test func parsesTheStatusFile() {
        let text = """
        TITLE,OpenVPN 2.6.14
        TIME,2026-11-25 09:30:00,1795599000
        HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher
        CLIENT_LIST,100_127_255_196,198.18.0.102:41000,100.127.255.196,,5000,4200,2026-11-25 09:29:58,1795598998,UNDEF,0,0,AES-256-GCM
        HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)
        END
        """
        let clients = OpenVPNClientStatus.parse(text)
        #expect(clients == [OpenVPNClientStatus(commonName: "100_127_255_196", realAddress: "198.18.0.102:41000", virtualAddress: "100.127.255.196",
                                                rxBytes: 5000, txBytes: 4200, connectedSince: 1795598998)])
    }
}
