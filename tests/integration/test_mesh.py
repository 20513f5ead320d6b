"""The controller mesh for real: three controllers sharing one keyset, peered with the
SDK's macros, WireGuard links and BGP (BIRD, BFD) between them; a client on controller 1
reaches a client on controller 3 through the mesh, and when every process of controller
3 is killed, the second client fails over (scripts/weft-client) and is reached again."""

import os
import signal
import subprocess
import time

import pytest
from cohesivenet.macros import peering as peering_macros

from receiver import Receiver
from weftnet import wait_until

TOKEN = "mesh-test-token"
OVERLAY = {1: "100.127.255.253", 2: "100.127.255.252", 3: "100.127.255.251"}
A, B = "100.127.255.193", "100.127.255.194"


def kill_namespace(c):
    """SIGKILL to every process in the controller's network namespace: the daemon and its children."""
    pids = subprocess.run(["ip", "netns", "pids", c.ns], capture_output=True, text=True, check=True).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    c.process.wait(timeout=10)


def learned(c, address):
    """Routes to `address` that controller `c` learned over BGP: {gateway, ...}."""
    routes = c.response("GET", "/api/routes")
    return {r["gateway"] for r in routes.values() if r.get("learned") and r["cidr"] == f"{address}/32"}


def peered(lab, token, licence, count=3):
    """`count` licensed controllers sharing one keyset (made on the first, `token`), given
    peer ids and peered with the SDK's macros."""
    controllers = [lab.add_controller() for _ in range(count)]
    for c in controllers:
        c.license_default(licence)
    first = controllers[0]
    first.make_keyset(token)
    for c in controllers[1:]:
        c.make_keyset(token, source=first.ip)
    clients = [c.sdk() for c in controllers]
    peering_macros.set_peer_ids(clients)
    peering_macros.peer_mesh(clients)
    return controllers


@pytest.fixture(scope="module")
def mesh(lab):
    controllers = peered(lab, TOKEN, "mesh test licence")
    for c in controllers:
        assert c.response("GET", "/api/peering")["id"] == controllers.index(c) + 1

    def all_connected():
        for c in controllers:
            managers = c.response("GET", "/api/peering")["managers"]
            others = [m for m in managers.values() if m.get("peered")]
            if len(others) != 2:
                return False
            if not all(m.get("connected") for m in others):
                return False
        return True
    wait_until(all_connected, timeout=60, what="every peering link and BGP session up")
    return controllers


def test_peering_status_and_links(mesh):
    c1 = mesh[0]
    status = c1.response("GET", "/api/peering")
    assert status["peered"] is True and status["id"] == 1
    assert status["managers"]["1"]["self"] is True
    for peer in ("2", "3"):
        entry = status["managers"][peer]
        assert entry["address"] == mesh[int(peer) - 1].ip and entry["connected"] is True and entry["link_up"] is True
    shown = c1.in_ns("ip", "-o", "-4", "addr", "show", "dev", "wgp3").stdout
    assert "169.254.253.1 peer 169.254.253.3/32" in shown
    assert c1.in_ns("ping", "-c", "1", "-W", "2", "169.254.253.3", check=False).returncode == 0


E, F, G = "100.127.255.200", "100.127.255.201", "100.127.255.202"


def pack(c, address):
    return c.response("GET", f"/api/clientpacks/{address}")["clientpack"]


def digests_agree(controllers):
    for c in controllers:
        status = c.response("GET", "/api/peering")
        peers = [m for m in status["managers"].values() if m.get("peered")]
        if not peers or not all(m.get("mesh_state", {}).get("digests_agree") for m in peers):
            return False
    return len({c.response("GET", "/api/peering")["mesh_state_digest"] for c in controllers}) == 1


def test_a_clientpack_disabled_on_one_controller_is_disabled_on_every_controller(lab, mesh):
    """Issue 26: the key state replicates. Disabled on 1 cuts the client off at 3; enabled on
    2 restores it everywhere; tags set on 2 show on 1 and 3; the digests agree."""
    c1, c2, c3 = mesh
    w = lab.add_wireguard_client()
    w.connect(c3.get(f"/api/clientpack?name={E}&fileformat=wireguard").text, f"{E}/26")
    wait_until(lambda: w.ping(OVERLAY[3]), timeout=20, what="the client on controller 3")
    assert c1.put("/api/clientpack", {"name": E, "enabled": False}).status_code == 200
    started = time.monotonic()
    wait_until(lambda: pack(c3, E)["enabled"] is False and pack(c2, E)["enabled"] is False, timeout=15, interval=0.1,
               what="the disable on controllers 2 and 3")
    print(f"disable in force on 2 and 3 after {time.monotonic() - started:.2f} s")
    wait_until(lambda: not w.ping(OVERLAY[3], timeout=0.5), timeout=15, what="the client cut off at controller 3")

    assert c2.put("/api/clientpack", {"name": E, "enabled": True}).status_code == 200
    wait_until(lambda: all(pack(c, E)["enabled"] is True for c in mesh), timeout=15, interval=0.2, what="enabled everywhere")
    wait_until(lambda: w.ping(OVERLAY[3]), timeout=30, what="the client back on controller 3")
    w.stop()

    assert c2.post(f"/api/clientpack/{F}", {"key": "team", "value": "blue"}).status_code == 200
    wait_until(lambda: all(pack(c, F)["tags"].get("team") == "blue" for c in mesh), timeout=15, interval=0.2,
               what="the tag on controllers 1 and 3")
    wait_until(lambda: digests_agree(mesh), timeout=30, what="every peer's digests agree")
    entry = c1.response("GET", "/api/peering")["managers"]["2"]["mesh_state"]
    assert entry["digests_agree"] is True and entry["lag_seconds"] == 0 and entry["rounds"] >= 1


def test_changes_on_both_sides_of_a_partition_merge_when_it_heals(mesh):
    c1, c2, c3 = mesh
    # Controller 3 can no longer reach 1 and 2 (underlay and peering links; the test still reaches it).
    blocked = [c1.ip, c2.ip, "169.254.253.1", "169.254.253.2"]
    for address in blocked:
        c3.in_ns("ip", "rule", "add", "to", address, "prohibit", "pref", "90")
    try:
        assert c1.put("/api/clientpack", {"name": F, "enabled": False}).status_code == 200
        assert c3.post(f"/api/clientpack/{G}", {"key": "site", "value": "partitioned"}).status_code == 200
        wait_until(lambda: pack(c2, F)["enabled"] is False, timeout=15, what="the disable on controller 2")
        time.sleep(2)
        assert pack(c3, F)["enabled"] is True, "controller 3 is cut off"
        assert pack(c1, G)["tags"].get("site") is None
    finally:
        for address in blocked:
            c3.in_ns("ip", "rule", "del", "to", address, "prohibit", "pref", "90", check=False)
    wait_until(lambda: pack(c3, F)["enabled"] is False and all(pack(c, G)["tags"].get("site") == "partitioned" for c in mesh),
               timeout=60, interval=0.5, what="both changes everywhere after the heal")
    wait_until(lambda: digests_agree(mesh), timeout=30, what="the same digest everywhere")
    assert c1.put("/api/clientpack", {"name": F, "enabled": True}).status_code == 200
    wait_until(lambda: all(pack(c, F)["enabled"] is True for c in mesh), timeout=15, what="F enabled again")


H = "100.127.255.203"


def private_key(config):
    return next(line.split("=", 1)[1].strip() for line in config.splitlines() if line.startswith("PrivateKey"))


def test_a_regenerate_on_one_controller_replaces_the_key_on_every_controller(lab, mesh):
    """Issue 26: regenerate on controller 1 → the old file gets no answer from any of the
    three controllers, and the new one (downloaded from each) works on each."""
    old = {i: c.get(f"/api/clientpack?name={H}&fileformat=wireguard").text for i, c in enumerate(mesh, 1)}
    assert len({private_key(text) for text in old.values()}) == 1
    assert mesh[0].put("/api/clientpack", {"name": H, "regenerate": True}).status_code == 200
    started = time.monotonic()

    def fresh_everywhere():
        keys = {private_key(c.get(f"/api/clientpack?name={H}&fileformat=wireguard").text) for c in mesh}
        return len(keys) == 1 and keys != {private_key(old[1])}
    wait_until(fresh_everywhere, timeout=20, interval=0.2, what="the regenerated key on controllers 2 and 3")
    print(f"regenerated key served by all three after {time.monotonic() - started:.2f} s")
    for i, c in enumerate(mesh, 1):
        c.wait_applied("overlay")
        stale = lab.add_wireguard_client()
        stale.connect(old[i], f"{H}/26")
        assert not any(stale.ping(OVERLAY[i], timeout=1) for _ in range(3)), f"controller {i} still answers the old key"
        stale.stop()
        fresh = lab.add_wireguard_client()
        fresh.connect(c.get(f"/api/clientpack?name={H}&fileformat=wireguard").text, f"{H}/26")
        wait_until(lambda: fresh.ping(OVERLAY[i]), timeout=20, what=f"the new key on controller {i}")
        fresh.stop()
    wait_until(lambda: digests_agree(mesh), timeout=30, what="the same digest everywhere after the regenerate")


def test_clients_reach_each_other_through_the_mesh_and_fail_over(lab, mesh):
    c1, c2, c3 = mesh
    a, b = lab.add_wireguard_client(), lab.add_wireguard_client()
    a.connect(c1.get(f"/api/clientpack?name={A}&fileformat=wireguard").text, f"{A}/26")
    config_b = c3.get(f"/api/clientpack?name={B}&fileformat=wireguard").text
    # The file names every controller, this one first, for weft-client.
    listed = [line.split()[2] for line in config_b.splitlines() if line.startswith("# weft-controller")]
    assert listed == [f"{c3.ip}:51820", f"{c1.ip}:51820", f"{c2.ip}:51820"]
    b.connect(config_b, f"{B}/26", failover=True)

    wait_until(lambda: a.ping(OVERLAY[1]) and b.ping(OVERLAY[3]), timeout=20, what="clients reach their controllers")
    wait_until(lambda: B in c3.response("GET", "/api/status/clients"), timeout=15, what="client B attached to controller 3")
    wait_until(lambda: learned(c1, B) == {"169.254.253.3"}, timeout=20, what="controller 1 learns B via controller 3")
    wait_until(lambda: a.ping(B), timeout=20, what="A reaches B through the mesh")
    assert b.ping(A)

    receiver = Receiver()
    hook = c1.response("POST", "/api/webhook", {"name": "mesh", "events": ["peer_down", "peer_up"]})
    c1.response("POST", "/api/alert", {"name": "peers", "url": receiver.url("/peers"), "webhook_id": hook["id"]})

    started = time.monotonic()
    kill_namespace(c3)
    wait_until(lambda: a.ping(B, timeout=1), timeout=30, interval=0.1, what="A reaches B again after controller 3 died")
    print(f"controller 3 killed → A reaches B again in {time.monotonic() - started:.2f}s")
    # B is now on controller 1 (the next in its file); the survivors' routes moved off controller 3.
    wait_until(lambda: B in c1.response("GET", "/api/status/clients"), timeout=15, what="B attached to controller 1")
    wait_until(lambda: learned(c2, B) == {"169.254.253.1"}, timeout=20, what="controller 2 learns B via controller 1")
    assert "169.254.253.3" not in learned(c1, B) | learned(c2, B)
    kernel = c2.in_ns("ip", "route", "show", f"{B}/32").stdout
    assert "dev wgp1" in kernel, kernel
    wait_until(lambda: any(b["event"] == "peer_down" and "peer 3" in b["message"] for b in receiver.bodies("/peers")),
               timeout=15, what="peer_down alert for controller 3")
    receiver.stop()
    a.stop()
    b.stop()


def test_a_client_that_moves_while_its_controller_lives_is_withdrawn_there(lab, mesh):
    """A live move (not a death): the old controller stops announcing the client once its
    keepalives stop arriving (30 s), and the mesh routes it to the new controller."""
    c1, c2 = mesh[0], mesh[1]
    D = "100.127.255.196"
    d = lab.add_wireguard_client()
    config = c2.get(f"/api/clientpack?name={D}&fileformat=wireguard").text
    d.connect(config, f"{D}/26")
    wait_until(lambda: d.ping(OVERLAY[2]), timeout=20, what="D reaches controller 2")
    wait_until(lambda: learned(c1, D) == {"169.254.253.2"}, timeout=20, what="controller 1 learns D via controller 2")
    # Move D to controller 1 by hand, as weft-client would.
    lines = [l.split() for l in config.splitlines() if l.startswith("# weft-controller")]
    old_key = lines[0][3]
    new = next(l for l in lines if l[2].startswith(c1.ip))
    subprocess.run(["nsenter", "-t", str(d.process.pid), "-m", "-n", "wg", "set", "wgc", "peer", old_key, "remove",
                    "peer", new[3], "endpoint", new[2], "allowed-ips", "100.127.255.192/26", "persistent-keepalive", "25"], check=True)
    moved = time.monotonic()
    wait_until(lambda: d.ping(OVERLAY[1]), timeout=20, what="D reaches controller 1")
    # The kernel holds BIRD's best route only: D via controller 1 once controller 2 withdrew its own.
    wait_until(lambda: "dev wgp1" in c2.in_ns("ip", "route", "show", f"{D}/32").stdout, timeout=90,
               what="controller 2 routes D via controller 1")
    print(f"live move: controller 2 routes D via controller 1 after {time.monotonic() - moved:.1f}s")
    d.stop()
