"""The articles' utilities container, end to end: the network-utilities plugin installed
from the offline catalog (`POST /api/plugins {image_url: "catalog:network-utilities"}`),
an instance of it, the overlay's traffic copied to it (`MACRO_CUST -j COPY --from tun0 --to
<instance>`), and the instance's capture log (tcpdump under plugin-init) shows the packets
of a WireGuard client. Runs when the image is built (`make plugin-images`, which `make test`
runs first) or WEFT_PLUGIN_IMAGES=1."""

from pathlib import Path

import pytest

from weftnet import controller_with_plugin, plugin_image_available, wait_until

ROOT = Path(__file__).resolve().parents[2]
CONTROLLER = "100.127.255.253"


pytestmark = pytest.mark.skipif(not plugin_image_available("network-utilities"),
                                reason="network-utilities not built (make plugin-images, or WEFT_PLUGIN_IMAGES=1)")


@pytest.fixture(scope="module")
def controller(lab):
    c = controller_with_plugin(lab, "network-utilities")
    c.license_default("utilities plugin test licence")
    c.make_keyset("utilities-plugin-test-token")
    c.wait_applied("overlay")
    yield c
    try:
        for instance in c.get("/api/plugin-instances").json()["response"]:
            c.delete(f"/api/plugin-instances/{instance['id']}")
    except Exception:  # noqa: BLE001 - teardown goes on
        pass


def test_the_utilities_plugin_captures_the_copied_overlay_traffic(lab, controller):
    c = controller
    entry = next(e for e in c.response("GET", "/api/plugin-catalog") if e["catalog_id"] == "network-utilities")
    r = c.post("/api/plugins", {"name": "network-utilities", "image_url": entry["image_url"], "version": entry["version"],
                                "catalog_id": "network-utilities"})
    assert r.status_code == 201, r.text
    plugin_id = r.json()["response"]["id"]

    def ready():
        shown = c.response("GET", f"/api/plugins/{plugin_id}")
        assert shown["status"] != "Failed", shown
        return shown if shown["status"] == "Ready" else None
    wait_until(ready, timeout=180, what="the catalog image imported")
    r = c.post("/api/plugin-instances", {"name": "utilities", "plugin_id": plugin_id})
    assert r.status_code == 201, r.text
    instance = r.json()["response"]
    address = instance["ip_address"]
    assert address.startswith("198.51.100.")

    r = c.put("/api/firewall", {"rules": f"MACRO_CUST -j COPY --from tun0 --to {address}"})
    assert r.status_code == 200, r.text
    c.wait_applied("firewall")
    wg = lab.add_wireguard_client()
    wg.connect(c.get("/api/clientpack?name=100_127_255_193&fileformat=wireguard").text, "100.127.255.193/26")

    def captured():
        wg.ping(CONTROLLER)
        r = c.get(f"/api/plugin-instances/{instance['id']}/logs/capture_log/content?lines=200")
        if r.status_code != 200:
            return None
        lines = [line for line in r.json()["response"] if "100.127.255.193" in line and "ICMP" in line]
        return lines or None
    lines = wait_until(captured, timeout=60, interval=1, what="the client's packets in the instance's capture log")
    assert any(f"100.127.255.193 > {CONTROLLER}" in line for line in lines), lines
