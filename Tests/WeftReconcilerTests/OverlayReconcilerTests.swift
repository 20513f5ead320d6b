import Testing
import WeftModel
@testable import WeftReconciler
import WeftStore
import WeftSystem

@Suite struct OverlayUAPITests {
    @Test func parsesAGetReply() throws {
        let text = """
        private_key=9007285618ceed1a37deb84b0666b8574e89129237a950ccdb8d4487d3e4bd6e
        listen_port=51820
        public_key=aa00000000000000000000000000000000000000000000000000000000000000
        endpoint=198.18.0.101:40000
        last_handshake_time_sec=1700000000
        rx_bytes=1200
        tx_bytes=900
        allowed_ip=100.127.255.193/32
        public_key=bb00000000000000000000000000000000000000000000000000000000000000
        allowed_ip=100.127.255.194/32
        errno=0

        """
        let device = try WireGuardUAPI.parseGet(text)
        #expect(device.listenPort == 51820)
        #expect(device.peers.count == 2)
        #expect(device.peers[0].endpoint == "198.18.0.101:40000" && device.peers[0].rxBytes == 1200)
        #expect(device.peers[1].allowedIPs == ["100.127.255.194/32"])
        #expect(throws: SystemError.self) { try WireGuardUAPI.parseGet("errno=22\n\n") }
    }

    @Test func keysConvertBetweenBase64AndHex() {
        let base64 = "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k="
        let hex = WireGuardUAPI.hex(fromBase64: base64)
        #expect(hex == "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")
        #expect(WireGuardUAPI.base64(fromHex: hex!) == base64)
        #expect(WireGuardUAPI.hex(fromBase64: "short") == nil)
    }

    @Test func diffTouchesOnlyThePeersThatChange() {
        let plan = OverlayReconciler.Plan(address: IPv4Address(100, 127, 255, 253), prefixLength: 26, privateKeyHex: "k",
                                          peers: ["a": "100.127.255.193/32", "b": "100.127.255.194/32", "c": "100.127.255.195/32"])
        let current = WireGuardDeviceStatus(privateKeyHex: "k", listenPort: 51820, peers: [
            .init(publicKeyHex: "a", allowedIPs: ["100.127.255.193/32"]),
            .init(publicKeyHex: "b", allowedIPs: ["100.127.255.200/32"]),
            .init(publicKeyHex: "z", allowedIPs: ["100.127.255.222/32"]),
        ])
        let lines = OverlayReconciler.diff(plan, current: current, listenPort: 51820)
        #expect(lines == ["public_key=z", "remove=true",
                          "public_key=b", "replace_allowed_ips=true", "allowed_ip=100.127.255.194/32",
                          "public_key=c", "replace_allowed_ips=true", "allowed_ip=100.127.255.195/32"])
        #expect(!lines.contains("replace_peers=true"))
        let synced = WireGuardDeviceStatus(privateKeyHex: "k", listenPort: 51820, peers: plan.peers.map { .init(publicKeyHex: $0.key, allowedIPs: [$0.value]) })
        #expect(OverlayReconciler.diff(plan, current: synced, listenPort: 51820).isEmpty)
    }

    @Test func wireguardClientConfigRenders() {
        let text = ClientpackFiles.wireguard(name: "100_127_255_193", privateKey: "PRIV", address: IPv4Address(100, 127, 255, 193),
                                             overlay: IPv4Network("100.127.255.192/26")!,
                                             controller: .init(publicKey: "PUB", endpoint: "198.18.0.11:51820"),
                                             allowedIPs: ["100.127.255.192/26"])
        #expect(text == """
        # Weft clientpack 100_127_255_193 (WireGuard)
        [Interface]
        PrivateKey = PRIV
        Address = 100.127.255.193/26

        [Peer]
        PublicKey = PUB
        Endpoint = 198.18.0.11:51820
        AllowedIPs = 100.127.255.192/26
        PersistentKeepalive = 25

        """)
    }
}
