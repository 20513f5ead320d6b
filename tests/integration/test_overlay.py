"""The WireGuard overlay for real: tun0 run by the controller (wireguard-go), clients in
their own namespaces configured from the downloaded clientpacks."""

import time

import pytest

from weftnet import wait_until

TOKEN = "overlay-test-token"
CONTROLLER = "100.127.255.253"


@pytest.fixture(scope="module")
def overlay(lab):
    c = lab.add_controller()
    r = c.request("PUT", "/api/license", raw="overlay test licence", headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    pid = c.pid
    assert c.put("/api/license/parameters", {"default": True}).status_code == 200
    wait_until(lambda: c.get_or_none("/api/config") is None, timeout=15, interval=0.1, what="licence restart")
    c.wait_ready()
    assert c.pid == pid
    c.make_keyset(TOKEN)
    c.wait_applied("overlay")
    return c


def download(c, name):
    r = c.get(f"/api/clientpack?name={name}&fileformat=wireguard")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/plain"
    return r.text


def test_tun0_holds_the_controller_address(overlay):
    shown = overlay.in_ns("ip", "-o", "-4", "addr", "show", "dev", "tun0").stdout
    assert f"{CONTROLLER}/26" in shown
    packs = overlay.response("GET", "/api/clientpacks")
    assert list(packs)[:2] == ["100.127.255.193", "100.127.255.194"]
    assert packs["100.127.255.193"]["name"] == "100_127_255_193" and packs["100.127.255.193"]["enabled"] is True
    assert len(packs) == 58


def test_two_clients_reach_each_other_and_disable_cuts_one_off(lab, overlay):
    w1, w2 = lab.add_wireguard_client(), lab.add_wireguard_client()
    w1.connect(download(overlay, "100_127_255_193"), "100.127.255.193/26")
    w2.connect(download(overlay, "100.127.255.194"), "100.127.255.194/26")
    wait_until(lambda: w1.ping(CONTROLLER), timeout=15, what="client 1 reaches the controller")
    wait_until(lambda: w2.ping("100.127.255.193"), timeout=15, what="client 2 reaches client 1")
    assert w1.ping("100.127.255.194")

    clients = overlay.response("GET", "/api/status/clients")
    assert set(clients) >= {"100.127.255.193", "100.127.255.194"}
    logs = wait_until(lambda: overlay.response("GET", "/api/clientpacks/100_127_255_193/logs"), timeout=10, what="connect event")
    pack = overlay.response("GET", "/api/clientpacks")["100.127.255.193"]
    assert pack["status"] == "connected" and pack["protocol"] == "wireguard" and pack["last_connect"]
    assert logs[0]["event"] == "connect" and logs[0]["protocol"] == "wireguard" and logs[0]["endpoint"].startswith(w1.ip)
    assert clients["100.127.255.193"]["ipaddress"] == w1.ip

    started = time.monotonic()
    overlay.response("PUT", "/api/clientpack", {"name": "100_127_255_193", "enabled": False})
    overlay.wait_applied("overlay")
    print(f"disable → overlay applied in {time.monotonic() - started:.2f}s")
    wait_until(lambda: not w1.ping(CONTROLLER), timeout=10, what="disabled pack cut off")
    print(f"disable → traffic stopped in {time.monotonic() - started:.2f}s")
    assert w2.ping(CONTROLLER)
    assert overlay.response("GET", "/api/clientpacks/100_127_255_193")["clientpack"]["enabled"] is False

    overlay.response("PUT", "/api/clientpack", {"name": "100.127.255.193", "enabled": True})
    overlay.wait_applied("overlay")
    wait_until(lambda: w1.ping(CONTROLLER), timeout=30, what="re-enabled pack reconnects")


def test_clientpack_bad_input(overlay):
    generation = overlay.generation()
    for method, path, body, status in [
        ("GET", "/api/clientpack?name=10_0_0_1&fileformat=wireguard", None, 404),
        ("GET", "/api/clientpack?name=100_127_255_193&fileformat=exe", None, 400),
        ("PUT", "/api/clientpack", {"name": "100_127_255_250", "enabled": False}, 404),   # a controller address
        ("PUT", "/api/clientpack", {"name": "100_127_255_193", "enabled": "maybe"}, 400),
        ("POST", "/api/clientpack/100_127_255_193", {"key": "team"}, 400),
        ("DELETE", "/api/clientpack/100_127_255_193", {"key": "nope"}, 404),
    ]:
        r = overlay.request(method, path, body=body)
        assert r.status_code == status, (method, path, r.text)
        assert "error" in r.json()
    assert overlay.generation() == generation
    tagged = overlay.response("POST", "/api/clientpack/100_127_255_195", {"key": "team", "value": "blue"})
    assert tagged == {"name": "100_127_255_195", "tags": {"team": "blue"}}


def test_openvpn_and_wireguard_clients_share_the_overlay(lab, overlay):
    r = overlay.get("/api/clientpack?name=100_127_255_196&fileformat=ovpn")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/plain", r.text
    assert f"remote {overlay.ip} 1194" in r.text and "<key>" in r.text
    wg, ovpn = lab.add_wireguard_client(), lab.add_wireguard_client()
    wg.connect(download(overlay, "100_127_255_197"), "100.127.255.197/26")
    ovpn.connect_openvpn(r.text)
    wait_until(lambda: ovpn.ping(CONTROLLER), timeout=15, what="OpenVPN client reaches the controller")
    wait_until(lambda: ovpn.ping("100.127.255.197"), timeout=15, what="OpenVPN client reaches a WireGuard client")
    assert wg.ping("100.127.255.196")
    clients = wait_until(lambda: (lambda c: c if "100.127.255.196" in c else None)(overlay.response("GET", "/api/status/clients")),
                         timeout=10, what="OpenVPN client in the status (status file written every second)")
    assert clients["100.127.255.196"]["protocol"] == "openvpn" and clients["100.127.255.196"]["ipaddress"] == ovpn.ip
    wait_until(lambda: overlay.response("GET", "/api/clientpacks/100_127_255_196/logs"), timeout=10, what="OpenVPN connect event")

    # Disable: disconnected at once through the management interface, refused on reconnect.
    overlay.response("PUT", "/api/clientpack", {"name": "100_127_255_196", "enabled": False})
    overlay.wait_applied("openvpn")
    wait_until(lambda: not ovpn.ping(CONTROLLER), timeout=10, what="disabled OpenVPN pack cut off")
    events = wait_until(lambda: (lambda e: e if e[-1]["event"] == "disconnect" else None)(
        overlay.response("GET", "/api/clientpacks/100_127_255_196/logs")), timeout=10, what="OpenVPN disconnect event")
    assert events[-1]["protocol"] == "openvpn"
    assert wg.ping(CONTROLLER)
    overlay.response("PUT", "/api/clientpack", {"name": "100_127_255_196", "enabled": True})
    wait_until(lambda: ovpn.ping(CONTROLLER), timeout=30, what="re-enabled OpenVPN pack reconnects")


def test_regenerate_retires_the_old_files(lab, overlay):
    name = "100_127_255_198"
    old_wg = download(overlay, name)
    old_ovpn = overlay.get(f"/api/clientpack/{name}.ovpn").text
    wg = lab.add_wireguard_client()
    wg.connect(old_wg, "100.127.255.198/26")
    wait_until(lambda: wg.ping(CONTROLLER), timeout=15, what="old WireGuard file works before regenerate")

    pack = overlay.response("PUT", "/api/clientpack", {"name": name, "regenerate": True})
    assert pack["name"] == name
    overlay.wait_applied("overlay")
    overlay.wait_applied("openvpn")
    assert download(overlay, name) != old_wg
    wait_until(lambda: not wg.ping(CONTROLLER), timeout=10, what="old WireGuard keys refused")
    wg.stop()
    new_wg = lab.add_wireguard_client()
    new_wg.connect(download(overlay, name), "100.127.255.198/26")
    wait_until(lambda: new_wg.ping(CONTROLLER), timeout=15, what="regenerated WireGuard file connects")
    new_wg.stop()

    # The old OpenVPN certificate is refused at the handshake; the new file connects.
    old = lab.add_wireguard_client()
    with pytest.raises(AssertionError):
        old.connect_openvpn(old_ovpn, timeout=8)
    old.stop()
    fresh = lab.add_wireguard_client()
    fresh.connect_openvpn(overlay.get(f"/api/clientpack/{name}.ovpn").text)
    wait_until(lambda: fresh.ping(CONTROLLER), timeout=15, what="regenerated OpenVPN file connects")


def test_next_available_bulk_and_disconnect(overlay):
    first = overlay.response("POST", "/api/clientpacks/next_available", {"low_ip": "100.127.255.230", "high_ip": "100.127.255.231"})
    assert first["overlay_ipaddress"] == "100.127.255.230" and first["checked_out"] is True
    second = overlay.response("POST", "/api/clientpacks/next_available", {"low_ip": "100.127.255.230", "high_ip": "100.127.255.231"})
    assert second["overlay_ipaddress"] == "100.127.255.231"
    r = overlay.post("/api/clientpacks/next_available", {"low_ip": "100.127.255.230", "high_ip": "100.127.255.231"})
    assert r.status_code == 404 and "No clientpack left" in r.json()["error"]["message"]
    r = overlay.post("/api/clientpacks/next_available", {"low_ip": "100.127.255.231", "high_ip": "100.127.255.230"})
    assert r.status_code == 400

    token = overlay.response("POST", "/api/clientpacks/add_clientpacks", {"requested_ips": "100.127.255.232,100.127.255.233"})
    assert overlay.response("GET", f"/api/status/task?token={token}")["task_status"] == "finished_ok"
    r = overlay.post("/api/clientpacks/add_clientpacks", {"requested_ips": "10.1.2.3"})
    assert r.status_code == 400 and "outside the overlay" in r.json()["error"]["message"]

    reply = overlay.response("PUT", "/api/clientpack/100_127_255_194", {"disconnect": True})
    assert reply == {"disconnecting": "100_127_255_194", "overlay_ipaddress": "100.127.255.194"}
    assert overlay.response("POST", "/api/client/reset", {"name": "100.127.255.194"})["overlay_ipaddress"] == "100.127.255.194"
    assert overlay.response("PUT", "/api/clientpacks", {"checked_out": False}) == {"enabled": None, "checked_out": False}
    assert not any(p["checked_out"] for p in overlay.response("GET", "/api/clientpacks").values())
    assert overlay.response("GET", "/api/status/connected_subnets") == []
