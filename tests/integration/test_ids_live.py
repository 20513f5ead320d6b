"""The built-in IDS live on a controller: the articles' scenario on tun0 (a WireGuard
client POSTs a card number through the controller to a host inside), passive capture
with fast.log, EVE alerts and the ids_alert webhook; inline (NFQUEUE) with a drop rule;
the engine killed with fail-open and fail-closed steering; a bad rule upload refused."""

import signal

import pytest

from receiver import Receiver
from weftnet import in_ns, tcp_ask, wait_until

TOKEN = "ids-live-test-token"
CLIENT = "100.127.255.193"
INSIDE = "198.19.21.2"
CARD = "name=alice&card=5123-4567-8901-2345"
RULES = (
    "# the articles' rule, as written\n"
    'alert tcp any any <> any any (pcre:"/5\\d{3}(\\s|-)?\\d{4}(\\s|-)?\\d{4}(\\s|-)?\\d{4}/"; '
    'msg:"MasterCard number detected in clear text";sid:9000001;rev:1;)\n'
    'alert tcp any any -> $HOME_NET 8080 (msg:"Card number in a form post"; flow:to_server; content:"card="; sid:9000002; rev:1;)\n'
)
DROP = 'drop tcp any any -> any any (msg:"Card number blocked"; content:"5123-4567"; sid:9000010; rev:1;)\n'
FORWARD_INSIDE = "FORWARD_CUST -i eth0 -o eth21 -j ACCEPT"

HTTP_SERVER = r"""
import socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk: return
            head += chunk
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"): length = int(line.split(b":")[1])
        body = head.split(b"\r\n\r\n", 1)[1]
        while len(body) < length:
            chunk = self.request.recv(4096)
            if not chunk: return
            body += chunk
        self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
socketserver.ThreadingTCPServer.allow_reuse_address = True
s = socketserver.ThreadingTCPServer(("0.0.0.0", int(sys.argv[1])), H)
print("ready", flush=True)
s.serve_forever()
"""

HTTP_CLIENT = r"""
import socket, sys
host, port, sport, body = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].encode()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", sport)); s.settimeout(4)
try:
    s.connect((host, port))
    s.sendall(b"POST /pay HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    data = s.recv(1000)
    print(data.split(b"\r\n")[0].decode() if data else "closed")
except OSError as e:
    print("failed: %s" % e)
"""


@pytest.fixture(scope="module")
def ids(lab):
    c = lab.add_controller()
    c.license_default("ids live test licence")
    c.make_keyset(TOKEN)
    c.wait_applied("overlay")
    host = lab.add_inside_host(c, 21)
    host.serve(9000)
    import subprocess
    web = subprocess.Popen(["ip", "netns", "exec", host.ns, "python3", "-c", HTTP_SERVER, "8080"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert web.stdout.readline().strip() == "ready"
    w = lab.add_wireguard_client()
    pack = c.get(f"/api/clientpack?name={CLIENT.replace('.', '_')}&fileformat=wireguard").text
    pack = "\n".join(line + ", 198.19.21.0/24" if line.startswith("AllowedIPs") else line for line in pack.splitlines()) + "\n"
    w.connect(pack, f"{CLIENT}/26")
    in_ns(w.ns, "ip", "route", "add", "198.19.21.0/24", "dev", "wgc")
    wait_until(lambda: w.ping(INSIDE), timeout=20, what="the WireGuard client reaches the inside host")
    receiver = Receiver()
    hook = c.response("POST", "/api/webhook", {"name": "ids", "events": ["ids_alert"]})
    c.response("POST", "/api/alert", {"name": "ids-to-ok", "url": receiver.url("/ok"), "webhook_id": hook["id"]})
    yield c, w, host, receiver
    receiver.stop()
    web.terminate()
    web.wait(timeout=10)


def post(w, body, sport):
    return in_ns(w.ns, "python3", "-c", HTTP_CLIENT, INSIDE, "8080", str(sport), body).stdout.strip()


def put_rules(c, text, expect=200):
    r = c.request("PUT", "/api/ids/rules", raw=text, headers={"Content-Type": "text/plain"})
    assert r.status_code == expect, r.text
    return r


def fast_line(c, needle, sid):
    lines = c.get("/api/ids/fast.log").text.splitlines()
    return next((line for line in lines if needle in line and f"[1:{sid}:1]" in line), None)


def mangle(c):
    return c.in_ns("iptables-save", "-t", "mangle").stdout.splitlines()


def test_passive_on_tun0_alerts_in_fast_log_eve_and_the_webhook(ids):
    c, w, host, receiver = ids
    put_rules(c, RULES)
    ids_config = c.response("PUT", "/api/ids", {"enabled": True, "interfaces": ["tun0"], "mode": "passive"})
    assert ids_config["enabled"] is True and ids_config["mode"] == "passive"
    wait_until(lambda: c.response("GET", "/api/ids")["status"].get("interfaces", {}).get("tun0") == "capturing",
               timeout=15, what="capturing on tun0")
    assert post(w, CARD, 41001) == "HTTP/1.1 200 OK"
    flow = f"{CLIENT}:41001 -> {INSIDE}:8080"
    line = wait_until(lambda: fast_line(c, flow, 9000002), timeout=15, what="fast.log line")
    assert "  [**] [1:9000002:1] Card number in a form post [**] [Classification: (null)] [Priority: 3] {TCP} " + flow in line
    assert wait_until(lambda: fast_line(c, f"{CLIENT}:41001 -> {INSIDE}:8080", 9000001), timeout=10, what="the articles' rule")
    alerts = c.response("GET", "/api/ids/alerts?sid=9000002")["alerts"]
    eve = alerts[0]
    assert eve["event_type"] == "alert" and eve["proto"] == "TCP"
    assert (eve["src_ip"], eve["src_port"], eve["dest_ip"], eve["dest_port"]) == (CLIENT, 41001, INSIDE, 8080)
    assert eve["alert"]["signature_id"] == 9000002 and eve["alert"]["signature"] == "Card number in a form post"
    assert c.response("GET", f"/api/ids/alerts?src={CLIENT}&limit=1")["alerts"][0]["src_ip"] == CLIENT
    assert c.response("GET", "/api/ids/alerts?src=10.9.9.9")["alerts"] == []
    body = wait_until(lambda: next((b for b in receiver.bodies("/ok") if b["event"] == "ids_alert"), None), timeout=15, what="ids_alert POST")
    assert "9000001" in body["message"] or "9000002" in body["message"]
    stats = c.response("GET", "/api/ids/stats")
    assert stats["packets"] > 0 and stats["rules_loaded"] == 2
    assert any(s["sid"] == 9000002 and s["hits"] >= 1 for s in stats["signatures"])
    rules = {r["sid"]: r for r in c.response("GET", "/api/ids/rules")["rules"]}
    assert rules[9000002]["hits"] >= 1 and rules[9000002]["enabled"] is True and rules[9000001]["msg"].startswith("MasterCard")
    metrics = c.get("/metrics").text
    assert 'weft_ids_alerts_total{sid="9000002"}' in metrics


def test_a_bad_rule_upload_is_refused_with_its_line_and_the_old_rules_keep_matching(ids):
    c, w, host, receiver = ids
    generation = c.generation()
    r = put_rules(c, RULES + 'alert tcp any any -> any any (msg:"broken"; content:"x"; nosuchkeyword; sid:5;)\n', expect=400)
    assert "line 4" in r.json()["error"]["message"] and "nosuchkeyword" in r.json()["error"]["message"], r.text
    r = put_rules(c, 'alert tcp any any -> any any (msg:"unbalanced; sid:6;)\n', expect=400)
    assert "line 1" in r.json()["error"]["message"], r.text
    assert c.generation() == generation
    assert [x["sid"] for x in c.response("GET", "/api/ids/rules")["rules"]] == [9000001, 9000002]
    assert post(w, CARD, 41002) == "HTTP/1.1 200 OK"
    assert wait_until(lambda: fast_line(c, f"{CLIENT}:41002 -> {INSIDE}:8080", 9000002), timeout=15, what="old rules still match")
    # A rule switched off stops matching.
    c.response("PUT", "/api/ids/rules/9000002", {"enabled": False})
    assert post(w, CARD, 41003) == "HTTP/1.1 200 OK"
    wait_until(lambda: fast_line(c, f"{CLIENT}:41003 -> {INSIDE}:8080", 9000001), timeout=15, what="the other rule matches")
    assert fast_line(c, f"{CLIENT}:41003 -> {INSIDE}:8080", 9000002) is None
    c.response("PUT", "/api/ids/rules/9000002", {"enabled": True})


def test_inline_drop_rule_blocks_that_flow_while_other_traffic_passes(ids):
    c, w, host, receiver = ids
    put_rules(c, RULES + DROP)
    c.response("PUT", "/api/ids", {"enabled": True, "interfaces": ["tun0"], "mode": "inline", "fail_open": True})
    steering = "-A WEFT_IDS -i tun0 -j NFQUEUE --queue-num 70 --queue-bypass"
    wait_until(lambda: steering in mangle(c), timeout=30, what="NFQUEUE steering in WEFT_IDS")
    assert "-A FORWARD -j WEFT_IDS" in mangle(c)
    status = wait_until(lambda: (lambda s: s if s.get("queue", "").startswith("listening") else None)(c.response("GET", "/api/ids")["status"]),
                        timeout=15, what="queue listening")
    assert status["mode"] == "inline" and status["fail_open"] is True
    assert post(w, "name=bob", 41010) == "HTTP/1.1 200 OK"
    assert post(w, CARD, 41011).startswith("failed")
    assert post(w, "name=carol", 41012) == "HTTP/1.1 200 OK"
    assert w.ping(INSIDE)
    line = wait_until(lambda: fast_line(c, f"{CLIENT}:41011 -> {INSIDE}:8080", 9000010), timeout=10, what="drop line")
    assert "[Drop] [**] [1:9000010:1] Card number blocked" in line
    stats = c.response("GET", "/api/ids/stats")
    assert stats["drops"] >= 1 and stats["accepted"] > 0


@pytest.mark.parametrize("fail_open", [True, False])
def test_engine_killed_fail_open_passes_fail_closed_drops(ids, fail_open):
    c, w, host, receiver = ids
    r = c.put("/api/firewall", {"rules": FORWARD_INSIDE})
    assert r.status_code == 200, r.text
    c.wait_applied("firewall")
    put_rules(c, RULES + DROP)
    c.response("PUT", "/api/ids", {"enabled": True, "interfaces": ["eth21"], "mode": "inline", "fail_open": fail_open})
    steering = "-A WEFT_IDS -o eth21 -j NFQUEUE --queue-num 70" + (" --queue-bypass" if fail_open else "")
    wait_until(lambda: steering in mangle(c), timeout=30, what="steering for eth21")
    wait_until(lambda: c.response("GET", "/api/ids")["status"].get("queue", "").startswith("listening"), timeout=15, what="queue listening")
    assert c.response("GET", "/api/ids")["status"]["on_engine_failure"].endswith("(fail-open)" if fail_open else "(fail-closed)")
    assert tcp_ask(INSIDE, 9000) == "198.18.0.1 9000"          # through the engine
    alerts = c.response("GET", "/api/ids/alerts?limit=10000")["alerts"]
    c.stop(sig=signal.SIGKILL)
    assert steering in mangle(c)                               # the kernel keeps the steering
    if fail_open:
        assert tcp_ask(INSIDE, 9000) == "198.18.0.1 9000"
    else:
        assert tcp_ask(INSIDE, 9000) is None
    c.start()
    wait_until(lambda: tcp_ask(INSIDE, 9000) == "198.18.0.1 9000", timeout=30, what="traffic passes with the engine back")
    # The alerts of the run before are read back from eve.json.
    assert c.response("GET", "/api/ids/alerts?limit=10000")["alerts"] == alerts
    if not fail_open:
        # Switching the IDS off: traffic keeps passing while the steering is taken out.
        c.response("PUT", "/api/ids", {"enabled": False})
        for _ in range(10):
            assert tcp_ask(INSIDE, 9000) == "198.18.0.1 9000"
        wait_until(lambda: not any("NFQUEUE" in line for line in mangle(c)), timeout=30, what="steering removed")
        assert tcp_ask(INSIDE, 9000) == "198.18.0.1 9000"


def test_weft_ids_live_writes_alerts_from_an_interface(lab, tmp_path):
    """`weft-ids live`, what an IDS instance fed with copied traffic runs: two namespaces of
    its own joined by a veth, the engine on one end, UDP with a card number from the other."""
    from pathlib import Path
    import subprocess
    from weftnet import sh, weft_binary
    engine = Path(weft_binary()).parent / "weft-ids"
    a, b = f"{lab.prefix}-ia", f"{lab.prefix}-ib"
    sh("ip", "netns", "add", a)
    sh("ip", "netns", "add", b)
    proc = None
    try:
        in_ns(a, "ip", "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b)
        in_ns(a, "ip", "addr", "add", "192.0.2.1/24", "dev", "va")
        in_ns(b, "ip", "addr", "add", "192.0.2.2/24", "dev", "vb")
        in_ns(a, "ip", "link", "set", "va", "up")
        in_ns(b, "ip", "link", "set", "vb", "up")
        rules = tmp_path / "rules"
        rules.write_text(RULES.replace("tcp any any <>", "udp any any <>"))
        logs = tmp_path / "logs"
        proc = subprocess.Popen(["ip", "netns", "exec", b, str(engine), "live", "--interface", "vb", "--rules", str(rules),
                                 "--log-dir", str(logs)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout.readline().startswith("weft-ids live: 2 rule(s) on vb")
        send = "import socket,time\nfor i in range(10):\n s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('192.0.2.1',40100+i)); s.sendto(b'card=5123-4567-8901-2345',('192.0.2.2',9)); time.sleep(0.2)"

        def alerted():
            in_ns(a, "python3", "-c", send)
            fast = logs / "fast.log"
            return fast.exists() and "[1:9000001:1] MasterCard number detected in clear text" in fast.read_text()
        wait_until(alerted, timeout=20, what="an alert from weft-ids live")
        assert "{UDP} 192.0.2.1:401" in (logs / "fast.log").read_text()
        assert '"signature_id":9000001' in (logs / "eve.json").read_text().replace(" ", "")
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=10)[0]
        assert proc.returncode == 0 and "alerts" in out, out
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        sh("ip", "netns", "del", a, check=False)
        sh("ip", "netns", "del", b, check=False)
