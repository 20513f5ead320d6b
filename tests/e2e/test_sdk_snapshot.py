"""The SDK's snapshot calls against live controllers: create, list, download to a file,
import into a fresh controller (raw body, text/plain, as the SDK sends it), and the same
configuration afterwards."""

import time

import pytest
from cohesivenet.macros import config as config_macros

from weftnet import wait_until


@pytest.fixture(scope="module")
def source(lab, tmp_path_factory):
    c = lab.add_controller(extra_args=["--no-apply"])
    licence = tmp_path_factory.mktemp("lic") / "license.txt"
    licence.write_text("snapshot e2e licence")
    config_macros.setup_controller(c.sdk(), topology_name="snapshot-e2e-token", license_file=str(licence),
                                   license_parameters={"default": True}, keyset_parameters={"token": "snapshot-e2e-token"},
                                   peering_id=1)
    c.response("POST", "/api/routes", {"cidr": "198.19.80.0/24", "description": "e2e", "interface": "eth0", "gateway": "198.18.0.1"})
    return c


def test_create_list_download_and_import(lab, source, tmp_path):
    api = source.sdk().snapshots
    created = api.post_create_snapshot(name="e2e_snapshot").response
    assert "e2e_snapshot" in created
    listed = api.get_snapshots().response
    assert listed.latest_snapshot == "e2e_snapshot" and "e2e_snapshot" in listed.snapshots
    path = api.get_download_snapshot("e2e_snapshot").file_download
    data = open(path, "rb").read()
    assert data[:2] == b"\x1f\x8b" and len(data) == listed.snapshots["e2e_snapshot"]["size"]

    fresh = lab.add_controller(extra_args=["--no-apply"])
    accepted = fresh.sdk().snapshots.put_import_snapshot(body=data).response
    assert accepted.snapshot == "accepted" if hasattr(accepted, "snapshot") else accepted["snapshot"] == "accepted"
    wait_until(lambda: fresh.get_or_none("/api/config") is None, timeout=15, interval=0.1, what="import restart")
    fresh.wait_ready()
    assert fresh.response("GET", "/api/routes") == source.response("GET", "/api/routes")
    assert fresh.response("GET", "/api/keyset")["checksum"] == source.response("GET", "/api/keyset")["checksum"]
    assert fresh.response("GET", "/api/config")["licensed"] is True
