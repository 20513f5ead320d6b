"""IPsec and eBGP for real: a Weft controller against a stock strongSwan (and BIRD 2)
remote site configured from hand-written templates (tests/fixtures/remote-site/).

    inside host 198.19.11.2 ── eth11 [Weft controller] eth0 ══ IPsec ══ eth0 [remote rK] eth1 ── 198.19.101.2
                                                    (lab bridge 198.18.0.0/24)

The remote only responds (libipsec cannot start a tunnel on traffic), so every tunnel here
comes up because Weft initiates it. The lab's client namespace does not forward, so the
two inside networks reach each other only through the tunnel; a capture on the remote's
wire shows that the traffic is encrypted.
"""

import time

import pytest

from weftnet import in_ns, wait_until

PSK = "interop-secret-0123456789"
NET = 11                                   # the inside host: 198.19.11.0/24 behind the controller
LOCAL = f"198.19.{NET}.0/24"
REMOTE = "198.19.101.0/24"                 # behind remote site 1
WEFT_LINK, REMOTE_LINK = "169.254.10.1/30", "169.254.10.2/30"
PROPOSALS = "phase1=aes256-sha2_256-dh14 phase2=aes256-sha2_256"


class Setup:
    def __init__(self, c, host, remote, asn, overlay_subnet):
        self.c, self.host, self.remote = c, host, remote
        self.asn, self.overlay_subnet = asn, overlay_subnet
        self.routes: list[int] = []


@pytest.fixture(scope="module")
def s(lab):
    c = lab.add_controller()
    c.license_default("ipsec test licence")
    assert c.put("/api/keyset", {"token": "ipsec-test-token"}).status_code == 200
    wait_until(lambda: c.response("GET", "/api/keyset")["keyset_present"], timeout=60, what="keyset")
    host = lab.add_inside_host(c, NET)
    remote = lab.add_remote_site(1)
    remote.start("swanctl-policy.conf", remote_addr=c.ip, psk=PSK, local_ts=remote.subnet, remote_ts=LOCAL)
    this = c.response("GET", "/api/ipsec")["this_endpoint"]
    return Setup(c, host, remote, int(this["asn"]), this["overlay_subnet"])


@pytest.fixture(autouse=True)
def clean(s):
    """Each test starts with no endpoints and leaves none (nor its routes, nor BIRD)."""
    yield
    for route_id in s.routes:
        s.c.delete(f"/api/routes/{route_id}")
    s.routes.clear()
    for eid in list(s.c.response("GET", "/api/ipsec")["remote_endpoints"]):
        r = s.c.delete(f"/api/ipsec/endpoints/{eid}")
        assert r.status_code == 200, r.text
    s.remote.stop_bird()


# -- helpers ------------------------------------------------------------------------------------

def ping(ns, address, count=1):
    return in_ns(ns, "ping", "-n", "-c", str(count), "-i", "0.2", "-W", "1", address, check=False).returncode == 0


def policy_remote(s, ike_version, psk=PSK):
    """The remote as a policy-based responder for REMOTE <-> LOCAL."""
    s.remote.reload("swanctl-policy.conf", ike_version=ike_version, remote_addr=s.c.ip, psk=psk,
                    local_ts=s.remote.subnet, remote_ts=LOCAL)
    s.remote.route(LOCAL)


def create_endpoint(s, **fields):
    body = dict(name="remote1", ipaddress=s.remote.ip, secret=PSK, ike_version=2, nat_t_enabled=True,
                pfs=True, extra_config=PROPOSALS)
    body.update(fields)
    endpoint = s.c.response("POST", "/api/ipsec/endpoints", body)
    assert endpoint["ipaddress"] == s.remote.ip and isinstance(endpoint["tunnels"], dict), endpoint
    return endpoint


def add_tunnel(s, eid, local=LOCAL, remote=REMOTE):
    endpoint = s.c.response("POST", f"/api/ipsec/endpoints/{eid}/tunnels",
                            {"local_subnet": local, "remote_subnet": remote, "description": "interop"})
    ids = [tid for tid, t in endpoint["tunnels"].items()
           if t["local_subnet"] == local and t["remote_subnet"] == remote]
    assert len(ids) == 1, endpoint
    return ids[0]


def tunnel_status(s, tid):
    return s.c.response("GET", "/api/status/ipsec").get(str(tid))


def wait_tunnel(s, tid, connected=True, timeout=60):
    """Polls /api/status/ipsec until the tunnel's `connected` is the JSON boolean wanted."""
    seen = {}

    def check():
        seen["status"] = tunnel_status(s, tid)
        return seen["status"] if seen["status"] and seen["status"]["connected"] is connected else None
    try:
        return wait_until(check, timeout=timeout, interval=0.5, what=f"tunnel {tid} connected={connected}")
    except TimeoutError as error:
        raise AssertionError(f"{error}; last status: {seen.get('status')}; remote SAs: {s.remote.states()}") from None


def counter(value):
    assert isinstance(value, int) or (isinstance(value, str) and value.isdigit()), value
    return int(value)


# -- tests --------------------------------------------------------------------------------------

def test_ikev2_policy_tunnel_carries_traffic_encrypted(s):
    policy_remote(s, 2)
    endpoint = create_endpoint(s)
    eid = endpoint["id"]
    assert endpoint["tunnels"] == {}
    tid = add_tunnel(s, eid)

    status = wait_tunnel(s, tid)
    assert status["local_subnet"] == LOCAL and status["remote_subnet"] == REMOTE
    assert int(status["endpointid"]) == int(eid)
    wait_until(lambda: ping(s.host.ns, s.remote.host_ip), timeout=20, what="inside host → remote host")
    assert s.remote.ping(s.host.ip), "remote host → inside host"
    ike = [sa for sa in s.remote.sas() if sa["state"] == "ESTABLISHED"]
    assert ike and ike[0]["version"] == "2" and ike[0]["remote-host"] == s.c.ip

    # On the wire between the gateways: ESP in UDP 4500 only, never the pings themselves.
    lines = s.remote.capture(2, "not ip6", during=lambda: ping(s.host.ns, s.remote.host_ip, count=5))
    assert any(".4500 > " in line and "UDP" in line for line in lines), lines
    assert not any("ICMP" in line for line in lines), lines

    params = wait_until(lambda: (lambda p: p if counter(p["bytes_in"]) > 0 and counter(p["bytes_out"]) > 0 else None)(
        tunnel_status(s, tid)["tunnel_params"]), timeout=20, what="byte counters")
    assert counter(params["bytes_in"]) > 0 and counter(params["bytes_out"]) > 0

    # Disable: the tunnel goes down and traffic stops; the remote's child SA goes away.
    s.c.response("PUT", f"/api/ipsec/endpoints/{eid}/tunnels/{tid}", {"enabled": False})
    wait_tunnel(s, tid, connected=False, timeout=30)
    wait_until(lambda: not ping(s.host.ns, s.remote.host_ip), timeout=20, what="disabled tunnel stops traffic")
    wait_until(lambda: "site" not in s.remote.installed_children(), timeout=30, what="remote child SA removed")
    history = wait_until(lambda: (lambda h: h if {"Tunnel up", "Tunnel down"} <= {e["event"] for e in h["history"]} else None)(
        s.c.response("GET", f"/api/status/link_history?tunnelid={tid}")), timeout=20, what="link history up and down")
    assert all(isinstance(e["timestamp_i"], int) and e["timestamp"] for e in history["history"]), history

    # Re-enable: back up.
    s.c.response("PUT", f"/api/ipsec/endpoints/{eid}/tunnels/{tid}", {"enabled": True})
    wait_tunnel(s, tid)
    wait_until(lambda: ping(s.host.ns, s.remote.host_ip), timeout=20, what="re-enabled tunnel carries traffic")

    # Deleting the endpoint removes everything, on the remote too.
    system = s.c.response("DELETE", f"/api/ipsec/endpoints/{eid}")
    assert str(eid) not in system["remote_endpoints"]
    wait_until(lambda: tid not in s.c.response("GET", "/api/status/ipsec"), timeout=20, what="tunnel gone from status")
    wait_until(lambda: not s.remote.established(), timeout=30, what="remote IKE SA deleted")
    assert not ping(s.host.ns, s.remote.host_ip)


def test_ikev1_policy_tunnel(s):
    policy_remote(s, 1)
    # Phase 2 names its DH group (the PFS group: esp_proposals aes256-sha256-modp2048, as the
    # stock remote has), on two lines as a browser sends them.
    eid = create_endpoint(s, ike_version=1, extra_config="phase1=aes256-sha2_256-dh14\r\nphase2=aes256-sha2_256-dh14")["id"]
    tid = add_tunnel(s, eid)
    status = wait_tunnel(s, tid)
    assert str(status["tunnel_params"]["ike_version"]) in ("1", "IKEv1"), status
    wait_until(lambda: ping(s.host.ns, s.remote.host_ip), timeout=20, what="inside host → remote host (IKEv1)")
    assert s.remote.ping(s.host.ip)
    assert [sa["version"] for sa in s.remote.sas() if sa["state"] == "ESTABLISHED"] == ["1"]


def test_wrong_psk_never_connects_and_says_why(s):
    policy_remote(s, 2, psk="the-remote-has-another-secret")
    eid = create_endpoint(s)["id"]
    tid = add_tunnel(s, eid)
    # Proving a negative: watch it for a while (several IKE attempts' worth).
    watch_until = time.monotonic() + 10
    while time.monotonic() < watch_until:
        status = tunnel_status(s, tid)
        assert status is not None and status["connected"] is False, status
        time.sleep(0.5)
    status = wait_until(lambda: (lambda st: st if st["reason"] else None)(tunnel_status(s, tid)),
                        timeout=30, what="a reason for the failure")
    assert isinstance(status["reason"], str) and status["reason"].strip(), status
    print("reason:", status["reason"])
    assert not s.remote.established(), s.remote.states()
    assert not ping(s.host.ns, s.remote.host_ip)


def test_route_based_tunnel_with_ebgp(s):
    remote_asn = 64512 if s.asn != 64512 else 64513
    s.remote.unroute(LOCAL)                     # only BGP may route it now
    s.remote.reload("swanctl-route.conf", remote_addr=s.c.ip, psk=PSK)
    s.remote.link_address(REMOTE_LINK)
    s.remote.start_bird(remote_asn, WEFT_LINK.split("/")[0], s.asn)

    endpoint = create_endpoint(s, vpn_type="vti", route_based_int_address=WEFT_LINK,
                               route_based_local="0.0.0.0/0", route_based_remote="0.0.0.0/0")
    eid = endpoint["id"]
    assert len(endpoint["tunnels"]) == 1, endpoint
    tid = next(iter(endpoint["tunnels"]))
    wait_tunnel(s, tid)
    wait_until(lambda: WEFT_LINK in s.c.in_ns("ip", "-o", "-4", "addr", "show", "dev", "ipsec0", check=False).stdout,
               timeout=20, what=f"{WEFT_LINK} on the controller's ipsec0")
    wait_until(lambda: ping(s.remote.ns, WEFT_LINK.split("/")[0]), timeout=20, what="link addresses reach each other")

    s.c.response("POST", f"/api/ipsec/endpoints/{eid}/ebgp_peers",
                 {"ipaddress": REMOTE_LINK.split("/")[0], "asn": remote_asn,
                  "access_list": f"in permit {REMOTE}\nout permit {LOCAL}", "hold_time": 9, "keepalive_interval": 3})
    route = s.c.response("POST", "/api/routes", {"cidr": LOCAL, "description": "inside", "advertise": True,
                                                 "interface": "_notset", "gateway": "_notset"})
    s.routes += [r["id"] for r in (route.values() if "cidr" not in route else [route]) if r.get("cidr") == LOCAL]

    wait_until(lambda: s.remote.bgp_state() == "Established", timeout=60, what="BGP session established")
    wait_until(lambda: LOCAL in s.remote.bird_routes(), timeout=30, what=f"remote learns {LOCAL}")
    wait_until(lambda: any(r.get("cidr") == REMOTE and r.get("learned") is True
                           for r in s.c.response("GET", "/api/routes").values()),
               timeout=30, what=f"Weft lists the learned {REMOTE}")
    wait_until(lambda: "ipsec0" in s.c.in_ns("ip", "route", "show", REMOTE).stdout, timeout=20,
               what=f"{REMOTE} in the controller's kernel table via ipsec0")
    wait_until(lambda: ping(s.host.ns, s.remote.host_ip), timeout=20, what="inside host → remote host over BGP routes")
    assert s.remote.ping(s.host.ip)


def test_bad_input_is_refused_and_changes_nothing(s):
    eid = create_endpoint(s, name="bad-input-base")["id"]
    before, generation = s.c.response("GET", "/api/ipsec"), s.c.generation()
    routes_before = s.c.response("GET", "/api/routes")
    base = dict(name="bad", ipaddress=s.remote.ip, secret=PSK, ike_version=2, nat_t_enabled=True, pfs=True)
    cases = [
        ("/api/ipsec/endpoints", dict(base, ipaddress="1.2.3"), ("ipaddress",)),
        ("/api/ipsec/endpoints", dict(base, secret=""), ("secret",)),
        ("/api/ipsec/endpoints", dict(base, secret="short"), ("secret",)),
        ("/api/ipsec/endpoints", dict(base, extra_config="phase1=rot13-md0-dh99"), ("extra_config", "phase1")),
        ("/api/ipsec/endpoints", dict(base, vpn_type="gre"), ("not supported on this kernel",)),
        (f"/api/ipsec/endpoints/{eid}/tunnels", {"local_subnet": "10.0.0.0/33", "remote_subnet": REMOTE}, ("local_subnet",)),
        (f"/api/ipsec/endpoints/{eid}/tunnels", {"local_subnet": LOCAL, "remote_subnet": s.overlay_subnet},
         ("remote_subnet", "overlay")),
        ("/api/routes", {"cidr": "198.19.50.0/24", "tunnel": 999}, ("tunnel",)),
    ]
    for path, body, names in cases:
        r = s.c.post(path, body)
        assert 400 <= r.status_code < 500, (path, body, r.status_code, r.text)
        message = r.json()["error"]["message"]
        assert any(name in message for name in names), (body, message)
    assert s.c.response("GET", "/api/ipsec") == before
    assert s.c.response("GET", "/api/routes") == routes_before
    assert s.c.generation() == generation
