"""The offline plugin catalog: `GET /api/plugin-catalog` lists the images built by
scripts/build-plugin-image in the catalog directory, and `POST /api/container_system/images
{url: "catalog:ID"}` imports one without a network.

The listing and the catalog: scheme run on a small catalog written here (a busybox image).
The network-utilities image itself (mmdebstrap from the Debian mirror) is tested only when
it is already built in /var/cache/weft-plugins (`make plugin-images`) or WEFT_PLUGIN_IMAGES=1
is set (then the script builds it first, a minute or two cold)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from ociimage import busybox_layer, docker_archive
from weftnet import controller_with_plugin, plugin_image_available, wait_until

ROOT = Path(__file__).resolve().parents[2]


def import_url(c, url, name):
    r = c.post("/api/container_system/images", {"name": name, "url": url})
    assert r.status_code == 200, r.text
    import_id = r.json()["response"]["import_uuid"]

    def done():
        images = c.get(f"/api/container_system/images?uuid={import_id}").json()["response"]["images"]
        return images[0] if images and images[0]["status"] != "Importing" else None
    image = wait_until(done, timeout=180, what=f"{url} imported")
    assert image["status"] == "Ready", image
    return image


def run_logs(c, image_id, name, command, expect, timeout=30):
    # The command's output stays in the log while the container sleeps (one that exits at once races the start check).
    wrapped = f"/bin/sh -c '{command}; sleep 1000'" if "sleep" not in command else command
    r = c.post("/api/container_system/containers", {"image_uuid": image_id, "name": name, "command": wrapped})
    assert r.status_code == 200, r.text
    uuid = r.json()["response"]["uuid"]

    def logs():
        lines = c.get(f"/api/container_system/containers/{uuid}/logs?lines=40").json()["response"]["logs"]
        return lines if any(expect in line for line in lines) else None
    try:
        return wait_until(logs, timeout=timeout, what=f"{expect!r} from {command}")
    finally:
        c.delete(f"/api/container_system/containers/{uuid}")


@pytest.fixture(scope="module")
def small_catalog(lab, tmp_path_factory):
    directory = tmp_path_factory.mktemp("catalog")
    archive = docker_archive([busybox_layer()], ["/bin/sh", "-c", "echo catalog-image-runs; sleep 1000"], tag="tiny:0.1")
    (directory / "tiny-0123456789abcdef.tar").write_bytes(archive)
    (directory / "tiny.json").write_text(json.dumps({
        "catalog_id": "tiny", "name": "tiny", "version": "0.1", "description": "a busybox test plugin",
        "archive": "tiny-0123456789abcdef.tar", "manager": {"log_files": [], "executables": [{"name": "sh", "path": "/bin/sh"}]}}))
    # A description whose archive is missing, and one naming a path outside: neither is listed.
    (directory / "ghost.json").write_text(json.dumps({"catalog_id": "ghost", "archive": "ghost-1.tar"}))
    (directory / "sneaky.json").write_text(json.dumps({"catalog_id": "sneaky", "archive": "../tiny-0123456789abcdef.tar"}))
    os.environ["WEFT_PLUGIN_CATALOG"] = str(directory)
    try:
        c = lab.add_controller()
    finally:
        os.environ.pop("WEFT_PLUGIN_CATALOG", None)
    yield c
    for container in c.get("/api/container_system/containers?show_all=true").json()["response"]["containers"]:
        c.delete(f"/api/container_system/containers/{container['Id']}")


def test_the_catalog_lists_built_images_and_imports_them_offline(small_catalog):
    c = small_catalog
    r = c.get("/api/plugin-catalog")
    assert r.status_code == 200, r.text
    entries = r.json()["response"]
    assert [e["catalog_id"] for e in entries] == ["tiny"]
    tiny = entries[0]
    assert tiny["image_url"] == "catalog:tiny" and tiny["version"] == "0.1" and tiny["installed"] is False
    assert tiny["manager_config"]["executables"][0]["path"] == "/bin/sh"
    image = import_url(c, tiny["image_url"], "tiny:0.1")
    assert run_logs(c, image["id"], "tiny", "/bin/sh -c 'echo catalog-image-runs; sleep 1000'", "catalog-image-runs")
    listed = c.get("/api/plugin-catalog").json()["response"][0]
    assert listed["installed"] is True and listed["installed_image_id"] == image["id"]
    # Unknown ids and ids that are paths are refused; nothing is recorded.
    before = len(c.get("/api/container_system/images").json()["response"]["images"])
    for url in ("catalog:nosuch", "catalog:../etc/passwd", "catalog:sneaky"):
        r = c.post("/api/container_system/images", {"name": "x", "url": url})
        assert r.status_code == 404, r.text
        assert "no such image in the plugin catalog" in r.text
    assert len(c.get("/api/container_system/images").json()["response"]["images"]) == before


@pytest.mark.skipif(not plugin_image_available("network-utilities"), reason="network-utilities not built (make plugin-images, or WEFT_PLUGIN_IMAGES=1)")
def test_the_network_utilities_image_runs_its_tools(lab):
    c = controller_with_plugin(lab, "network-utilities")
    try:
        entry = next(e for e in c.get("/api/plugin-catalog").json()["response"] if e["catalog_id"] == "network-utilities")
        assert set(entry["manager_config"]) >= {"log_files", "configuration_files", "ports", "process_manager", "executables"}
        image = import_url(c, entry["image_url"], "network-utilities:" + entry["version"])
        assert "5201/tcp" in image["container_config"]["ExposedPorts"]
        assert any("tcpdump version" in line for line in run_logs(c, image["id"], "u-tcpdump", "tcpdump --version", "tcpdump version"))
        assert run_logs(c, image["id"], "u-iperf3", "iperf3 --version", "iperf 3")
        assert run_logs(c, image["id"], "u-curl", "curl --version", "curl ")
        assert run_logs(c, image["id"], "u-dig", "dig -v", "DiG")
        assert run_logs(c, image["id"], "u-ip", "ip -brief address", "lo ")
        assert run_logs(c, image["id"], "u-config", "cat /opt/plugin-manager/config.json", "process_manager")
        # Its own command: the capture and the iperf3 server under plugin-init.
        r = c.post("/api/container_system/containers", {"image_uuid": image["id"], "name": "utilities"})
        assert r.status_code == 200, r.text
        uuid = r.json()["response"]["uuid"]
        pid = c.get(f"/api/container_system/containers?uuid={uuid}").json()["response"]["containers"][0]["State"]["Pid"]

        def both_running():
            out = subprocess.run(["nsenter", "-t", str(pid), "-m", "-p", "/opt/plugin-manager/bin/plugin-ctl", "status"],
                                 capture_output=True, text=True, timeout=10).stdout
            return out if "capture running" in out and "iperf3 running" in out else None
        wait_until(both_running, timeout=30, what="capture and iperf3 running under plugin-init")
        c.delete(f"/api/container_system/containers/{uuid}")
    finally:
        for container in c.get("/api/container_system/containers?show_all=true").json()["response"]["containers"]:
            c.delete(f"/api/container_system/containers/{container['Id']}")
