"""The WAF (nginx + ModSecurity + the OWASP CRS in the catalog's waf plugin) in front of a
backend behind the controller, driven through /api/waf: a client outside gets the backend's
answers for normal requests and 403 for attacks, which appear in /api/waf/events with their
CRS rule ids and reach a webhook as waf_block; the CRS regression requests of
../shared/waf-crs pass in block mode (run-crs, no failures); detect mode lets the attacks
through and records them; a path exclusion takes effect; HTTPS with an uploaded
certificate; bad input is refused and changes nothing; deleting a service removes its
steering rules. Runs when the image is built (`make plugin-images`) or WEFT_PLUGIN_IMAGES=1."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from receiver import Receiver
from weftnet import controller_with_plugin, in_ns, plugin_image_available, wait_until

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "waf-crs"
NET = 31
BACKEND = f"198.19.{NET}.2"
BACKEND_PORT = 8081


pytestmark = pytest.mark.skipif(not plugin_image_available("waf"), reason="the waf plugin image is not built (make plugin-images, or WEFT_PLUGIN_IMAGES=1)")


@pytest.fixture(scope="module")
def waf(lab):
    c = controller_with_plugin(lab, "waf")
    c.license_default("waf test licence")
    c.make_keyset("waf-test-token")
    c.wait_applied("overlay")
    host = lab.add_inside_host(c, NET)
    backend = subprocess.Popen(["ip", "netns", "exec", host.ns, "python3", str(ROOT / "tests" / "fixtures" / "waf" / "backend.py"),
                                "--bind", "0.0.0.0", "--port", str(BACKEND_PORT)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    receiver = Receiver()
    hook = c.response("POST", "/api/webhook", {"name": "waf", "events": ["waf_block", "waf_detect"]})
    c.response("POST", "/api/alert", {"name": "waf-to-ok", "url": receiver.url("/ok"), "webhook_id": hook["id"]})
    yield c, lab, receiver
    receiver.stop()
    for s in c.get("/api/waf/services").json()["response"]["services"]:
        c.delete(f"/api/waf/services/{s['name']}")
    backend.terminate()
    backend.wait(timeout=10)


def fetch(lab, url, *extra):
    """curl from the client namespace outside the controller: 'STATUS BODY' and the headers."""
    r = in_ns(lab.client_ns, "curl", "-sk", "-o", "-", "-D", "/dev/stderr", "-w", "\n%{http_code}", "--max-time", "10", *extra, url, check=False)
    lines = r.stdout.rstrip("\n").split("\n")
    return int(lines[-1] or 0), "\n".join(lines[:-1]).strip(), r.stderr


def diagnostics(c):
    """The WAF plugin's view, for a failure message."""
    out = [c.in_ns("iptables-save", "-t", "nat", check=False).stdout]
    for pid in os.listdir("/proc"):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"nginx: master") or b"/etc/weft-waf/nginx.conf" in Path(f"/proc/{pid}/cmdline").read_bytes():
                root = Path(f"/proc/{pid}/root")
                current = os.readlink(root / "etc/weft-waf/current")
                out.append(f"nginx pid {pid}: " + current)
                for f in (root / "etc/weft-waf" / current).glob("modsec-*.conf"):
                    out.append(f.name + ": " + " | ".join(l for l in f.read_text().splitlines() if l.startswith(("SecRuleEngine", "SecRule ", "SecRuleRemove"))))
                out.append(subprocess.run(["ps", "--ppid", pid, "-o", "pid,lstart,cmd"], capture_output=True, text=True).stdout)
                out.append((root / "var/log/weft-waf/error.log").read_text()[-3000:])
                out.append(subprocess.run(["nsenter", "-t", pid, "-n", "ss", "-tnl"], capture_output=True, text=True).stdout)
        except OSError:
            continue
    return "\n".join(out)


def url(c, port, path="/", scheme="http"):
    return f"{scheme}://{c.ip}:{port}{path}"


ATTACKS = {
    "sqli": ("/?id=1'%20OR%20'1'='1", "942"),
    "xss": ("/?q=%3Cscript%3Ealert(1)%3C/script%3E", "941"),
    "traversal": ("/?file=../../etc/passwd", "930"),
    "shell": ("/?cmd=;cat%20/etc/passwd", "932"),
}


def create(c, body, expect=201):
    r = c.post("/api/waf/services", body)
    assert r.status_code == expect, r.text
    return r.json()


def test_block_mode_serves_normal_requests_blocks_attacks_and_passes_the_crs_suite(waf):
    c, lab, receiver = waf
    service = create(c, {"name": "web", "port": 8080, "backend": f"http://{BACKEND}:{BACKEND_PORT}"})["response"]
    assert service["mode"] == "block" and service["paranoia"] == 1 and service["anomaly_inbound"] == 5 and service["anomaly_outbound"] == 4
    assert service["backend"] == [f"http://{BACKEND}:{BACKEND_PORT}"] and service["body_limit_kb"] == 1024
    status = c.response("GET", "/api/waf/services")["status"]
    assert status["running"] is True, status
    # The steering rule is Weft's, in its own chain.
    generated = c.response("GET", "/api/firewall/generated")
    text = str(generated)
    assert "8080" in text and "waf" in text
    nat = c.in_ns("iptables-save", "-t", "nat").stdout
    assert re.search(r"-A WEFT_PLUGINS_PRE .*--dport 8080 -j DNAT --to-destination [0-9.]+:8080", nat), nat

    code, body, err = fetch(lab, url(c, 8080, "/hello"))
    assert (code, body) == (200, "ok: backend"), (err, diagnostics(c))
    # Any Host, none, HTTP/1.0: the catch-all server.
    r = fetch(lab, url(c, 8080), "-H", "Host: anything.example")
    assert r[0] == 200, (r, diagnostics(c))
    assert fetch(lab, url(c, 8080), "--http1.0", "-H", "Host:")[0] == 200

    for name, (path, family) in ATTACKS.items():
        code, _, headers = fetch(lab, url(c, 8080, path))
        assert code == 403, (name, code)
        assert "x-request-id" in headers.lower(), headers

    def logged():
        events = c.response("GET", "/api/waf/events?service=web&limit=100")["events"]
        families = {str(r["id"])[:3] for e in events for r in e["rules"]}
        return events if all(f in families for _, f in ATTACKS.values()) else None
    events = wait_until(logged, timeout=20, interval=0.5, what="the attacks in /api/waf/events")
    sqli = next(e for e in events if "OR" in e["uri"] and e["uri"].startswith("/?id="))
    assert sqli["action"] == "blocked" and sqli["status"] == 403 and sqli["method"] == "GET" and sqli["service"] == "web"
    assert sqli["anomaly_score"] >= 5 and sqli["client_ip"] and sqli["client_ip"] != c.ip, sqli
    assert any(r["id"] == 942100 for r in sqli["rules"]), sqli
    assert all(r["msg"] and r["severity"] for r in sqli["rules"])

    body = wait_until(lambda: next((b for b in receiver.bodies("/ok") if b["event"] == "waf_block"), None), timeout=15, what="waf_block webhook")
    assert "web" in body["message"]
    metrics = c.get("/metrics").text
    assert re.search(r'weft_waf_requests_logged_total\{[^}]*service="web"', metrics), metrics[-3000:]
    assert re.search(r'weft_waf_rule_matches_total\{[^}]*rule="942100"', metrics)

    # The outside suite: every block test 403, no false positive.
    r = in_ns(lab.client_ns, "python3", str(SHARED / "run-crs"), "--url", url(c, 8080), check=False)
    last = r.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"(\d+) passed, (\d+) failed", last)
    assert m, r.stdout[-2000:]
    summary = [line for line in r.stdout.splitlines() if "false positive" in line.lower()]
    print("run-crs:", last, summary)
    assert int(m.group(2)) == 0, "\n".join(line for line in r.stdout.splitlines() if line.startswith("FAIL"))[:4000]
    assert int(m.group(1)) >= 700


def test_detect_mode_lets_attacks_through_and_records_them(waf):
    c, lab, _ = waf
    if not c.get_or_none("/api/waf/services/web") or c.get("/api/waf/services/web").status_code != 200:
        create(c, {"name": "web", "port": 8080, "backend": f"http://{BACKEND}:{BACKEND_PORT}"})
    r = c.put("/api/waf/services/web", {"mode": "detect"})
    assert r.status_code == 200 and r.json()["response"]["mode"] == "detect", r.text
    path = "/?id=1'%20OR%20'1'='1&detect=1"
    code, body, _ = wait_until(lambda: (lambda x: x if x[0] == 200 else None)(fetch(lab, url(c, 8080, path))), timeout=10, what="detect mode in force")
    assert body == "ok: backend"

    def recorded():
        return next((e for e in c.response("GET", "/api/waf/events?service=web")["events"] if "detect=1" in e["uri"]), None)
    event = wait_until(recorded, timeout=20, interval=0.5, what="the detected request in the events")
    assert event["action"] == "detected" and event["status"] == 200
    assert any(r["id"] == 942100 for r in event["rules"])
    r = c.put("/api/waf/services/web", {"mode": "block"})
    assert r.status_code == 200


def test_responses_are_inspected_too(waf):
    """Outbound: a backend page that leaks a MySQL error is caught by CRS's response rules
    (RESPONSE-951 data leakages, with Debian's response body access for text/html)."""
    c, lab, _ = waf
    if c.get("/api/waf/services/web").status_code != 200:
        create(c, {"name": "web", "port": 8080, "backend": f"http://{BACKEND}:{BACKEND_PORT}"})
    r = c.put("/api/waf/services/web", {"mode": "detect"})
    assert r.status_code == 200, r.text
    code, body, _ = wait_until(lambda: (lambda x: x if x[0] == 200 else None)(fetch(lab, url(c, 8080, "/leak?outbound=1"))),
                               timeout=10, what="detect mode in force")
    assert "SQL syntax" in body

    def recorded(marker):
        return next((e for e in c.response("GET", "/api/waf/events?service=web")["events"] if marker in e["uri"]), None)
    event = wait_until(lambda: recorded("outbound=1"), timeout=20, interval=0.5, what="the leaking response in the events")
    assert event["action"] == "detected" and any(951000 <= rule["id"] < 952000 for rule in event["rules"]), event
    # In block mode the leak does not reach the client.
    r = c.put("/api/waf/services/web", {"mode": "block"})
    assert r.status_code == 200, r.text
    code, body, _ = wait_until(lambda: (lambda x: x if "SQL syntax" not in x[1] else None)(fetch(lab, url(c, 8080, "/leak?outbound=2"))),
                               timeout=10, what="block mode in force")
    event = wait_until(lambda: recorded("outbound=2"), timeout=20, interval=0.5, what="the blocked response in the events")
    assert event["action"] == "blocked", event
    assert fetch(lab, url(c, 8080, "/"))[:2] == (200, "ok: backend")


def test_an_exclusion_for_one_rule_on_one_path_takes_effect(waf):
    c, lab, _ = waf
    attack = "id=1'%20OR%20'1'='1"
    first = fetch(lab, url(c, 8080, "/search?" + attack))
    assert first[0] == 403, (first, diagnostics(c))
    # Which rules block this request here: excluding all of them on /search lets it through there only.
    events = c.response("GET", "/api/waf/events?service=web&limit=20")["events"]
    ids = sorted({r["id"] for e in events if e["uri"] == "/search?" + attack.replace("%20", "%20") for r in e["rules"]}) or [942100]
    r = c.put("/api/waf/services/web", {"exclusions": [{"rule_id": i, "path_prefix": "/search"} for i in ids]})
    assert r.status_code == 200, r.text
    assert r.json()["response"]["exclusions"][0]["path_prefix"] == "/search"
    assert wait_until(lambda: fetch(lab, url(c, 8080, "/search?" + attack))[0] == 200, timeout=10, what="the exclusion in force")
    assert fetch(lab, url(c, 8080, "/other?" + attack))[0] == 403
    r = c.put("/api/waf/services/web", {"exclusions": []})
    assert r.status_code == 200
    assert wait_until(lambda: fetch(lab, url(c, 8080, "/search?" + attack))[0] == 403, timeout=10, what="the exclusion removed")


def self_signed(tmp_path, name):
    key, cert = tmp_path / f"{name}.key", tmp_path / f"{name}.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", f"/CN={name}"], check=True, capture_output=True)
    return cert.read_text(), key.read_text()


def test_an_https_service_with_an_uploaded_certificate(waf, tmp_path):
    c, lab, _ = waf
    cert, key = self_signed(tmp_path, "shop.example")
    # As a browser sends a pasted PEM: CRLF line ends.
    create(c, {"name": "shop", "port": 8443, "backend": [f"http://{BACKEND}:{BACKEND_PORT}"], "tls_cert": cert.replace("\n", "\r\n"), "tls_key": key})
    shown = c.response("GET", "/api/waf/services/shop")
    assert shown["tls"] is True and shown["tls_key_set"] is True and "PRIVATE" not in str(shown)
    code, body, _ = fetch(lab, url(c, 8443, "/", "https"))
    assert (code, body) == (200, "ok: backend")
    out = in_ns(lab.client_ns, "sh", "-c", f"echo | openssl s_client -connect {c.ip}:8443 2>/dev/null | openssl x509 -noout -subject", check=False).stdout
    assert "shop.example" in out, out
    assert fetch(lab, url(c, 8443, ATTACKS["xss"][0], "https"))[0] == 403
    assert c.delete("/api/waf/services/shop").status_code == 200


def test_bad_input_is_refused_and_changes_nothing(waf, tmp_path):
    c, lab, _ = waf
    before = c.get("/api/waf/services").json()["response"]["services"]
    generation = c.generation()
    cert, _ = self_signed(tmp_path, "a.example")
    _, other_key = self_signed(tmp_path, "b.example")
    ok = {"name": "bad", "port": 8090, "backend": f"http://{BACKEND}:{BACKEND_PORT}"}
    cases = [
        ({**ok, "exclusions": [{"rule_id": "many"}]}, 400, "rule_id"),
        ({**ok, "exclusions": [{"rule_id": 999998}]}, 400, "not a rule"),
        ({**ok, "exclusions": [{"rule_id": 942100, "path_prefix": "no-slash"}]}, 400, "path_prefix"),
        ({**ok, "exclusions": "942100"}, 400, "exclusions"),
        ({**ok, "backend": "http://203.0.113.9:80"}, 400, "no network the controller knows"),
        ({**ok, "backend": "ftp://198.19.31.2"}, 400, "backend"),
        ({**ok, "port": 8000}, 400, "port"),
        ({**ok, "port": 22}, 400, "port"),
        ({**ok, "port": 8080}, 400, "web"),
        ({**ok, "tls_cert": cert, "tls_key": other_key}, 400, "key"),
        ({**ok, "tls_cert": cert}, 400, "tls_key"),
        ({**ok, "mode": "shout"}, 400, "mode"),
        ({**ok, "paranoia": 5}, 400, "paranoia"),
        ({**ok, "name": "Bad Name"}, 400, "name"),
        ({**ok, "colour": "red"}, 400, "colour"),
        ({**ok, "name": "web"}, 400, "exists"),
    ]
    for body, status, needle in cases:
        r = c.post("/api/waf/services", body)
        assert r.status_code == status, (body, r.status_code, r.text)
        assert needle.lower() in r.text.lower(), (needle, r.text)
    r = c.request("POST", "/api/waf/services", raw="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert c.get("/api/waf/services").json()["response"]["services"] == before
    assert c.generation() == generation


def test_the_cli_drives_the_same_operations(waf):
    c, lab, _ = waf
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEFT_")}
    env["WEFT_CONFIG"] = "/nonexistent/weft-config.toml"
    base = ["--url", c.url, "--insecure", "--password", c.api_password]

    def weft(*args, code=0):
        r = subprocess.run([os.environ.get("WEFT_BIN", str(ROOT / ".build" / "debug" / "weft")), *args, *base],
                           capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == code, (args, r.returncode, r.stdout, r.stderr)
        return r

    r = weft("waf", "add", "api", "--port", "8082", "--backend", f"http://{BACKEND}:{BACKEND_PORT}", "--mode", "detect",
             "--exclude", "942100:/search", "--exclude", "920350")
    assert "service api protected on port 8082 (detect)" in r.stdout
    listed = json.loads(weft("waf", "list", "--json").stdout)
    api = next(s for s in listed["services"] if s["name"] == "api")
    assert api["exclusions"] == [{"rule_id": 942100, "path_prefix": "/search"}, {"rule_id": 920350}] and api["mode"] == "detect"
    assert "api" in weft("waf", "list").stdout
    assert fetch(lab, url(c, 8082, ATTACKS["xss"][0]))[0] == 200
    assert "mode block" in weft("waf", "set", "api", "--mode", "block", "--no-exclusions").stdout
    assert fetch(lab, url(c, 8082, ATTACKS["xss"][0]))[0] == 403
    events = wait_until(lambda: json.loads(weft("waf", "events", "--service", "api", "--limit", "5", "--json").stdout)["events"] or None,
                        timeout=15, interval=0.5, what="the service's events through the CLI")
    assert all(e["service"] == "api" for e in events)
    r = weft("waf", "add", "bad", "--port", "8000", "--backend", f"http://{BACKEND}:{BACKEND_PORT}", code=1)
    assert "port" in r.stderr.lower()
    assert "service api deleted" in weft("waf", "delete", "api").stdout
    assert c.get("/api/waf/services/api").status_code == 404


def test_deleting_the_last_service_removes_its_rules_and_the_plugin(waf):
    c, lab, _ = waf
    for s in c.response("GET", "/api/waf/services")["services"]:
        assert c.delete(f"/api/waf/services/{s['name']}").status_code == 200
    assert c.get("/api/waf/services/web").status_code == 404
    nat = c.in_ns("iptables-save", "-t", "nat").stdout
    assert "--dport 8080 -j DNAT" not in nat
    assert not any(r.get("preset") == "waf" for r in c.response("GET", "/api/firewall/generated"))
    containers = c.response("GET", "/api/container_system/containers")
    assert "weft-waf" not in str(containers)
    assert fetch(lab, url(c, 8080, "/"))[0] != 200
