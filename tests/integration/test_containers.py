"""The container system for real: an image uploaded as a docker-archive made here (a
busybox-static root file system), containers run by crun on the plugin network plugin0
(198.51.100.0/28) inside the controller's namespace, reached through the firewall's DNAT,
leaving through the customer's MASQUERADE, and closed to the controller's own API."""

import json
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from ociimage import busybox_layer, docker_archive, hostile_layer, oci_layout
from weftnet import wait_until

HTTPD = ["/bin/httpd", "-f", "-p", "80", "-h", "/www"]
PLUGIN_RULES = [
    "PREROUTING_CUST -i eth0 -p tcp -s 198.18.0.0/24 --dport 2222 -j DNAT --to 198.51.100.2:80",
]
MASQUERADE = "MACRO_CUST -o eth0 -s 198.51.100.0/28 -j MASQUERADE"


@pytest.fixture(scope="module")
def plugins(lab):
    c = lab.add_controller()
    yield c
    # Containers go before the namespace does (they hold their own).
    try:
        for container in c.get("/api/container_system/containers?show_all=true").json()["response"]["containers"]:
            c.delete(f"/api/container_system/containers/{container['Id']}")
    except Exception:  # noqa: BLE001 - teardown goes on
        pass


def upload(c, archive: bytes, name: str):
    """A multipart upload as the SDK sends it."""
    return requests.post(c.url + "/api/container_system/images", auth=("api", c.api_password), verify=False, timeout=60,
                         files={"imagefile": ("image.tar", archive, "application/octet-stream")}, data={"name": name})


def import_ready(c, archive: bytes, name: str) -> dict:
    r = upload(c, archive, name)
    assert r.status_code == 200, r.text
    import_id = r.json()["response"]["import_uuid"]

    def ready():
        images = c.get(f"/api/container_system/images?uuid={import_id}").json()["response"]["images"]
        assert images and images[0]["status"] != "Failed", images
        return images[0] if images[0]["status"] == "Ready" else None
    return wait_until(ready, timeout=60, what=f"image {name} ready")


def start(c, body, expect=200):
    r = c.post("/api/container_system/containers", body)
    assert r.status_code == expect, r.text
    return r.json()["response"] if expect == 200 else r.json()


def put_rules(c, rules):
    r = c.put("/api/firewall", {"rules": "\n".join(rules)})
    assert r.status_code == 200, r.text
    c.wait_applied("firewall")


def http_get(address: str, port: int, timeout: float = 2.0) -> str | None:
    try:
        with socket.create_connection((address, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            conn.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
            data = b""
            while chunk := conn.recv(4096):
                data += chunk
            return data.decode(errors="replace")
    except OSError:
        return None


def container(c, uuid):
    found = c.get(f"/api/container_system/containers?uuid={uuid}").json()["response"]["containers"]
    return found[0] if found else None


def in_container_net(pid: int, code: str) -> str:
    """Runs Python in the container's network namespace (entered by PID)."""
    out = subprocess.run(["nsenter", "-t", str(pid), "-n", "python3", "-c", code], capture_output=True, text=True, timeout=20)
    return out.stdout.strip()


ASK = """
import socket, sys
try:
    s = socket.create_connection(("{host}", {port}), timeout=2); s.settimeout(2)
    print(s.recv(100).decode().strip() or "connected")
except OSError as e:
    print("refused" if isinstance(e, ConnectionRefusedError) else "unreachable")
"""
CONNECT = """
import socket
try:
    socket.create_connection(("{host}", {port}), timeout=2).close()
    print("connected")
except OSError as e:
    print("refused" if isinstance(e, ConnectionRefusedError) else "unreachable")
"""


@pytest.fixture(scope="module")
def web(plugins):
    image = import_ready(plugins, docker_archive([busybox_layer()], HTTPD), "web:1.0")
    started = start(plugins, {"image_uuid": image["id"], "name": "web", "description": "busybox httpd"})
    return {"image": image, "container": started}


def test_status_and_addresses(plugins):
    status = plugins.get("/api/container_system").json()["response"]
    assert status["running"] is True and status["network"] == "198.51.100.0/28"
    addresses = plugins.get("/api/container_system/ip_addresses").json()["response"]["addresses"]
    assert addresses[0] == {"address": "198.51.100.1", "status": "reserved"}
    assert len(addresses) == 14


def test_uploaded_docker_archive_runs_at_the_first_free_address(plugins, web):
    assert web["image"]["id"].startswith("sha256:")
    assert web["container"]["ip_address"] == "198.51.100.2"
    assert web["container"]["status"] == "Running"
    listed = plugins.get("/api/container_system/containers").json()["response"]["containers"]
    assert [x["image"] for x in listed if x["Id"] == web["container"]["uuid"]] == [web["image"]["id"]]
    assert plugins.in_ns("ip", "-4", "addr", "show", "dev", "plugin0").stdout.count("198.51.100.1/28") == 1
    in_use = [a["address"] for a in plugins.get("/api/container_system/ip_addresses").json()["response"]["addresses"] if a["status"] == "in_use"]
    assert in_use == ["198.51.100.2"]


def test_dnat_from_outside_reaches_the_container_and_nothing_else_does(plugins, web):
    put_rules(plugins, [])
    assert http_get(plugins.ip, 2222) is None
    put_rules(plugins, PLUGIN_RULES)
    answer = wait_until(lambda: http_get(plugins.ip, 2222), timeout=20, what="DNAT to the container")
    assert "hello from a weft container" in answer


def test_masquerade_lets_the_container_reach_the_uplink_side(plugins, web):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("198.18.0.1", 9100))
    server.listen(8)
    server.settimeout(0.5)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, peer = server.accept()
            except OSError:
                continue
            conn.sendall(f"{peer[0]}\n".encode())
            conn.close()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        pid = container(plugins, web["container"]["uuid"])["State"]["Pid"]
        probe = ASK.format(host="198.18.0.1", port=9100)
        put_rules(plugins, PLUGIN_RULES)
        assert in_container_net(pid, probe) == "unreachable"  # no way back without the NAT
        put_rules(plugins, PLUGIN_RULES + [MASQUERADE])
        assert in_container_net(pid, probe) == plugins.ip
    finally:
        stop.set()
        thread.join()
        server.close()


def test_the_controller_api_is_closed_to_containers(plugins, web):
    put_rules(plugins, PLUGIN_RULES + [MASQUERADE])
    pid = container(plugins, web["container"]["uuid"])["State"]["Pid"]
    assert in_container_net(pid, CONNECT.format(host="198.51.100.1", port=8000)) == "unreachable"
    assert in_container_net(pid, CONNECT.format(host=plugins.ip, port=8000)) == "unreachable"
    # A customer rule opens it.
    put_rules(plugins, PLUGIN_RULES + [MASQUERADE, "INPUT_CUST -i plugin0 -p tcp --dport 8000 -j ACCEPT"])
    assert in_container_net(pid, CONNECT.format(host="198.51.100.1", port=8000)) == "connected"
    put_rules(plugins, PLUGIN_RULES + [MASQUERADE])


def test_isolation_namespaces_limits_and_logs(plugins, web):
    script = ("echo pid=$$; hostname; ls /; ls /data 2>&1; dd if=/dev/zero of=/dev/null bs=64M count=1; echo dd-exit=$?; "
              # 40 children asked for under a 16-process limit: the fork past it fails, which ends the
              # subshell (busybox sh gives up on "can't fork"); shell builtins only from here.
              "(i=0; while [ $i -lt 40 ]; do sleep 1000 & i=$((i+1)); echo forked=$i; done); "
              "set -- /proc/[0-9]*; echo procs=$#; exec sleep 1000")
    started = start(plugins, {"image_uuid": web["image"]["id"], "name": "probe", "command": f"/bin/sh -c '{script}'",
                              "environment": "GREETING=hi", "memory_limit_mb": 16, "pids_limit": 16})
    uuid = started["uuid"]
    assert started["ip_address"] == "198.51.100.3"

    def logs():
        r = plugins.get(f"/api/container_system/containers/{uuid}/logs?lines=50")
        assert r.status_code == 200, r.text
        lines = r.json()["response"]["logs"]
        return lines if any(line.startswith("procs=") for line in lines) else None
    lines = wait_until(logs, timeout=30, what="probe output")
    assert "pid=1" in lines  # own PID namespace
    assert "probe" in lines  # own UTS namespace: the hostname is the container's name
    assert "www" in lines and "weft.db" not in " ".join(lines)  # its own root, not the controller's
    assert "dd-exit=137" in lines  # the 16 MiB memory limit bites: dd's 64 MiB buffer is OOM-killed
    procs = int(next(line for line in lines if line.startswith("procs="))[len("procs="):])
    forked = max(int(line[len("forked="):]) for line in lines if line.startswith("forked="))
    assert procs <= 16 and forked < 40, lines  # the PID limit bites: at most 16 processes, not the 42 asked for
    assert any("fork" in line.lower() for line in lines), lines  # and the shell says why
    # The host's cgroup v1 hierarchies (the test process shares the host's mounts).
    assert Path(f"/sys/fs/cgroup/memory/weft/{uuid}/memory.limit_in_bytes").read_text().strip() == str(16 << 20)
    assert Path(f"/sys/fs/cgroup/pids/weft/{uuid}/pids.max").read_text().strip() == "16"
    tail = plugins.get(f"/api/container_system/containers/{uuid}/logs?lines=1").json()["response"]["logs"]
    assert tail == [lines[-1]]
    r = plugins.delete(f"/api/container_system/containers/{uuid}")
    assert r.status_code == 200 and r.json()["response"]["container_deleted"] is True


def test_stop_start_delete(plugins, web):
    probe_image = web["image"]["id"]
    started = start(plugins, {"image_uuid": probe_image, "name": "cycle", "ipaddress": "198.51.100.9"})
    uuid = started["uuid"]
    assert started["ip_address"] == "198.51.100.9"
    r = plugins.put(f"/api/container_system/containers/{uuid}")
    assert r.json()["response"] == {"status": "Stopped", "uuid": uuid}
    assert container(plugins, uuid)["State"]["Running"] is False
    assert all(x["Id"] != uuid for x in plugins.get("/api/container_system/containers").json()["response"]["containers"])
    assert any(x["Id"] == uuid for x in plugins.get("/api/container_system/containers?show_all=true").json()["response"]["containers"])
    again = start(plugins, {"uuid": uuid})
    assert again["ip_address"] == "198.51.100.9"
    assert container(plugins, uuid)["State"]["Running"] is True
    assert plugins.delete(f"/api/container_system/containers/{uuid}").status_code == 200
    assert container(plugins, uuid) is None
    assert "wc" + uuid[:10] not in plugins.in_ns("ip", "link").stdout


def test_commit_and_export_a_running_container(plugins, web):
    """What a container wrote becomes an image (commit) or a docker-archive to download
    (export) that imports again through the same reader as an upload."""
    import io
    import tarfile
    writer = start(plugins, {"image_uuid": web["image"]["id"], "name": "writer",
                             "command": "/bin/sh -c 'echo committed > /marker; exec sleep 1000'"})
    uuid, made = writer["uuid"], []
    try:
        wait_until(lambda: (x := container(plugins, uuid)) and x["State"]["Running"]
                   and Path(f"/proc/{x['State']['Pid']}/root/marker").exists(), timeout=30, what="the writer's file")
        r = plugins.post(f"/api/container_system/containers/{uuid}/commit", {"name": "writer-snap:1", "description": "after the write"})
        assert r.status_code == 200, r.text
        committed = r.json()["response"]
        assert committed["uuid"].startswith("sha256:") and committed["uuid"] != web["image"]["id"]
        assert committed["name"] == "writer-snap:1"
        images = plugins.get("/api/container_system/images").json()["response"]["images"]
        assert [i["status"] for i in images if i["id"] == committed["uuid"]] == ["Ready"]
        reader = start(plugins, {"image_uuid": committed["uuid"], "name": "reader", "command": "/bin/cat /marker"})
        made.append(reader["uuid"])
        wait_until(lambda: "committed" in plugins.get(f"/api/container_system/containers/{reader['uuid']}/logs?lines=5")
                   .json()["response"]["logs"], timeout=30, what="the committed file read in a new container")

        r = plugins.post(f"/api/container_system/containers/{uuid}/exports", {"name": "writer-export"})
        assert r.status_code == 200, r.text
        export = r.json()["response"]
        assert export["download"] == "/api/container_system/exports/writer-export" and export["size"] > 100_000
        data = plugins.get(export["download"]).content
        assert len(data) == export["size"]
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            names = [n.removeprefix("./") for n in archive.getnames()]
        assert "manifest.json" in names and any(n.endswith("/layer.tar") for n in names)
        again = import_ready(plugins, data, "reimported:1")
        assert again["id"] == export["image_id"]
        export_file = plugins.data_dir / "containers" / "exports" / "writer-export.tar"
        assert oct(export_file.stat().st_mode & 0o777) == "0o600"

        # Refused, nothing made: no name, a bad name, an unknown container, a stopped one.
        before = len(plugins.get("/api/container_system/images").json()["response"]["images"])
        assert plugins.post(f"/api/container_system/containers/{uuid}/commit", {}).status_code == 400
        assert plugins.post(f"/api/container_system/containers/{uuid}/exports", {"name": "../escape"}).status_code == 400
        assert plugins.post("/api/container_system/containers/nosuch/commit", {"name": "x"}).status_code == 404
        assert plugins.get("/api/container_system/exports/nosuch").status_code == 404
        plugins.put(f"/api/container_system/containers/{uuid}")
        r = plugins.post(f"/api/container_system/containers/{uuid}/commit", {"name": "stopped"})
        assert r.status_code == 400 and "not running" in r.text, r.text
        assert len(plugins.get("/api/container_system/images").json()["response"]["images"]) == before
    finally:
        for item in made + [uuid]:
            plugins.delete(f"/api/container_system/containers/{item}")


def test_bad_container_requests_change_nothing(plugins, web):
    before = plugins.get("/api/container_system/containers?show_all=true").json()["response"]["containers"]
    image = web["image"]["id"]
    for body, field in [
        ({"image_uuid": image, "ipaddress": "10.9.9.9"}, "outside the plugin network"),
        ({"image_uuid": image, "ipaddress": "198.51.100.2"}, "already taken"),
        ({"image_uuid": image, "ipaddress": "198.51.100.1"}, "controller's own"),
        ({"image_uuid": "sha256:" + "0" * 64}, "No image"),
        ({"image_uuid": image, "command": "sh -c 'unclosed"}, "unclosed quote"),
        ({"image_uuid": image, "capabilities": "SYS_ADMIN"}, "cannot be granted"),
        ({"image_uuid": image, "name": "web"}, "exists already"),
    ]:
        r = plugins.post("/api/container_system/containers", body)
        assert r.status_code in (400, 404), r.text
        assert field in r.json()["error"]["message"], r.text
    after = plugins.get("/api/container_system/containers?show_all=true").json()["response"]["containers"]
    assert [x["Id"] for x in after] == [x["Id"] for x in before]


def test_hostile_and_broken_archives_are_refused_and_leave_nothing(plugins):
    images_dir = plugins.data_dir / "containers" / "images"
    before = sorted(p.name for p in images_dir.iterdir()) if images_dir.exists() else []
    good = docker_archive([busybox_layer()], HTTPD)
    cases = {kind: docker_archive([hostile_layer(kind)], ["/x"]) for kind in ("dotdot", "absolute", "symlink", "hardlink", "device")}
    cases["truncated"] = good[: len(good) // 2]
    cases["unknown"] = b"PK\x03\x04" + b"\x00" * 4096
    for kind, archive in cases.items():
        r = upload(plugins, archive, f"bad-{kind}")
        assert r.status_code == 200, r.text
        import_id = r.json()["response"]["import_uuid"]

        def failed():
            images = plugins.get(f"/api/container_system/images?uuid={import_id}").json()["response"]["images"]
            return images[0] if images[0]["status"] == "Failed" else None
        image = wait_until(failed, timeout=30, what=f"{kind} refused")
        assert image["status_msg"].startswith("Import failed"), image
        assert plugins.delete(f"/api/container_system/images/{import_id}").status_code == 200
    after = sorted(p.name for p in images_dir.iterdir()) if images_dir.exists() else []
    assert after == before
    # Not multipart and no url: refused at once.
    r = plugins.post("/api/container_system/images", {"name": "x"})
    assert r.status_code == 400 and "imagefile" in r.json()["error"]["message"]


def test_oci_layout_image_and_url_import(plugins, lab):
    archive = oci_layout([busybox_layer()], HTTPD, env=["FORMAT=oci"])
    image = import_ready(plugins, archive, "oci-web")
    assert image["format"] == "oci-layout"
    # From a url: a local server in the client namespace.
    import http.server
    payload = docker_archive([busybox_layer({"www/url.txt": b"u"})], HTTPD)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("198.18.0.1", 9180), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        put_rules(plugins, PLUGIN_RULES + [MASQUERADE])
        r = plugins.post("/api/container_system/images", {"name": "from-url", "url": "http://198.18.0.1:9180/image.tar"})
        assert r.status_code == 200, r.text
        import_id = r.json()["response"]["import_uuid"]

        def ready():
            images = plugins.get(f"/api/container_system/images?uuid={import_id}").json()["response"]["images"]
            assert images[0]["status"] != "Failed", images
            return images[0] if images[0]["status"] == "Ready" else None
        wait_until(ready, timeout=60, what="url import")
    finally:
        server.shutdown()
    r = plugins.delete(f"/api/container_system/images/{image['id']}")
    assert r.status_code == 200


def test_a_crashed_container_is_restarted_and_a_daemon_restart_brings_it_back(plugins, web):
    from receiver import Receiver
    uuid = web["container"]["uuid"]
    put_rules(plugins, PLUGIN_RULES + [MASQUERADE])
    receiver = Receiver()
    alert = plugins.response("POST", "/api/alert", {"name": "restarts", "url": receiver.url("/ok"), "events": ["process_restarted"]})
    try:
        pid = container(plugins, uuid)["State"]["Pid"]
        subprocess.run(["kill", "-9", str(pid)], check=True)
        wait_until(lambda: (x := container(plugins, uuid)) and x["State"]["Running"] and x["State"]["Pid"] != pid,
                   timeout=30, what="container restarted after a crash")
        # The operator hears of it: a process_restarted alert naming the container.
        restarted = wait_until(lambda: [b for b in receiver.bodies("/ok") if b.get("event") == "process_restarted"], timeout=30,
                               what="process_restarted alert")
        assert "container web" in restarted[0]["message"], restarted
    finally:
        plugins.response("DELETE", f"/api/alert/{alert['id']}")
        receiver.stop()
    assert "hello" in wait_until(lambda: http_get(plugins.ip, 2222), timeout=20, what="service back")
    plugins.stop()
    plugins.start()
    after = wait_until(lambda: (x := container(plugins, uuid)) and x["State"]["Running"] and x, timeout=60, what="container back")
    assert after["NetworkSettings"]["IPAddress"] == "198.51.100.2"
    plugins.wait_applied("firewall")
    assert "hello" in wait_until(lambda: http_get(plugins.ip, 2222), timeout=30, what="service back after restart")


def test_a_start_beyond_the_container_limit_is_refused(plugins, web):
    r = plugins.put("/api/container_system", {"max_containers": 2})
    assert r.status_code == 200 and r.json()["response"]["max_containers"] == 2, r.text
    second = start(plugins, {"image_uuid": web["image"]["id"], "name": "second"})
    try:
        refused = start(plugins, {"image_uuid": web["image"]["id"], "name": "third"}, expect=400)
        assert "limit is 2" in refused["error"]["message"]
        assert all(x["name"] != "third" for x in plugins.get("/api/container_system/containers?show_all=true").json()["response"]["containers"])
    finally:
        plugins.delete(f"/api/container_system/containers/{second['uuid']}")
        plugins.put("/api/container_system", {"max_containers": 10})
