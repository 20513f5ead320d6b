"""Network edge plugins for real: a plugin image made here (busybox-static) carrying
/opt/plugin-manager/config.json, installed through POST /api/plugins from a local file,
an instance run by crun on the plugin network with its manager — log files, configuration
files with versions written inside the running container, programs Weft starts with
`crun exec` and tracks by PID, executables with a timeout — and firewall presets in
Weft's own chains that the customer's PUT /api/firewall leaves in place."""

import json
import tarfile
import time
from pathlib import Path

import pytest

from ociimage import busybox_layer, docker_archive, tar_bytes
from weftnet import wait_until

MANAGER = {
    "log_files": [{"path": "/var/ticker.log", "description": "what the ticker writes"}],
    "configuration_files": [{"path": "/etc/app.conf", "description": "the app's settings"}],
    "ports": [{"port": 80, "protocol": "tcp", "ui": True, "ui_path": "/"}],
    "process_manager": {
        "name": "weft", "subprocesses": ["ticker", "web"],
        "programs": {
            "ticker": "/bin/sh -c 'while true; do echo tick $$ >> /var/ticker.log; sleep 1; done'",
            "web": "/bin/httpd -f -p 80 -h /www",
        },
    },
    "executables": [{"path": "/bin/sh", "description": "the shell's canned commands",
                     "commands": {"hello": "-c 'echo hello from the plugin'", "hang": "-c 'sleep 60'"}}],
}
ORIGINAL_CONF = b"greeting=hello\n"


def plugin_archive() -> bytes:
    extra = tar_bytes([
        ("opt", b"", 0o755, tarfile.DIRTYPE, ""),
        ("opt/plugin-manager", b"", 0o755, tarfile.DIRTYPE, ""),
        ("opt/plugin-manager/config.json", json.dumps(MANAGER).encode(), 0o644, tarfile.REGTYPE, ""),
        ("etc/app.conf", ORIGINAL_CONF, 0o644, tarfile.REGTYPE, ""),
    ])
    return docker_archive([busybox_layer(), extra], ["/bin/sleep", "1000000"], tag="ticker-plugin:1")


@pytest.fixture(scope="module")
def c(lab):
    controller = lab.add_controller()
    yield controller
    try:
        for instance in controller.get("/api/plugin-instances").json()["response"]:
            controller.delete(f"/api/plugin-instances/{instance['id']}")
        for container in controller.get("/api/container_system/containers?show_all=true").json()["response"]["containers"]:
            controller.delete(f"/api/container_system/containers/{container['Id']}")
    except Exception:  # noqa: BLE001 - teardown goes on
        pass


@pytest.fixture(scope="module")
def plugin(c, lab):
    path = Path(lab.workdir) / "ticker-plugin.tar"
    path.write_bytes(plugin_archive())
    r = c.post("/api/plugins", {"name": "ticker", "image_url": f"file://{path}", "version": "1.0",
                                "description": "a ticker and a web server", "tags": {"kind": "test"}})
    assert r.status_code == 201, r.text
    plugin_id = r.json()["response"]["id"]
    assert isinstance(plugin_id, int)

    def ready():
        shown = c.get(f"/api/plugins/{plugin_id}").json()["response"]
        assert shown["status"] != "Failed", shown
        return shown if shown["status"] == "Ready" else None
    return wait_until(ready, timeout=60, what="plugin image ready")


@pytest.fixture(scope="module")
def instance(c, plugin):
    r = c.post("/api/plugin-instances", {"name": "ticker1", "plugin_id": plugin["id"], "description": "the first ticker",
                                         "environment": [{"key": "MODE", "value": "test"}]})
    assert r.status_code == 201, r.text
    shown = r.json()["response"]
    assert shown["status"] == "running" and shown["ip_address"].startswith("198.51.100.")
    return shown


def root_of(c, instance) -> Path:
    data = c.get(f"/api/plugin-instances/{instance['id']}?system_data=true").json()["response"]["data"]
    return Path(f"/proc/{data['State']['Pid']}/root")


def processes(c, instance) -> dict:
    r = c.get(f"/api/plugin-instances/{instance['id']}/processes")
    assert r.status_code == 200, r.text
    return {p["name"]: p for p in r.json()["response"]["processes"]}


def nat_rules(c) -> list[str]:
    return [line for line in c.in_ns("iptables-save", "-t", "nat").stdout.splitlines() if "WEFT_PLUGINS" in line]


def http_get(address: str, port: int):
    import socket
    try:
        with socket.create_connection((address, port), timeout=2) as conn:
            conn.settimeout(2)
            conn.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
            data = b""
            while chunk := conn.recv(4096):
                data += chunk
            return data.decode(errors="replace")
    except OSError:
        return None


def test_installed_plugin_is_listed_with_its_manager_config(c, plugin):
    listed = c.get("/api/plugins").json()["response"]
    assert [p["id"] for p in listed] == [plugin["id"]]
    assert plugin["name"] == "ticker" and plugin["version"] == "1.0" and plugin["uuid"].startswith("sha256:")
    assert plugin["tags"] == {"kind": "test"} and plugin["url"] == f"/api/plugins/{plugin['id']}"
    manager = c.get(f"/api/plugins/{plugin['id']}/manager").json()["response"]
    assert [f["path"] for f in manager["configuration_files"]] == ["/etc/app.conf"]
    assert manager["process_manager"]["subprocesses"] == ["ticker", "web"]
    # The SDK's update_plugin sends to the literal {id}: the plugin is found by its name.
    r = c.put("/api/plugins/%7Bid%7D", {"name": "ticker", "description": "renamed by the SDK"})
    assert r.status_code == 200, r.text
    assert c.get(f"/api/plugins/{plugin['id']}").json()["response"]["description"] == "renamed by the SDK"
    assert c.put("/api/plugins/%7Bid%7D", {"name": "nobody"}).status_code == 404


def test_bad_install_and_bad_manager_config_are_refused_and_change_nothing(c, plugin, lab):
    before = c.get("/api/plugins").json()["response"]
    for body, message in [
        ({"name": "x"}, "image_url"),
        ({"name": "x", "image_url": "ftp://example/x.tar"}, "image_url"),
        ({"name": "x", "image_url": f"file://{lab.workdir}/missing.tar"}, "no regular file"),
        ({"name": "ticker", "version": "1.0", "image_url": "/etc/hostname"}, "already exists"),
        ({"name": "bad name!", "image_url": "/x"}, "name must be"),
    ]:
        r = c.post("/api/plugins", body)
        assert r.status_code in (400, 404, 409), (body, r.text)
        assert message in r.json()["error"]["message"], (body, r.text)
    assert c.get("/api/plugins").json()["response"] == before
    containers = c.get("/api/container_system/containers?show_all=true").json()["response"]["containers"]
    r = c.post("/api/plugin-instances", {"name": "broken", "plugin_id": plugin["id"], "manager_config": {"configuration_files": ["/etc/app.conf"]}})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == 'Invalid plugin manager config:  All configuration_files must be objects with a "path" key.'
    r = c.post("/api/plugin-instances", {"name": "broken", "plugin_id": plugin["id"], "manager_config": {"process_manager": {"name": "abc"}}})
    assert r.status_code == 400 and "Process manager abc unsupported." in r.json()["error"]["message"]
    r = c.post("/api/plugin-instances", {"name": "broken", "plugin_id": 999})
    assert r.status_code == 400 and r.json()["error"]["message"] == "Plugin with ID 999 does not exist."
    assert c.get("/api/container_system/containers?show_all=true").json()["response"]["containers"] == containers
    assert all(i["name"] != "broken" for i in c.get("/api/plugin-instances").json()["response"])


def test_instance_runs_its_programs_and_shows_its_logs(c, instance):
    procs = wait_until(lambda: (p := processes(c, instance)) and all(x["status"] == "running" for x in p.values()) and p,
                       timeout=20, what="programs running")
    assert set(procs) == {"ticker", "web"}

    def ticks():
        r = c.get(f"/api/plugin-instances/{instance['id']}/logs/ticker_log/content?lines=3")
        return r.json()["response"] if r.status_code == 200 and len(r.json()["response"]) >= 2 else None
    lines = wait_until(ticks, timeout=20, what="ticker log lines")
    assert len(lines) <= 3 and all(line.startswith("tick ") for line in lines)
    logs = c.get(f"/api/plugin-instances/{instance['id']}/logs").json()["response"]
    assert logs == [{"path": "/var/ticker.log", "name": "ticker.log", "description": "what the ticker writes", "slug": "ticker_log"}]
    assert c.get(f"/api/plugin-instances/{instance['id']}/logs/nothing/content").status_code == 404


def test_configuration_file_edit_and_revert_to_version_1(c, instance):
    base = f"/api/plugin-instances/{instance['id']}/configurations"
    files = c.get(base).json()["response"]
    assert [(f["slug"], f["version"]) for f in files] == [("app_conf", 1)]
    root = root_of(c, instance)
    assert (root / "etc/app.conf").read_bytes() == ORIGINAL_CONF
    r = c.put(f"{base}/app_conf/content", {"content": "greeting=changed\n"})
    assert r.status_code == 200, r.text
    assert r.json()["response"]["version"] == 2
    assert (root / "etc/app.conf").read_bytes() == b"greeting=changed\n"
    assert c.get(f"{base}/app_conf/content?version=1").json()["response"] == ORIGINAL_CONF.decode()
    assert c.get(f"{base}/app_conf/content").json()["response"] == "greeting=changed\n"
    # Version 2 is current: it cannot be deleted; version 7 does not exist.
    assert c.delete(f"{base}/app_conf/versions/2").json()["error"]["message"] == "Can't delete current version of configuration file"
    assert c.post(f"{base}/app_conf/revert", {"version": 7}).json()["error"]["message"] == "Version 7 does not exist."
    r = c.post(f"{base}/app_conf/revert", {"version": 1})
    assert r.status_code == 200, r.text
    assert r.json()["response"]["version"] == 1
    assert (root / "etc/app.conf").read_bytes() == ORIGINAL_CONF
    assert [v["version"] for v in r.json()["response"]["previous_versions"]] == [2]
    r = c.delete(f"{base}/app_conf/clear")
    assert r.status_code == 200 and r.json()["response"]["previous_versions"] == []


def test_a_symlink_planted_in_the_container_is_not_followed(c, instance, lab):
    base = f"/api/plugin-instances/{instance['id']}"
    # The config's file replaced by a link to a host file: the write must not reach the host.
    victim = Path(lab.workdir) / "host-file"
    victim.write_text("host\n")
    root = root_of(c, instance)
    link = root / "etc/app.conf"
    saved = link.read_bytes()
    link.unlink()
    link.symlink_to(victim)
    try:
        r = c.put(f"{base}/configurations/app_conf/content", {"content": "pwned\n"})
        # Refused (the target is a link, not a regular file); the host file untouched.
        assert r.status_code == 400, r.text
        assert victim.read_text() == "host\n"
        assert "not a regular file" in r.json()["error"]["message"]
    finally:
        if link.is_symlink() or link.exists():
            link.unlink()
        link.write_bytes(saved)


def test_a_process_restarted_through_the_api_has_a_new_pid(c, instance):
    before = wait_until(lambda: processes(c, instance)["ticker"]["pid"], timeout=20, what="ticker pid")
    r = c.post(f"/api/plugin-instances/{instance['id']}/processes/action", {"process": "ticker", "action": "restart", "timeout": 5})
    assert r.status_code == 200, r.text
    result = r.json()["response"]
    assert result["failed"] is False and "started (pid" in result["output"]
    after = processes(c, instance)["ticker"]["pid"]
    assert after and after != before
    stat = Path(f"/proc/{before}/stat")
    assert not stat.exists() or stat.read_text().split(")")[1].split()[0] == "Z"
    status = c.post(f"/api/plugin-instances/{instance['id']}/processes/action", {"process": "ticker", "action": "status"}).json()["response"]
    assert status["output"] == f"ticker RUNNING pid {after}"
    r = c.post(f"/api/plugin-instances/{instance['id']}/processes/action", {"process": "sh", "action": "restart"})
    assert r.status_code == 400 and "not managed by this plugin" in r.json()["error"]["message"]
    r = c.post(f"/api/plugin-instances/{instance['id']}/processes/action", {"process": "ticker", "action": "kill -9 1"})
    assert r.status_code == 400


def test_commands_run_with_a_timeout(c, instance):
    base = f"/api/plugin-instances/{instance['id']}/commands/execute"
    r = c.post(base, {"command": "hello", "executable_path": "/bin/sh", "timeout": 10})
    assert r.status_code == 200, r.text
    assert r.json()["response"]["output"] == "hello from the plugin\n" and r.json()["response"]["failed"] is False
    r = c.post(base, {"command": "hang", "timeout": 1})
    assert r.status_code == 200, r.text
    hung = r.json()["response"]
    assert hung["timeout"] is True and hung["failed"] is True and "killed" in hung["error"]
    # Only the listed commands: no free text, no other executable.
    assert c.post(base, {"command": "-c 'id'", "timeout": 5}).status_code == 400
    assert c.post(base, {"command": "hello", "executable_path": "/bin/busybox"}).status_code == 400


def test_port_map_preset_reaches_the_instance_and_survives_customer_rules(c, instance):
    base = f"/api/plugin-instances/{instance['id']}/firewall"
    assert c.get(base).json()["response"] == []
    r = c.put(base, {"preset": "port_map", "host_port": 8080, "container_port": 80, "protocol": "tcp"})
    assert r.status_code == 201, r.text
    rules = r.json()["response"]
    assert [(x["preset"], x["destination_port"], x["plugin_port"]) for x in rules] == [("port_map", 8080, 80)]
    answer = wait_until(lambda: http_get(c.ip, 8080), timeout=20, what="port_map to the instance")
    assert "hello from a weft container" in answer
    before = nat_rules(c)
    assert sum("-j DNAT" in line for line in before) == 1
    # Shown read-only beside the customer rules, never among them.
    generated = c.get("/api/firewall/generated").json()["response"]
    assert [(g["chain"], g["preset"], g["read_only"], g["plugin_instance_id"]) for g in generated] == \
        [("WEFT_PLUGINS_PRE", "port_map", True, instance["id"])]
    assert f"-A {generated[0]['rule']}" in before
    assert all("WEFT_PLUGINS" not in pair for rule in c.get("/api/firewall/rules").json()["response"] for pair in map(str, rule))
    # A customer rule cannot write into Weft's chains.
    r = c.put("/api/firewall", {"rules": "WEFT_PLUGINS_PRE -p tcp --dport 8080 -j ACCEPT"})
    assert r.status_code == 400, r.text
    assert nat_rules(c) == before
    # The customer's whole firewall replaced: the preset's rule stays, once.
    r = c.put("/api/firewall", {"rules": "INPUT_CUST -p tcp --dport 9999 -j ACCEPT\nPREROUTING_CUST -p tcp --dport 7070 -j DNAT --to 198.51.100.9:80"})
    assert r.status_code == 200, r.text
    c.wait_applied("firewall")
    assert nat_rules(c) == before
    assert "hello from a weft container" in (http_get(c.ip, 8080) or "")
    c.put("/api/firewall", {"rules": ""})
    c.wait_applied("firewall")
    assert nat_rules(c) == before
    shown = c.get(f"/api/plugin-instances/{instance['id']}").json()["response"]
    assert shown["port_maps"] == {"80": 8080}
    assert c.get("/api/firewall/generated").json()["response"] == generated


@pytest.mark.parametrize("body", [
    {"preset": "port_map", "host_port": 22, "container_port": 22, "protocol": "tcp"},
    {"preset": "port_map", "host_port": 8000, "container_port": 80, "protocol": "tcp"},
    {"preset": "ssh", "host_port": 22},
    {"preset": "port_map", "host_port": 4500, "container_port": 4500, "protocol": "udp"},
    {"preset": "port_map", "host_port": 9090},
    {"preset": "dnat_everything"},
])
def test_presets_on_reserved_ports_or_malformed_are_refused(c, instance, body):
    before = nat_rules(c)
    r = c.put(f"/api/plugin-instances/{instance['id']}/firewall", body)
    assert r.status_code == 400, r.text
    if body.get("host_port") in (22, 8000, 4500):
        assert r.json()["error"]["message"].startswith("Invalid host port. Port can't be TCP ports 22")
    assert nat_rules(c) == before


def test_internet_preset_masquerades_the_instance(c, instance):
    r = c.put(f"/api/plugin-instances/{instance['id']}/firewall", {"preset": "internet"})
    assert r.status_code == 201, r.text
    assert any("MASQUERADE" in line and instance["ip_address"] in line for line in nat_rules(c))


def test_exports_of_a_plugin_and_an_instance(c, plugin, instance, lab):
    r = c.post(f"/api/plugins/{plugin['id']}/exports", {"name": "ticker-export"})
    assert r.status_code == 201, r.text
    made = r.json()["response"]
    assert made["name"] == "ticker-export" and made["size"] > 0 and made["url"] == f"/api/plugins/{plugin['id']}/exports/ticker-export"
    assert [x["name"] for x in c.get(f"/api/plugins/{plugin['id']}/exports").json()["response"]] == ["ticker-export"]
    assert [x["name"] for x in c.get("/api/plugin-exports").json()["response"]] == ["ticker-export"]
    download = c.get(f"/api/plugins/{plugin['id']}/exports/ticker-export")
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/octet-stream"
    # The export installs again as a plugin, with the same manager config.
    copy = Path(lab.workdir) / "ticker-export.tar"
    copy.write_bytes(download.content)
    r = c.post("/api/plugins", {"name": "ticker-copy", "image_url": str(copy)})
    assert r.status_code == 201, r.text
    copy_id = r.json()["response"]["id"]
    wait_until(lambda: c.get(f"/api/plugins/{copy_id}").json()["response"]["status"] == "Ready", timeout=60, what="copy ready")
    assert c.get(f"/api/plugins/{copy_id}/manager").json()["response"] == c.get(f"/api/plugins/{plugin['id']}/manager").json()["response"]
    assert c.delete(f"/api/plugins/{copy_id}").status_code == 200
    assert c.delete(f"/api/plugins/{plugin['id']}/exports/ticker-export").json()["response"] == []
    assert c.delete(f"/api/plugins/{plugin['id']}/exports/ticker-export").status_code == 404
    # An instance's export: its running file system.
    r = c.post(f"/api/plugin-instances/{instance['id']}/exports", {"name": "ticker1-now"})
    assert r.status_code == 201, r.text
    assert len(c.get(f"/api/plugin-instances/{instance['id']}/exports/ticker1-now").content) == r.json()["response"]["size"] > 0
    assert c.delete(f"/api/plugin-instances/{instance['id']}/exports/ticker1-now").status_code == 200
    assert c.get(f"/api/plugin-instances/{instance['id']}/exports").json()["response"] == []


def test_programs_and_presets_come_back_after_a_crash_and_a_restart(c, instance):
    import subprocess
    before = wait_until(lambda: processes(c, instance)["ticker"]["pid"], timeout=20, what="ticker pid")
    init = c.get(f"/api/plugin-instances/{instance['id']}?system_data=true").json()["response"]["data"]["State"]["Pid"]
    subprocess.run(["kill", "-9", str(init)], check=True)  # the instance's container crashes
    wait_until(lambda: (p := processes(c, instance)["ticker"]["pid"]) and p != before, timeout=30, what="ticker started again")
    assert "hello from a weft container" in wait_until(lambda: http_get(c.ip, 8080), timeout=20, what="web back after the crash")
    c.stop()
    c.start()
    wait_until(lambda: all(p["pid"] for p in processes(c, instance).values()), timeout=60, what="programs back after a restart")
    c.wait_applied("firewall")
    assert "hello from a weft container" in wait_until(lambda: http_get(c.ip, 8080), timeout=30, what="preset back after a restart")
    assert sum("-j DNAT" in line for line in nat_rules(c)) == 1
    assert sum(line.startswith("-A PREROUTING -j WEFT_PLUGINS_PRE") for line in nat_rules(c)) == 1


def test_delete_instance_and_plugin(c, plugin, instance):
    assert c.delete(f"/api/plugins/{plugin['id']}").status_code == 400  # an instance uses it
    r = c.delete(f"/api/plugin-instances/{instance['id']}")
    assert r.status_code == 200, r.text
    assert [line for line in nat_rules(c) if line.startswith("-A WEFT_PLUGINS")] == []
    assert c.get(f"/api/plugin-instances/{instance['id']}").status_code == 404
    assert all(x["name"] != "ticker1" for x in c.get("/api/container_system/containers?show_all=true").json()["response"]["containers"])
    assert c.delete(f"/api/plugins/{plugin['id']}").status_code == 200
    assert c.get("/api/plugins").json()["response"] == []
