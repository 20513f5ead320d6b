"""The operator's client, `weft <command>`, against a live controller in a namespace: every
command with and without --json, the exit statuses (0 ok, 1 refused, 2 usage, 3 cannot
connect), TLS pinning and CA verification, the profile file, and local password recovery."""

import json
import os
import re
import subprocess

import pytest

from weftnet import wait_until, weft_binary

OTHER_PIN = "00:" * 31 + "00"


def weft(*args, env=None, input=None, check=None):
    """Runs `weft ARGS` (from the lab's client namespace, as the test process is)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("WEFT_")}
    full_env["WEFT_CONFIG"] = "/nonexistent/weft-config.toml"
    full_env.update(env or {})
    r = subprocess.run([weft_binary(), *args], capture_output=True, text=True, env=full_env, input=input, timeout=180)
    if check is not None:
        assert r.returncode == check, f"weft {' '.join(args)} -> {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r


@pytest.fixture(scope="module")
def ctl(lab, tmp_path_factory):
    """A controller set up by `weft init` itself: licence, default topology, keyset, peering id."""
    c = lab.add_controller()
    # The log is appended to across runs: the last start's line is this one's.
    pins = re.findall(r"TLS certificate SHA-256: ([0-9A-F:]{95})", c.log_path.read_text())
    assert pins, "serve prints the certificate fingerprint at start"
    c.pin = pins[-1]
    licence = tmp_path_factory.mktemp("cli") / "licence.txt"
    licence.write_text("cli test licence")
    c.args = ["--url", c.url, "--pin", c.pin, "--password", c.api_password]
    r = weft("init", *c.args, "--license", str(licence), "--keyset-token", "cli-test-keyset-token", "--peering-id", "1",
             "--controller-name", "edge-1", check=0)
    assert "keyset present" in r.stdout and "peering id 1" in r.stdout
    return c


def test_version_and_usage(ctl):
    r = weft("--version", check=0)
    assert r.stdout.startswith("weft ")
    r = weft("clientpack", "tag", check=2)
    assert "Missing expected argument" in r.stderr
    weft("no-such-command", check=2)
    assert "reset-password" in weft("--help", check=0).stdout


def test_cannot_connect_is_exit_3_in_words(ctl):
    # The lab's bridge address answers a closed port with a reset (the controller's own
    # firewall drops, so that would be a timeout).
    r = weft("status", "--url", "https://198.18.0.1:8009", "--insecure", check=3)
    assert r.stderr.strip() == "weft: cannot connect to https://198.18.0.1:8009: connection refused"


def test_tls_pin_mismatch_and_unverified_certificate_are_refused(ctl):
    r = weft("status", "--url", ctl.url, "--pin", OTHER_PIN, "--password", ctl.api_password, check=3)
    assert f"certificate fingerprint {ctl.pin} does not match the pin {OTHER_PIN}" in r.stderr
    r = weft("status", "--url", ctl.url, "--password", ctl.api_password, check=3)
    assert "not trusted" in r.stderr and "--pin" in r.stderr
    r = weft("status", "--url", ctl.url, "--pin", "12:34", check=2)
    assert "not a SHA-256 fingerprint" in r.stderr


def test_ca_file_verifies_the_controller(ctl):
    ca = ctl.data_dir / "tls" / "server.crt"
    r = weft("status", "--url", ctl.url, "--ca", str(ca), "--password", ctl.api_password, check=0)
    assert "controller: edge-1" in r.stdout
    r = weft("status", "--url", ctl.url, "--ca", "/etc/hostname", check=2)
    assert "holds no PEM certificate" in r.stderr


def test_bad_credentials_are_refused_with_the_message(ctl):
    r = weft("status", "--url", ctl.url, "--pin", ctl.pin, "--password", "wrong-password", check=1)
    assert r.stderr.startswith("weft: refused by the controller (HTTP 401)")
    weft("status", "--url", ctl.url, "--pin", ctl.pin, "--token", "nosuchtoken", check=1)


def test_status_like_wg_show(ctl):
    r = weft("status", *ctl.args, check=0)
    assert "controller: edge-1" in r.stdout
    assert "subsystems:" in r.stdout and "firewall" in r.stdout
    assert "clients: 0 connected" in r.stdout
    data = json.loads(weft("status", *ctl.args, "--json", check=0).stdout)
    assert data["config"]["controller_name"] == "edge-1"
    assert "subsystems" in data["status"]["weft"]
    assert data["clients"] == {}


def test_clientpacks(ctl, tmp_path):
    packs = json.loads(weft("clientpack", "list", *ctl.args, "--json", check=0).stdout)
    assert len(packs) > 0
    first = next(iter(packs.values()))
    name = first["name"]
    assert name in weft("clientpack", "list", *ctl.args, check=0).stdout
    shown = json.loads(weft("clientpack", "show", name, *ctl.args, "--json", check=0).stdout)
    assert shown["clientpack"]["overlay_ipaddress"] == first["overlay_ipaddress"]
    assert "overlay_ipaddress: " + first["overlay_ipaddress"] in weft("clientpack", "show", name, *ctl.args, check=0).stdout

    assert "disabled" in weft("clientpack", "disable", name, *ctl.args, check=0).stdout
    assert ctl.response("GET", f"/api/clientpacks/{name}")["clientpack"]["enabled"] is False
    weft("clientpack", "enable", name, *ctl.args, check=0)
    assert ctl.response("GET", f"/api/clientpacks/{name}")["clientpack"]["enabled"] is True

    tagged = json.loads(weft("clientpack", "tag", name, "site", "lab", *ctl.args, "--json", check=0).stdout)
    assert tagged["tags"] == {"site": "lab"}
    assert "site=lab" in weft("clientpack", "list", *ctl.args, check=0).stdout
    weft("clientpack", "untag", name, "site", *ctl.args, check=0)
    assert ctl.response("GET", f"/api/clientpacks/{name}")["clientpack"]["tags"] == {}

    out = tmp_path / "pack.conf"
    weft("clientpack", "download", name, "-o", str(out), *ctl.args, check=0)
    assert "[Interface]" in out.read_text()
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert "[Interface]" in weft("clientpack", "download", name, *ctl.args, check=0).stdout
    qr = weft("clientpack", "qr", name, *ctl.args, check=0).stdout.splitlines()
    assert len(qr) > 20 and set(qr[0]) == {"█"}

    r = weft("clientpack", "show", "clientpack_1_2_3_4", *ctl.args, check=1)
    assert "refused by the controller (HTTP 404)" in r.stderr


def test_firewall_show_check_diff_apply(ctl, tmp_path):
    rules = tmp_path / "rules.fw"
    rules.write_text("# lab rules\nINPUT_CUST -p tcp --dport 2222 -j ACCEPT\n\nFORWARD_CUST -j DROP\n")
    assert "2 rules, all accepted" in weft("firewall", "check", str(rules), *ctl.args, check=0).stdout
    diff = weft("firewall", "diff", str(rules), *ctl.args, check=0).stdout
    assert "+ INPUT_CUST -p tcp --dport 2222 -j ACCEPT" in diff
    r = weft("firewall", "apply", str(rules), *ctl.args, input="n\n", check=2)
    assert "not applied" in r.stderr
    weft("firewall", "apply", str(rules), "--yes", *ctl.args, check=0)
    ctl.wait_applied("firewall", timeout=90)
    assert weft("firewall", "show", *ctl.args, check=0).stdout == "INPUT_CUST -p tcp --dport 2222 -j ACCEPT\nFORWARD_CUST -j DROP\n"
    assert json.loads(weft("firewall", "show", *ctl.args, "--json", check=0).stdout)[1] == "FORWARD_CUST -j DROP"
    assert weft("firewall", "diff", str(rules), *ctl.args, check=0).stdout == "no changes\n"
    assert weft("firewall", "apply", str(rules), "--yes", *ctl.args, check=0).stdout == "no changes\n"

    bad = tmp_path / "bad.fw"
    bad.write_text("INPUT_CUST -j ACCEPT\nINPUT_CUST -s 10.0.0.0/33 -j DROP\n")
    r = weft("firewall", "check", str(bad), *ctl.args, check=1)
    assert f"{bad}: line 2:" in r.stdout
    data = json.loads(weft("firewall", "check", str(bad), *ctl.args, "--json", check=1).stdout)
    assert data["problems"][0]["line"] == 2
    before = ctl.generation()
    r = weft("firewall", "apply", str(bad), "--yes", *ctl.args, check=1)
    assert "line 2" in r.stderr and "nothing applied" in r.stderr
    assert ctl.generation() == before
    empty = tmp_path / "empty.fw"
    empty.write_text("")
    weft("firewall", "apply", str(empty), "--yes", *ctl.args, check=0)
    assert weft("firewall", "show", *ctl.args, check=0).stdout == ""


def test_ipsec_routes_and_peers(ctl):
    system = json.loads(weft("ipsec", "list", *ctl.args, "--json", check=0).stdout)
    assert "this_endpoint" in system
    assert "this endpoint:" in weft("ipsec", "list", *ctl.args, check=0).stdout
    assert json.loads(weft("ipsec", "status", *ctl.args, "--json", check=0).stdout) == {}
    weft("ipsec", "show", "99", *ctl.args, check=1)
    weft("ipsec", "show", "x", *ctl.args, check=2)

    routes = weft("routes", *ctl.args, check=0).stdout
    assert routes.splitlines()[0].split()[:2] == ["id", "cidr"]
    assert isinstance(json.loads(weft("routes", *ctl.args, "--json", check=0).stdout), dict)

    peering = json.loads(weft("peer", "list", *ctl.args, "--json", check=0).stdout)
    assert peering["id"] == 1
    assert "this controller: 1" in weft("peer", "list", *ctl.args, check=0).stdout
    weft("peer", "add", "2", "198.18.0.99", "--force", *ctl.args, check=0)
    managers = ctl.response("GET", "/api/peering")["managers"]
    assert managers["2"].get("peered") is True
    weft("peer", "remove", "2", *ctl.args, check=0)
    assert not ctl.response("GET", "/api/peering")["managers"]["2"].get("peered")
    r = weft("peer", "add", "1", "198.18.0.99", *ctl.args, check=1)
    assert "refused by the controller" in r.stderr


def test_snapshots(ctl, tmp_path):
    created = json.loads(weft("snapshot", "create", "--name", "cli_snap", *ctl.args, "--json", check=0).stdout)
    assert "cli_snap" in created
    assert "cli_snap" in weft("snapshot", "list", *ctl.args, check=0).stdout
    assert "cli_snap" in json.loads(weft("snapshot", "list", *ctl.args, "--json", check=0).stdout)["snapshots"]
    out = tmp_path / "snap.tar.gz"
    weft("snapshot", "download", "cli_snap", "-o", str(out), *ctl.args, check=0)
    assert "format" in weft("snapshot", "show", str(out), check=0).stdout
    junk = tmp_path / "junk"
    junk.write_text("not a snapshot")
    r = weft("snapshot", "restore", str(junk), "--yes", *ctl.args, check=2)
    assert "not a snapshot" in r.stderr
    weft("snapshot", "download", "no_such", *ctl.args, check=1)


def test_tokens_and_the_profile_file(ctl, tmp_path):
    token = json.loads(weft("token", "create", "--name", "cli", *ctl.args, "--json", check=0).stdout)
    secret, token_id = token["token"], token["id"]
    listed = weft("token", "list", *ctl.args, check=0).stdout
    assert "cli" in listed and secret not in listed

    profile = tmp_path / "config.toml"
    profile.write_text(f'# weft profile\nurl = "https://{ctl.ip}:8009"\n\n[profile.lab]\nurl = "{ctl.url}"\npin = "{ctl.pin}"\ntoken = "{secret}"\n')
    env = {"WEFT_CONFIG": str(profile)}
    weft("status", env=env, check=3)
    assert "controller: edge-1" in weft("status", "--profile", "lab", env=env, check=0).stdout
    assert "controller: edge-1" in weft("status", env={**env, "WEFT_PROFILE": "lab"}, check=0).stdout
    weft("status", "--profile", "nope", env=env, check=2)

    weft("token", "revoke", str(token_id), *ctl.args, check=0)
    weft("status", "--profile", "lab", env=env, check=1)
    profile.write_text("url = 'https://x'\nbogus = 1\n")
    assert "unknown key bogus" in weft("status", env=env, check=2).stderr


def test_password_from_environment(ctl):
    env = {"WEFT_PASSWORD": ctl.api_password, "WEFT_URL": ctl.url, "WEFT_PIN": ctl.pin}
    weft("routes", env=env, check=0)


def test_reset_password_locally(ctl, tmp_path):
    r = weft("reset-password", "--data-dir", str(ctl.data_dir), check=0)
    new = re.search(r"new password (\S+)", r.stdout).group(1)
    weft("status", "--url", ctl.url, "--pin", ctl.pin, "--password", new, check=0)
    assert "restart the daemon" in r.stdout
    secret = tmp_path / "pw"
    secret.write_text(ctl.api_password + "\n")
    weft("reset-password", "--data-dir", str(ctl.data_dir), "--password-file", str(secret), check=0)
    weft("status", *ctl.args, check=0)
    weft("reset-password", "--data-dir", str(tmp_path / "none"), check=2)
    short = tmp_path / "short"
    short.write_text("abc\n")
    weft("reset-password", "--data-dir", str(ctl.data_dir), "--password-file", str(short), check=2)


SITE = """\
weft: 1
controller:
  topology_name: cli-lab
firewall:
  fwsets:
    - name: admins
      type: net
      description: the admins' hosts
      entries: [198.18.0.1, {entry: 198.18.0.0/28, comment: lab bridge}]
  rules:
    - INPUT_CUST -m set --match-set admins src -p tcp --dport 2222 -j ACCEPT
    - FORWARD_CUST -j DROP
routes:
  - cidr: 10.77.0.0/24
    gateway: 198.18.0.1
    description: to the lab
    metric: 5
peers:
  - {id: 3, address: 198.18.0.93}
webhooks:
  - name: ops
    url: http://198.18.0.1:9/hook
    events: [tunnel_up, tunnel_down]
    body: '{"text": "%{message}"}'
alerts:
  - {name: to-ops, webhook: ops, url: "http://198.18.0.1:9/alert", events: [tunnel_down]}
ipsec:
  - name: branch
    ipaddress: 198.18.0.77
    secret: branch-psk-0123456789
    ike_version: 2
    tunnels:
      - {local_subnet: 100.127.255.192/26, remote_subnet: 10.88.0.0/24, description: branch LAN}
    ebgp_peers: []
"""


def test_apply_plans_applies_and_is_idempotent(ctl, tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text(SITE)
    plan = weft("apply", "-f", str(site), "--dry-run", *ctl.args, check=0).stdout
    assert "fwsets: 1 to add, 0 to change, 0 to remove" in plan
    assert "routes: 1 to add" in plan and "peers: 1 to add" in plan
    assert "webhooks: 1 to add" in plan and "alerts: 1 to add" in plan and "ipsec: 1 to add" in plan
    assert "branch-psk" not in plan
    assert weft("apply", "-f", str(site), *ctl.args, input="no\n", check=2).returncode == 2
    weft("apply", "-f", str(site), "--yes", *ctl.args, check=0)
    ctl.wait_applied("firewall", timeout=90)
    assert weft("apply", "-f", str(site), *ctl.args, check=0).stdout == "no changes\n"
    data = json.loads(weft("apply", "-f", str(site), "--json", *ctl.args, check=0).stdout)
    assert data == {"plan": [], "applied": False}
    assert ctl.response("GET", "/api/config")["topology_name"] == "cli-lab"
    rules = [pair[0] for pair in ctl.response("GET", "/api/firewall/rules")]
    assert rules == ["INPUT_CUST -m set --match-set admins src -p tcp --dport 2222 -j ACCEPT", "FORWARD_CUST -j DROP"]
    hooks = ctl.response("GET", "/api/webhooks")
    alerts = ctl.response("GET", "/api/alerts")
    assert [h["name"] for h in hooks] == ["ops"] and [a["webhook_id"] for a in alerts] == [hooks[0]["id"]]
    endpoints = list(ctl.response("GET", "/api/ipsec")["remote_endpoints"].values())
    assert [(e["name"], e["ipaddress"]) for e in endpoints] == [("branch", "198.18.0.77")]
    assert [t["remote_subnet"] for t in endpoints[0]["tunnels"].values()] == ["10.88.0.0/24"]
    # A changed field and a second tunnel: planned as exactly that, applied in place.
    site.write_text(SITE.replace("description: branch LAN}", "description: branch LAN}\n      - {local_subnet: 100.127.255.192/26, remote_subnet: 10.89.0.0/24}")
                    .replace("ike_version: 2", "ike_version: 1"))
    plan = weft("apply", "-f", str(site), "--yes", *ctl.args, check=0).stdout
    assert "ipsec: 0 to add, 1 to change, 0 to remove" in plan and "ike_version 2 → 1" in plan
    assert "ipsec branch tunnels: 1 to add, 0 to change, 0 to remove" in plan
    endpoint = list(ctl.response("GET", "/api/ipsec")["remote_endpoints"].values())[0]
    assert endpoint["id"] == endpoints[0]["id"] and endpoint["ike_version"] == 1 and len(endpoint["tunnels"]) == 2
    assert weft("apply", "-f", str(site), *ctl.args, check=0).stdout == "no changes\n"


def test_export_then_apply_on_a_fresh_controller_gives_the_same_configuration(lab, ctl, tmp_path):
    exported = weft("export", *ctl.args, check=0).stdout
    assert "10.77.0.0/24" in exported and "admins" in exported
    fresh = lab.add_controller()
    fresh.license_default()
    pin = re.findall(r"TLS certificate SHA-256: ([0-9A-F:]{95})", fresh.log_path.read_text())[-1]
    args = ["--url", fresh.url, "--pin", pin, "--password", fresh.api_password]
    weft("init", *args, "--peering-id", "1", check=0)
    site = tmp_path / "exported.yaml"
    site.write_text(exported)
    weft("apply", "-f", str(site), "--yes", *args, check=0)
    fresh.wait_applied("firewall", timeout=90)
    again = weft("export", *args, check=0).stdout
    assert again.replace(fresh.response("GET", "/api/config")["controller_name"], "X") == \
        exported.replace(ctl.response("GET", "/api/config")["controller_name"], "X")
    assert weft("apply", "-f", str(site), *args, check=0).stdout == "no changes\n"


def test_bad_site_files_are_refused_with_the_line_and_change_nothing(ctl, tmp_path):
    before = ctl.generation()
    bad = tmp_path / "bad.yaml"
    bad.write_text("weft: 1\nroutes:\n  - cidr: 10.78.0.0/24\n    gatway: 198.18.0.1\n")
    r = weft("apply", "-f", str(bad), "--yes", *ctl.args, check=2)
    assert f"{bad}: line 4: routes[0]: unknown key gatway" in r.stderr
    bad.write_text("firewall:\n  rules:\n    - INPUT_CUST -s 10.0.0.0/33 -j DROP\n")
    r = weft("apply", "-f", str(bad), "--yes", *ctl.args, check=2)
    assert "firewall.rules[0]" in r.stderr and "nothing applied" in r.stderr
    assert ctl.generation() == before


def test_an_apply_the_controller_refuses_midway_is_rolled_back(ctl, tmp_path):
    """The controller names change first, then a webhook the controller refuses: the whole
    apply is undone from the snapshot taken before it (the controller restarts with it)."""
    before = ctl.response("GET", "/api/config")["topology_name"]
    site = tmp_path / "refused.yaml"
    site.write_text("controller:\n  topology_name: half-applied\nwebhooks:\n  - {name: broken, url: 'not a url'}\n")
    r = weft("apply", "-f", str(site), "--yes", *ctl.args, check=1)
    assert "rolled back" in r.stderr, r.stderr

    # The restore restarts the controller: wait through it, as the harness does for a licence.
    wait_until(lambda: ctl.get_or_none("/api/config") is None, timeout=15, interval=0.1, what="the restart of the restore")
    ctl.wait_ready()
    assert ctl.response("GET", "/api/config")["topology_name"] == before
    assert all(h["name"] != "broken" for h in ctl.response("GET", "/api/webhooks"))
    # The checkpoint the message names stays, for the operator to look at.
    checkpoint = re.search(r"snapshot (weft-apply-\d+)", r.stderr).group(1)
    assert checkpoint in ctl.response("GET", "/api/snapshots")["snapshots"]


def test_serve_refuses_a_bad_config_file_with_the_line(tmp_path):
    bad = tmp_path / "weft.toml"
    bad.write_text('port = 8000\nsnmp_port = "x"\n')
    r = weft("serve", "--config", str(bad), check=2)
    assert f"{bad}: line 2: snmp_port must be an integer" in r.stderr
    bad.write_text('api-password = "secret"\n')
    assert "use api-password-file" in weft("serve", "--config", str(bad), check=2).stderr
    weft("serve", "--config", str(tmp_path / "missing.toml"), check=2)
