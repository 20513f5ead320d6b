"""Snapshots for real: configure a controller fully, snapshot it, import the file into a
fresh controller in another namespace, move the public address over, and the untouched
clientpack file connects; every damaged file is refused and changes nothing."""

import io
import json
import signal
import subprocess
import tarfile
import threading
import time
import zlib

import pytest

from weftnet import wait_until, weft_binary

TOKEN = "snapshot-test-token"
CONTROLLER = "100.127.255.253"
RULE = "INPUT_CUST -p tcp -s 198.18.0.0/24 --dport 9443 -j ACCEPT"


def license_and_key(c):
    c.license_default("snapshot test licence")
    c.make_keyset(TOKEN)
    c.wait_applied("overlay")


def configuration(c):
    """What must be identical after an import."""
    packs = c.response("GET", "/api/clientpacks")
    return {
        "rules": c.response("GET", "/api/firewall/rules"),
        "routes": c.response("GET", "/api/routes"),
        "ipsec": c.response("GET", "/api/ipsec")["remote_endpoints"],
        "keyset": c.response("GET", "/api/keyset")["checksum"],
        "packs": {name: (p["enabled"], p.get("tags")) for name, p in packs.items()},
        "peering": c.response("GET", "/api/peering")["id"],
        "alerts": c.response("GET", "/api/webhooks"),
    }


def import_snapshot(c, data, **kw):
    return c.request("PUT", "/api/snapshots/running_config", raw=data, headers={"Content-Type": "text/plain"}, timeout=60, **kw)


def stored_gzip(payload: bytes) -> bytes:
    """gzip with stored deflate blocks (what Weft writes and reads)."""
    compressor = zlib.compressobj(level=0, wbits=31)
    return compressor.compress(payload) + compressor.flush()


def repack(data: bytes, edit) -> bytes:
    """Rewrites the archive's members through `edit(name, bytes) -> bytes`."""
    raw = zlib.decompress(data, wbits=31)
    source = tarfile.open(fileobj=io.BytesIO(raw))
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as target:
        for member in source.getmembers():
            content = edit(member.name, source.extractfile(member).read())
            info = tarfile.TarInfo(member.name)
            info.size = len(content)
            target.addfile(info, io.BytesIO(content))
    return stored_gzip(out.getvalue())


@pytest.fixture(scope="module")
def source(lab):
    c = lab.add_controller()
    license_and_key(c)
    assert c.post("/api/firewall/rules", {"rule": RULE, "position": 0}).status_code == 200
    c.response("POST", "/api/routes", {"cidr": "198.19.60.0/24", "description": "lab", "interface": "eth0", "gateway": "198.18.0.1"})
    c.response("POST", "/api/ipsec/endpoints", {"name": "dc1", "ipaddress": "198.18.0.250", "secret": "snapshot-psk-123", "ike_version": 2})
    c.response("PUT", "/api/clientpack", {"name": "100_127_255_200", "enabled": False})
    c.response("POST", "/api/webhook", {"name": "ops", "url": "http://198.18.0.1:9/hook", "events": ["tunnel_down"]})
    return c


def test_snapshot_is_listed_downloadable_and_private(source):
    made = source.response("POST", "/api/snapshots", {"name": "full"})
    assert set(made) == {"full"} and made["full"]["size"] > 0
    listed = source.response("GET", "/api/snapshots")
    assert listed["latest_snapshot"] == "full" and "full" in listed["snapshots"]
    r = source.get("/api/snapshots/full", headers={"Accept": "application/octet-stream"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/octet-stream"
    import hashlib
    assert hashlib.sha1(r.content).hexdigest() == listed["snapshots"]["full"]["sha1_checksum"]
    mode = source.in_ns("stat", "-c", "%a", str(source.data_dir / "snapshots" / "full")).stdout.strip()
    assert mode == "600"
    # The keyset's private keys are inside; credentials are not.
    document = json.loads(tarfile.open(fileobj=io.BytesIO(zlib.decompress(r.content, wbits=31))).extractfile("snapshot.json").read())
    assert document["keyset"]["clients"] and "credentials" not in json.dumps(document["settings"])


def test_snapshot_diff_shows_what_the_operator_changed_not_the_id_counters(source, tmp_path):
    source.response("POST", "/api/snapshots", {"name": "before-route"})
    route = source.response("POST", "/api/routes", {"cidr": "198.19.61.0/24", "description": "diff", "interface": "eth0",
                                                    "gateway": "198.18.0.1"})
    source.response("DELETE", "/api/routes/" + next(rid for rid, r in route.items() if r["cidr"] == "198.19.61.0/24"))
    source.response("POST", "/api/snapshots", {"name": "after-route"})
    # A route added and deleted again: only the id counter moved, which is no difference.
    diff = source.response("GET", "/api/snapshot_diff?from=before-route&to=after-route")
    assert diff["sections"] == [] and diff["text"] == "no differences\n", diff
    added = source.response("POST", "/api/routes", {"cidr": "198.19.62.0/24", "interface": "eth0", "gateway": "198.18.0.1"})
    source.response("POST", "/api/snapshots", {"name": "with-route"})
    source.response("DELETE", "/api/routes/" + next(rid for rid, r in added.items() if r["cidr"] == "198.19.62.0/24"))
    diff = source.response("GET", "/api/snapshot_diff?from=before-route&to=with-route")
    assert [section["name"] for section in diff["sections"]] == ["routes"] and "198.19.62.0/24" in diff["text"], diff
    assert "nextID" not in diff["text"], diff
    # The CLI reads the downloaded files, named as what they are.
    files = []
    for name in ["before-route", "with-route"]:
        r = source.get(f"/api/snapshots/{name}")
        assert r.headers["Content-Disposition"] == f"attachment; filename={name}.tar.gz"
        files.append(tmp_path / f"{name}.tar.gz")
        files[-1].write_bytes(r.content)
    cli = subprocess.run([weft_binary(), "snapshot", "diff", *map(str, files)], capture_output=True, text=True)
    assert cli.returncode == 1 and cli.stdout == diff["text"], (cli.returncode, cli.stdout, cli.stderr)


def test_refused_archives_change_nothing(lab, source):
    data = source.get("/api/snapshots/full").content
    target = lab.add_controller()
    before = target.generation()
    config_before = target.response("GET", "/api/config")
    cases = {
        "truncated": data[: len(data) // 2],
        "corrupted": data[:400] + bytes([data[400] ^ 0xFF]) + data[401:],
        "tampered": repack(data, lambda name, b: b.replace(b"snapshot-psk-123", b"attacker-psk-999") if name == "snapshot.json" else b),
        "wrong version": repack(data, lambda name, b: json.dumps({**json.loads(b), "version": 99}).encode() if name == "manifest.json" else b),
        "not a snapshot": b"hello, world\n",
        "empty": b"",
    }
    reasons = {}
    for label, body in cases.items():
        r = import_snapshot(target, body)
        assert r.status_code == 400, f"{label}: {r.status_code} {r.text}"
        reasons[label] = r.json()["error"]["message"]
    assert "truncated" in reasons["truncated"]
    assert "checksum does not match" in reasons["tampered"]
    assert "version 99 is not supported" in reasons["wrong version"]
    assert all("nothing changed" in m or "snapshot file" in m for m in reasons.values()), reasons
    oversized = import_snapshot(target, b"\0" * (65 << 20))
    assert oversized.status_code == 413, oversized.text
    assert target.generation() == before
    assert target.response("GET", "/api/config") == config_before
    assert target.response("GET", "/api/routes") == {}
    target.stop()


def test_kill_during_import_leaves_old_or_new(lab, source):
    data = (source.data_dir / "snapshots" / "full").read_bytes()
    target = lab.add_controller()
    target.response("POST", "/api/routes", {"cidr": "198.19.70.0/24", "interface": "eth0", "gateway": "198.18.0.1"})
    old_routes = target.response("GET", "/api/routes")
    thread = threading.Thread(target=lambda: _swallow(lambda: import_snapshot(target, data, timeout=10)))
    thread.start()
    time.sleep(0.05)
    target.stop(sig=signal.SIGKILL)
    thread.join()
    target.process = None
    target.start()
    routes = target.response("GET", "/api/routes")
    licensed = target.response("GET", "/api/config")["licensed"]
    if routes == old_routes:
        print("killed before the import committed: old state")
        assert licensed is False
    else:
        print("killed after the import committed: new state")
        assert routes == source.response("GET", "/api/routes") and licensed is True
        assert target.response("GET", "/api/keyset")["checksum"] == source.response("GET", "/api/keyset")["checksum"]
    target.stop()


def test_import_rebuilds_the_controller_and_old_client_files_connect(lab, source):
    expected = configuration(source)
    wireguard_file = source.get("/api/clientpack?name=100_127_255_193&fileformat=wireguard").text
    data = source.get("/api/snapshots/full").content

    fresh = lab.add_controller()
    assert fresh.response("GET", "/api/config")["licensed"] is False
    r = import_snapshot(fresh, data)
    assert r.status_code == 200 and r.json()["response"] == {"snapshot": "accepted"}, r.text
    wait_until(lambda: fresh.get_or_none("/api/config") is None, timeout=15, interval=0.1, what="import restart")
    fresh.wait_ready()
    assert configuration(fresh) == expected
    # Credentials stayed with the host: the importing client's password still works.
    assert fresh.get("/api/config").status_code == 200
    fresh.wait_applied("overlay")
    assert fresh.in_ns("iptables", "-S", "INPUT_CUST").stdout.count("--dport 9443") == 1

    # The public address moves to the new host (as an elastic IP would); the client file is untouched.
    source.stop()
    source.in_ns("ip", "addr", "del", f"{source.ip}/24", "dev", "eth0")
    fresh.in_ns("ip", "addr", "add", f"{source.ip}/24", "dev", "eth0")
    client = lab.add_wireguard_client()
    client.connect(wireguard_file, "100.127.255.193/26")
    wait_until(lambda: client.ping(CONTROLLER), timeout=20, what="old clientpack connects to the imported controller")
    client.stop()


def _swallow(call):
    try:
        call()
    except Exception:
        pass
