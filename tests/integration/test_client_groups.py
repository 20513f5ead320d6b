"""People and groups in the firewall, for real: three WireGuard clients (two tagged
team=a, one team=b), a host behind the controller, a `clients` fwset that is a kernel ipset
following the clientpacks, and a clientpack that expires (alert first, then cut off)."""

import time
from datetime import datetime, timedelta, timezone

import pytest

from receiver import Receiver
from weftnet import wait_until

TOKEN = "client-groups-token"
CONTROLLER = "100.127.255.253"
NET = 25                                    # the inside host: 198.19.25.2 behind the controller
HOST = f"198.19.{NET}.2"
A1, A2, B1 = "100.127.255.193", "100.127.255.194", "100.127.255.195"
EXPIRING = "100.127.255.196"


@pytest.fixture(scope="module")
def setup(lab):
    c = lab.add_controller(extra_args=["--clientpack-expiry-warning", "3"])
    r = c.request("PUT", "/api/license", raw="client groups test licence", headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    assert c.put("/api/license/parameters", {"default": True}).status_code == 200
    wait_until(lambda: c.get_or_none("/api/config") is None, timeout=15, interval=0.1, what="licence restart")
    c.wait_ready()
    c.make_keyset(TOKEN)
    c.wait_applied("overlay")
    host = lab.add_inside_host(c, NET)
    receiver = Receiver()
    yield c, receiver
    receiver.stop()


def members(c, name):
    listed = c.in_ns("ipset", "list", name).stdout
    return sorted(line.strip() for line in listed.split("Members:")[1].splitlines() if line.strip())


def client(lab, c, address):
    """A WireGuard client of `address` that routes the inside network into the tunnel."""
    w = lab.add_wireguard_client()
    config = c.get(f"/api/clientpack?name={address}&fileformat=wireguard").text
    w.connect(config.replace("AllowedIPs = 100.127.255.192/26", f"AllowedIPs = 100.127.255.192/26, 198.19.{NET}.0/24"),
              f"{address}/26")
    w.in_ns = lambda *args: __import__("weftnet").in_ns(w.ns, *args)
    w.in_ns("ip", "route", "add", f"198.19.{NET}.0/24", "dev", "wgc")
    wait_until(lambda: w.ping(CONTROLLER), timeout=15, what=f"{address} reaches the controller")
    return w


def test_group_entries_and_rules_are_checked(setup):
    c, _ = setup
    generation = c.generation()
    for body, field in [
        ({"name": "bad", "type": "clients", "entries": ["team=a"]}, "team=a"),
        ({"name": "bad", "type": "clients", "entries": ["10.0.0.0/8"]}, "10.0.0.0/8"),
        ({"name": "bad", "type": "clients", "entries": ["tag:=x"]}, "tag:=x"),
        ({"name": "bad", "type": "people", "entries": []}, "type"),
    ]:
        r = c.post("/api/v2/firewall/fwsets", body)
        assert r.status_code == 400, r.text
        assert field in r.json()["error"]["message"]
    r = c.post("/api/firewall/rules", {"rule": "FORWARD_CUST -m set --match-set no-such-group src -j ACCEPT"})
    assert r.status_code == 400 and "no-such-group" in r.json()["error"]["message"], r.text
    for body in [{"name": A1, "expires_at": "tomorrow"}, {"name": A1, "expires_at": "2026-12-31"}, {"name": A1, "expires_at": 5}]:
        r = c.put("/api/clientpack", body)
        assert r.status_code == 400 and "expires_at" in r.json()["error"]["message"], r.text
    assert c.generation() == generation

    # A selector matching nothing is allowed, and shown as empty.
    made = c.response("POST", "/api/v2/firewall/fwsets", {"name": "nobody", "type": "clients", "entries": ["owner:nobody@example.com"]})
    assert made["type"] == "clients" and made["entries"] == [{"entry": "owner:nobody@example.com", "comment": ""}]
    assert c.response("GET", "/api/v2/firewall/fwsets/nobody/members")["members"] == []
    wait_until(lambda: c.in_ns("ipset", "list", "nobody", check=False).returncode == 0, timeout=10, what="empty ipset")
    assert members(c, "nobody") == []


def test_identity_fields_round_trip(setup):
    c, _ = setup
    pack = c.response("PUT", "/api/clientpack", {"name": A1, "owner": "alice@example.com", "description": "Alice's laptop",
                                                 "expires_at": "2030-01-02T03:04:05+01:00"})
    assert pack["owner"] == "alice@example.com" and pack["description"] == "Alice's laptop"
    assert pack["expires_at"] == "2030-01-02T02:04:05Z"
    listed = c.response("GET", "/api/clientpacks")[A1]
    assert listed["owner"] == "alice@example.com" and listed["expires_at"] == "2030-01-02T02:04:05Z"
    cleared = c.response("PUT", "/api/clientpack", {"name": A1, "expires_at": None})
    assert cleared["expires_at"] is None and cleared["owner"] == "alice@example.com"
    assert c.response("GET", "/api/clientpacks")[A2]["owner"] == ""


def test_only_the_group_reaches_the_host_and_membership_follows_the_packs(lab, setup):
    c, _ = setup
    for address, team in [(A1, "a"), (A2, "a"), (B1, "b")]:
        c.response("POST", f"/api/clientpack/{address}", {"key": "team", "value": team})
    c.response("POST", "/api/v2/firewall/fwsets", {"name": "team-a", "type": "clients", "entries": ["tag:team=a"]})
    assert c.response("GET", "/api/v2/firewall/fwsets/team-a/members")["members"] == [A1, A2]
    c.response("POST", "/api/firewall/rules", {"rule": f"FORWARD_CUST -m set --match-set team-a src -d {HOST} -j ACCEPT"})
    c.response("POST", "/api/firewall/rules", {"rule": f"FORWARD_CUST -s 100.127.255.192/26 -d {HOST} -j DROP"})
    wait_until(lambda: members(c, "team-a") == [A1, A2], timeout=10, what="team-a ipset")

    a1, a2, b1 = client(lab, c, A1), client(lab, c, A2), client(lab, c, B1)
    wait_until(lambda: a1.ping(HOST), timeout=15, what="a1 reaches the host")
    assert a2.ping(HOST)
    assert not b1.ping(HOST)

    view = c.response("GET", f"/api/clientpacks/{A1}/firewall")
    assert view["groups"] == ["team-a"]
    assert [r["via"] for r in view["rules"]] == ["group team-a", "network 100.127.255.192/26"]
    assert c.response("GET", f"/api/clientpacks/{A1}")["clientpack"]["groups"] == ["team-a"]

    # Re-tagging moves access without touching the rules.
    rules = c.response("GET", "/api/firewall/rules")
    c.response("POST", f"/api/clientpack/{A2}", {"key": "team", "value": "b"})
    c.response("POST", f"/api/clientpack/{B1}", {"key": "team", "value": "a"})
    assert members(c, "team-a") == [A1, B1], "the fast path updated the ipset within the request"
    wait_until(lambda: b1.ping(HOST), timeout=10, what="re-tagged b1 reaches the host")
    assert not a2.ping(HOST)
    assert c.response("GET", "/api/firewall/rules") == rules

    # Disabling a member takes it out of the set within the request (well inside 1 s).
    started = time.monotonic()
    c.response("PUT", "/api/clientpack", {"name": B1, "enabled": False})
    assert members(c, "team-a") == [A1]
    print(f"disable → ipset member removed in {time.monotonic() - started:.3f}s")
    c.response("PUT", "/api/clientpack", {"name": B1, "enabled": True})
    assert members(c, "team-a") == [A1, B1]


def test_an_expiring_pack_alerts_first_then_is_cut_off(lab, setup):
    c, receiver = setup
    c.response("POST", "/api/alert", {"name": "expiry", "url": receiver.url("/ok"),
                                      "events": ["clientpack_expiring", "clientpack_expired"]})
    c.response("POST", f"/api/clientpack/{EXPIRING}", {"key": "team", "value": "a"})
    w = client(lab, c, EXPIRING)
    wait_until(lambda: w.ping(HOST), timeout=15, what="expiring pack reaches the host")
    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=8)
    c.response("PUT", "/api/clientpack", {"name": EXPIRING, "owner": "temp@example.com",
                                          "expires_at": expires.isoformat().replace("+00:00", "Z")})
    warned = wait_until(lambda: [b for b in receiver.bodies("/ok") if b["event"] == "clientpack_expiring"], timeout=15,
                        what="clientpack_expiring alert")
    assert "temp@example.com" in warned[0]["message"]
    assert c.response("GET", f"/api/clientpacks/{EXPIRING}")["clientpack"]["enabled"] is True, "the alert comes before the cut-off"
    wait_until(lambda: c.response("GET", f"/api/clientpacks/{EXPIRING}")["clientpack"]["enabled"] is False, timeout=20,
               what="pack disabled at its expiry")
    assert datetime.now(timezone.utc) >= expires
    assert EXPIRING not in members(c, "team-a")
    wait_until(lambda: not w.ping(CONTROLLER), timeout=10, what="expired pack cut off")
    events = [b["event"] for b in receiver.bodies("/ok")]
    assert events.index("clientpack_expiring") < events.index("clientpack_expired")
