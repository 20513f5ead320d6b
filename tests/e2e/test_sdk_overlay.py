"""The SDK's overlay calls and macros against a live controller (plan-only: --no-apply)."""

import io
import tarfile
import zipfile

import pytest
from cohesivenet.macros import config as config_macros
from cohesivenet.macros import overlay_network


@pytest.fixture(scope="module")
def controller(lab, tmp_path_factory):
    c = lab.add_controller(extra_args=["--no-apply"])
    licence = tmp_path_factory.mktemp("lic") / "license.txt"
    licence.write_text("overlay e2e licence")
    config_macros.setup_controller(c.sdk(), topology_name="overlay-e2e-token", license_file=str(licence),
                                   license_parameters={"default": True}, keyset_parameters={"token": "overlay-e2e-token"},
                                   peering_id=1)
    return c


def test_segment_overlay_clients(controller):
    groups = overlay_network.segment_overlay_clients(controller.sdk(), number_groups=2)
    assert sorted(groups) == ["group_1", "group_2"]
    everyone = groups["group_1"] + groups["group_2"]
    assert len(everyone) == 58 and everyone[0] == "100.127.255.193"


def test_clientpack_calls(controller):
    api = controller.sdk().overlay_network
    pack = api.get_clientpack("100_127_255_193").response.clientpack
    assert pack["name"] == "100_127_255_193" and pack["enabled"] is True and len(pack["zip_sha1"]) == 40
    updated = api.put_update_clientpack(name="100.127.255.193", enabled=False).response
    assert updated.enabled is False
    tagged = api.post_create_clientpack_tag("100_127_255_193", key="site", value="lab").response
    assert tagged.tags == {"site": "lab"}
    assert api.delete_clientpack_tag("100_127_255_193", key="site").response.tags == {}
    nxt = api.post_checkout_next_clientpack(low_ip="100.127.255.200", high_ip="100.127.255.210").response
    assert nxt.overlay_ipaddress == "100.127.255.200" and nxt.checked_out is True
    assert api.get_clients_status().response == {}


def test_downloads_have_exact_types_and_are_deterministic(controller):
    first = controller.get("/api/clientpack?name=100_127_255_195&fileformat=zip")
    assert first.headers["Content-Type"] == "application/octet-stream"
    assert controller.get("/api/clientpack?name=100_127_255_195&fileformat=zip").content == first.content
    names = zipfile.ZipFile(io.BytesIO(first.content)).namelist()
    assert names == ["100_127_255_195.ovpn", "100_127_255_195.conf", "100_127_255_195-wireguard.conf"]
    tarball = controller.get("/api/clientpack/100_127_255_195.tarball")
    assert tarball.headers["Content-Type"] == "application/x-gzip"
    with tarfile.open(fileobj=io.BytesIO(tarball.content), mode="r:gz") as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers()}
    assert members["100_127_255_195.ovpn"] == zipfile.ZipFile(io.BytesIO(first.content)).read("100_127_255_195.ovpn")
    wg = controller.get("/api/clientpack?name=100.127.255.195&format=wg")
    assert wg.headers["Content-Type"] == "text/plain" and "[Peer]" in wg.text
    saved = controller.sdk().overlay_network.get_download_clientpack(name="100_127_255_195", fileformat="ovpn").file_download
    with open(saved, "rb") as f:
        assert f.read() == members["100_127_255_195.ovpn"]
