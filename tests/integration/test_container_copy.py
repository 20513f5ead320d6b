"""VNS3's COPY macro towards a container: with `MACRO_CUST -j COPY --from tun0 --to
198.51.100.2 --bidirectional`, pings between two overlay (WireGuard) clients arrive, as
copies, in the container's network namespace, while the originals still reach the other client."""

import subprocess

import pytest
import requests

from ociimage import busybox_layer, docker_archive
from weftnet import wait_until

TOKEN = "copy-test-token"


@pytest.fixture(scope="module")
def keyed(lab):
    c = lab.add_controller()
    r = c.request("PUT", "/api/license", raw="copy test licence", headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    assert c.put("/api/license/parameters", {"default": True}).status_code == 200
    wait_until(lambda: c.get_or_none("/api/config") is None, timeout=15, interval=0.1, what="licence restart")
    c.wait_ready()
    c.make_keyset(TOKEN)
    c.wait_applied("overlay")
    yield c
    for x in c.get("/api/container_system/containers?show_all=true").json()["response"]["containers"]:
        c.delete(f"/api/container_system/containers/{x['Id']}")


def test_copy_macro_feeds_the_container(lab, keyed):
    c = keyed
    r = requests.post(c.url + "/api/container_system/images", auth=("api", c.api_password), verify=False, timeout=60,
                      files={"imagefile": ("ids.tar", docker_archive([busybox_layer()], ["/bin/sleep", "100000"]))}, data={"name": "ids"})
    import_id = r.json()["response"]["import_uuid"]
    image = wait_until(lambda: next((i for i in c.get(f"/api/container_system/images?uuid={import_id}").json()["response"]["images"]
                                     if i["status"] == "Ready"), None), timeout=60, what="image")
    started = c.post("/api/container_system/containers", {"image_uuid": image["id"], "name": "ids"}).json()["response"]
    assert started["ip_address"] == "198.51.100.2"
    pid = c.get(f"/api/container_system/containers?uuid={started['uuid']}").json()["response"]["containers"][0]["State"]["Pid"]
    r = c.put("/api/firewall", {"rules": "MACRO_CUST -j COPY --from tun0 --to 198.51.100.2 --bidirectional"})
    assert r.status_code == 200, r.text
    c.wait_applied("firewall")

    def download(name):
        return c.get(f"/api/clientpack?name={name}&fileformat=wireguard").text
    w1, w2 = lab.add_wireguard_client(), lab.add_wireguard_client()
    w1.connect(download("100_127_255_193"), "100.127.255.193/26")
    w2.connect(download("100_127_255_194"), "100.127.255.194/26")
    wait_until(lambda: w1.ping("100.127.255.194"), timeout=20, what="client 1 reaches client 2")
    # Capture in the container's own network namespace (entered by its PID) while client 1 pings client 2.
    capture = subprocess.Popen(["nsenter", "-t", str(pid), "-n", "tcpdump", "-n", "-l", "-i", "eth0", "-c", "4",
                                "icmp and host 100.127.255.193 and host 100.127.255.194"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        def seen():
            assert w1.ping("100.127.255.194")  # the originals still arrive
            return capture.poll() is not None or None
        wait_until(seen, timeout=30, interval=0.3, what="copies inside the container")
        lines = capture.stdout.read().splitlines()
    finally:
        if capture.poll() is None:
            capture.kill()
        capture.wait()
    assert any("echo request" in line for line in lines), lines
    assert any("echo reply" in line for line in lines), lines  # --bidirectional: both ways
