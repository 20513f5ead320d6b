"""The daemon for real, in its own namespaces: host settings, files, TLS, restart, auth."""

import hashlib
import signal
import socket
import ssl
import stat
import time

import pytest

from weftnet import wait_until


def certificate_fingerprint(controller) -> str:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((controller.ip, 8000), timeout=5) as raw:
        with context.wrap_socket(raw) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def refused(controller) -> bool:
    try:
        socket.create_connection((controller.ip, 8000), timeout=1).close()
        return False
    except OSError:
        return True


@pytest.fixture(scope="module")
def applied(lab):
    """A controller that applies its host settings to its namespace."""
    return lab.add_controller()


def test_host_settings_are_applied_and_reported(applied):
    def host_ok():
        host = applied.response("GET", "/api/status")["weft"]["subsystems"].get("host")
        return host if host and host["status"] == "ok" else None

    host = wait_until(host_ok, timeout=30, what="host reconciler ok")
    assert host["applied_generation"] == host["desired_generation"]
    assert applied.in_ns("sysctl", "-n", "net.ipv4.ip_forward").stdout.strip() == "1"
    assert applied.in_ns("sysctl", "-n", "net.ipv4.conf.all.rp_filter").stdout.strip() == "2"
    mangle = applied.in_ns("iptables-save", "-t", "mangle").stdout
    assert "-A FORWARD -j WEFT_MSS" in mangle
    for device in ("tun+", "ipsec+", "vti+", "wgp+"):
        assert f"-o {device}" in mangle and "TCPMSS --clamp-mss-to-pmtu" in mangle, mangle


def test_no_apply_mode_leaves_the_namespace_alone(lab):
    dry = lab.add_controller(extra_args=["--no-apply"])
    status = dry.response("GET", "/api/status")["weft"]
    assert status["apply"] is False
    assert "no-apply" in status["mode"]
    # A fresh namespace starts with forwarding off; --no-apply must keep it so.
    assert dry.in_ns("sysctl", "-n", "net.ipv4.ip_forward").stdout.strip() == "0"
    assert "WEFT_MSS" not in dry.in_ns("iptables-save", "-t", "mangle").stdout
    dry.stop()


def test_interfaces_list_the_uplink(applied):
    interfaces = applied.response("GET", "/api/interfaces")
    eth0 = [i for i in interfaces if i.get("name") == "eth0"]
    assert eth0, interfaces
    assert applied.response("GET", "/api/interfaces/system") == interfaces or len(
        applied.response("GET", "/api/interfaces/system")) == len(interfaces)
    assert eth0[0]["ip_internal"] == applied.ip
    assert f"{applied.ip}/24" in eth0[0]["addresses"]
    config = applied.response("GET", "/api/config")
    assert config["private_ipaddress"] == applied.ip


def test_secrets_are_private_files(applied):
    for relative in ("weft.db", "tls/server.key"):
        mode = stat.S_IMODE((applied.data_dir / relative).stat().st_mode)
        assert mode == 0o600, f"{relative} has mode {oct(mode)}"


def test_sigterm_stops_cleanly_and_state_persists(lab):
    c = lab.add_controller()
    fingerprint = certificate_fingerprint(c)
    c.put("/api/config", {"controller_name": "persisted-name"})
    assert c.stop(signal.SIGTERM) == 0
    assert refused(c)
    c.start()
    assert certificate_fingerprint(c) == fingerprint
    assert c.response("GET", "/api/config")["controller_name"] == "persisted-name"
    c.stop()


def test_password_flags_only_seed_an_empty_store(lab):
    c = lab.add_controller()
    r = c.put("/api/api_password", {"password": "a-new-api-password-42"})
    assert r.status_code == 200, r.text
    assert c.get("/api/config").status_code == 401
    c.api_password = "a-new-api-password-42"
    assert c.get("/api/config").status_code == 200
    c.stop()
    # Restart with the original --api-password flag: the changed password must survive.
    c.api_password = "weft-test-api-pw"
    c.start(wait=False)
    c.api_password = "a-new-api-password-42"
    c.wait_ready()
    assert c.get("/api/config", password="weft-test-api-pw").status_code == 401
    c.stop()


def test_put_server_restarts_the_daemon_in_place(applied):
    pid = applied.pid
    before = applied.generation()
    r = applied.put("/api/server", {"reboot": True})
    assert r.status_code == 200 and r.json()["response"]["status"] == "rebooting"
    wait_until(lambda: refused(applied), timeout=10, interval=0.05, what="listener closed")
    down_since = time.monotonic()
    # It stays unreachable for a while (the SDK's wait_for_down needs to see it), then returns.
    wait_until(lambda: not refused(applied), timeout=60, interval=0.1, what="listener back")
    assert time.monotonic() - down_since >= 2.5
    applied.wait_ready()
    assert applied.alive() and applied.pid == pid
    assert applied.generation() >= before


def test_every_sdk_route_refuses_missing_and_wrong_credentials(lab, sdk_endpoints):
    # Its own controller with a high failed-login limit, so throttling (429) stays out of it.
    c = lab.add_controller(extra_args=["--no-apply", "--login-failure-limit", "100000"])
    checked = 0
    for method, path in sdk_endpoints:
        concrete = path.replace("{", "").replace("}", "")
        for kw in ({"auth": False}, {"password": "wrong-password"}, {"token": "not-a-token"}):
            r = c.request(method, concrete, **kw)
            assert r.status_code == 401, f"{method} {concrete} {kw} -> {r.status_code} {r.text}"
            assert set(r.json()["error"]) == {"name", "message"}
            checked += 1
    assert checked > 300
    c.stop()


def test_repeated_wrong_passwords_are_throttled(lab):
    c = lab.add_controller(extra_args=["--no-apply"])
    codes = [c.get("/api/config", password=f"guess-{i}").status_code for i in range(25)]
    assert codes[0] == 401
    assert codes[-1] == 429, codes
    c.stop()


def test_unknown_routes_answer_404_in_the_envelope(applied):
    r = applied.get("/api/no/such/thing")
    assert r.status_code == 404
    assert "error" in r.json() and "\n" not in r.text.strip()
