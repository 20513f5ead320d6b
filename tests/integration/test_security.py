"""What an attacker tries against a live controller: ambiguous request targets on the
wire (raw TLS, so no client library normalises them), old TLS versions, HSTS, passwords
on the command line, and bodies of the wrong type."""

import base64
import json
import socket
import ssl
import subprocess

import pytest

from weftnet import wait_until


@pytest.fixture(scope="module")
def c(lab):
    return lab.add_controller(extra_args=["--no-apply", "--login-failure-limit", "3"])


def raw_request(controller, target: str, *, method="GET", host=None, auth=True, body=b"", headers=()) -> tuple[int, bytes]:
    """One HTTP/1.1 request written byte for byte over TLS; (status, body)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host or controller.host}", "Connection: close", "Accept: application/json"]
    if auth:
        lines.append("Authorization: Basic " + base64.b64encode(f"api:{controller.api_password}".encode()).decode())
    lines += list(headers)
    if body:
        lines.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    with socket.create_connection((controller.ip, 8000), timeout=10) as plain, context.wrap_socket(plain) as tls:
        tls.sendall(data)
        answer = b""
        while chunk := tls.recv(65536):
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), rest


@pytest.mark.parametrize("target", [
    "//api/config", "/api//config", "/./api/config", "/api/./config", "/api/../api/config", "/%2fapi/config",
    "/api%2fconfig", "/api/config%00", "/api/%252e%252e/config", "/api\\config", "https://evil.example/api/config",
    "//api/clientpack/100_127_255_193.wireguard", "//metrics",
])
def test_ambiguous_targets_are_refused_on_the_wire(c, target):
    status, body = raw_request(c, target)
    assert status == 400, (target, status, body[:200])
    assert json.loads(body)["error"]["name"] == "BadRequestTarget"


def test_absolute_form_for_this_host_works_and_plain_spellings_need_credentials(c):
    assert raw_request(c, f"https://{c.host}/api/config")[0] == 200
    for target in ("/api/config/", "/API/config", "/api/config;p", "/metrics/", "/api/config."):
        status, _ = raw_request(c, target, auth=False)
        assert status == 401, (target, status)


def s_client(controller, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", "s_client", "-connect", controller.host, *flags],
                          input=b"", capture_output=True, timeout=20)


def test_tls_1_0_and_1_1_are_refused_even_by_a_permissive_client(c):
    # Debian's openssl refuses old versions itself unless the security level is lowered:
    # without SECLEVEL=0 this test would pass whatever the server does.
    for version in ("-tls1", "-tls1_1"):
        result = s_client(c, version, "-cipher", "DEFAULT:@SECLEVEL=0")
        out = result.stdout.decode(errors="replace")
        handshake_done = result.returncode == 0 and "Cipher is (NONE)" not in out
        assert not handshake_done, f"{version} accepted: {out}"
    for version in ("-tls1_2", "-tls1_3"):
        result = s_client(c, version)
        out = result.stdout.decode(errors="replace")
        assert result.returncode == 0 and "Cipher is (NONE)" not in out, out
    weak = s_client(c, "-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0")
    assert weak.returncode != 0, "a non-forward-secret CBC suite was accepted"


def test_hsts_on_the_ui_and_the_api(c):
    r = c.request("GET", "/ui/login", auth=False)
    assert r.status_code == 200 and r.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert c.get("/api/config").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_json_routes_refuse_other_content_types(c):
    before = c.generation()
    r = c.request("PUT", "/api/config", raw='{"topology_name": "x"}', headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and "application/json" in r.json()["error"]["message"]
    r = c.request("PUT", "/api/config", raw="topology_name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    # The SDK's forms: application/json on a body-less GET, text/plain for the licence.
    assert c.get("/api/config", headers={"Content-Type": "text/plain"}).status_code == 200
    assert c.generation() == before


def cmdline(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode()


def test_passwords_never_stay_on_the_command_line(lab):
    c = lab.add_controller(extra_args=["--no-apply"])
    line = cmdline(c.pid)
    assert c.api_password not in line and c.admin_password not in line and "--data-dir" in line, line
    with open(f"/proc/{c.pid}/environ", "rb") as f:
        assert b"WEFT_API_PASSWORD" not in f.read()
    # A self-restart keeps them off too.
    assert c.put("/api/server", {"reboot": True}).status_code == 200
    wait_until(lambda: c.get_or_none("/api/config") is None, timeout=10, interval=0.05, what="restart begins")
    c.wait_ready()
    assert c.api_password not in cmdline(c.pid)
    c.stop()


def test_password_file_seeds_the_store(lab):
    c = lab.add_controller(start=False, extra_args=["--no-apply"], password_file=True, api_password="from-a-file-password-1")
    c.start()
    assert c.get("/api/config").status_code == 200
    assert "from-a-file-password-1" not in cmdline(c.pid)
    c.stop()


def test_refusals_hold_while_the_address_is_throttled(c):
    for _ in range(4):
        c.get("/api/config", password="wrong-password")
    assert c.get("/api/config", password="wrong-password").status_code == 429
    assert raw_request(c, "//api/config", auth=False)[0] == 400
    status, _ = raw_request(c, "//api/api_password", method="PUT", auth=False, body=b'{"password": "hijacked-password-1"}',
                            headers=["Content-Type: application/json"])
    assert status == 400
    assert c.get("/api/config").status_code == 200            # the password was not replaced
    assert c.get("/api/config", password="hijacked-password-1").status_code in (401, 429)
    # Last in this module: its controller stays throttled for the rest of the minute.
