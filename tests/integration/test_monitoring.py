"""Alerts, webhooks and Prometheus metrics for real: an IPsec tunnel to a stock strongSwan
goes up and down, a webhook receiver in the test records the POSTs (with the configured
headers and body), a failing receiver gets retries that the delivery log shows, and
/metrics parses by the Prometheus text-format rules with counters that follow traffic."""

import json
import re

import pytest

from receiver import Receiver
from weftnet import in_ns, wait_until

PSK = "monitoring-secret-0123"
NET = 12
LOCAL = f"198.19.{NET}.0/24"


@pytest.fixture(scope="module")
def setup(lab):
    c = lab.add_controller()
    c.license_default("monitoring test licence")
    host = lab.add_inside_host(c, NET)
    remote = lab.add_remote_site(2)
    remote.start("swanctl-policy.conf", remote_addr=c.ip, psk=PSK, local_ts=remote.subnet, remote_ts=LOCAL)
    remote.route(LOCAL)
    receiver = Receiver()
    yield c, host, remote, receiver
    receiver.server.shutdown()


def parse_metrics(text):
    """Prometheus text format 0.0.4: HELP/TYPE comments, `name{l="v",...} value` samples."""
    samples = {}
    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)( \d+)?$')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            assert not line or re.match(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* ", line), line
            continue
        m = sample.match(line)
        assert m, f"not a Prometheus sample: {line!r}"
        float(m.group(3))
        samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return samples


def test_tunnel_events_reach_the_webhook_and_failures_are_retried(setup):
    c, host, remote, receiver = setup
    hook = c.response("POST", "/api/webhook", {
        "name": "ops", "events": ["tunnel_up", "tunnel_down"],
        "body": '{"text": "%{message}", "tunnel": "%{tunnel_description}", "event": "%{event}", "site": "%{site}"}',
        "headers": [{"name": "X-Weft-Test", "value": "yes"}],
        "custom_properties": [{"name": "site", "value": "dc-east", "description": "where"}],
    })
    good = c.response("POST", "/api/alert", {"name": "to-ok", "url": receiver.url("/ok"), "webhook_id": hook["id"]})
    bad = c.response("POST", "/api/alert", {"name": "to-fail", "url": receiver.url("/fail"), "webhook_id": hook["id"],
                                            "events": ["tunnel_down"]})
    assert good["events"] == ["tunnel_up", "tunnel_down"] and good["enabled"] is True
    assert "tunnel_down" in c.response("GET", "/api/alert_events")

    endpoint = c.response("POST", "/api/ipsec/endpoints", {"name": "east", "ipaddress": remote.ip, "secret": PSK, "ike_version": 2,
                                                         "extra_config": "phase1=aes256-sha2_256-dh14 phase2=aes256-sha2_256"})
    tunnel_endpoint = c.response("POST", f"/api/ipsec/endpoints/{endpoint['id']}/tunnels", {"local_subnet": LOCAL, "remote_subnet": remote.subnet})
    tid = next(iter(tunnel_endpoint["tunnels"]))
    wait_until(lambda: c.response("GET", "/api/status/ipsec")[tid]["connected"], timeout=60, what="tunnel up")
    wait_until(lambda: any(b["event"] == "tunnel_up" for b in receiver.bodies("/ok")), timeout=15, what="tunnel_up POST")

    c.response("PUT", f"/api/ipsec/endpoints/{endpoint['id']}/tunnels/{tid}", {"enabled": False})
    wait_until(lambda: any(b["event"] == "tunnel_down" for b in receiver.bodies("/ok")), timeout=15, what="tunnel_down POST")
    post = next(p for p in receiver.posts if p["path"].startswith("/ok") and '"tunnel_down"' in p["body"])
    assert post["headers"]["X-Weft-Test"] == "yes" and post["headers"]["Content-Type"] == "application/json"
    body = json.loads(post["body"])
    assert body["site"] == "dc-east" and LOCAL in body["tunnel"] and "down" in body["text"]

    # The failing receiver: first attempt plus retries, each in the delivery log.
    deliveries = wait_until(lambda: (lambda d: d if len(d) >= 3 else None)(c.response("GET", f"/api/alert/{bad['id']}/deliveries")),
                            timeout=20, what="retries of the failing delivery")
    assert all(d["event"] == "tunnel_down" and d["status"] == 500 for d in deliveries)
    assert [d["attempt"] for d in deliveries[:3]] == [1, 2, 3] and deliveries[0]["will_retry"] is True
    assert len([p for p in receiver.posts if p["path"].startswith("/fail")]) >= 3

    result = c.response("POST", f"/api/alert/{good['id']}/test")
    assert result == {"status": "success", "code": "200", "message": "OK"}
    c.response("POST", f"/api/alert/{good['id']}/toggle_enabled")
    assert c.response("GET", f"/api/alert/{good['id']}")["enabled"] is False
    r = c.post("/api/alert", {"name": "x", "url": "ftp://nowhere", "events": ["tunnel_down"]})
    assert r.status_code == 400 and "url" in r.json()["error"]["message"]
    r = c.post("/api/webhook", {"name": "x", "events": ["moon_landing"]})
    assert r.status_code == 400 and "moon_landing" in r.json()["error"]["message"]
    c.response("DELETE", f"/api/ipsec/endpoints/{endpoint['id']}")


def test_metrics_parse_and_follow_traffic(setup):
    c, host, remote, receiver = setup
    assert c.request("GET", "/metrics", auth=False).status_code == 401
    before = parse_metrics(c.get("/metrics").text)
    rx = 'weft_interface_receive_bytes_total{interface="eth0"}'
    assert rx in before and 'weft_clients_connected{protocol="wireguard"}' in before
    # 1.4 MB of ICMP to the controller's eth0 from the client namespace.
    in_ns(c.lab.client_ns, "ping", "-q", "-c", "1000", "-i", "0.002", "-s", "1400", c.ip, check=False)
    after = parse_metrics(c.get("/metrics").text)
    assert after[rx] - before[rx] >= 1_000_000
    requests = [k for k in after if k.startswith("weft_api_request_duration_seconds_count")]
    assert requests and sum(after[k] for k in requests) >= 2
    assert any(k.startswith("weft_reconcile_duration_seconds_count") for k in after)

    token = c.response("POST", "/api/access/token", {"name": "prometheus", "expires": 3600})["token"]
    r = c.request("GET", "/metrics", auth=False, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
