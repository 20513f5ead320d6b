"""The real cohesivenet SDK (PyPI) against real `weft serve` daemons over HTTPS."""

import time

import pytest
from cohesivenet import ApiException
from cohesivenet.macros import config as config_macros

KEYSET_TOKEN = "e2e-topology-token-7c1f"
LICENSE_TEXT = "Weft e2e test licence: any text is accepted and kept.\n"


@pytest.fixture(scope="module")
def license_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("licence") / "license.txt"
    path.write_text(LICENSE_TEXT)
    return str(path)


@pytest.fixture(scope="module")
def source(lab, license_file):
    """Controller 1 set up end to end by the SDK's own macro."""
    c = lab.add_controller(extra_args=["--no-apply"])
    client = c.sdk()
    pid = c.pid
    config_macros.setup_controller(
        client,
        topology_name="e2e-topology",
        license_file=license_file,
        license_parameters={"default": True},
        keyset_parameters={"token": KEYSET_TOKEN},
        controller_name="e2e-c1",
        peering_id=1,
        reboot_timeout=120,
        keyset_timeout=120,
    )
    assert c.pid == pid and c.alive(), "the licence reboot re-executes in place"
    return c


def test_setup_controller_macro_end_to_end(source):
    client = source.sdk()
    config = client.config.get_config().response
    assert config.licensed is True
    assert config.topology_name == "e2e-topology"
    assert config.controller_name == "e2e-c1"
    assert config.vns3_version.startswith("6.")
    keyset = client.config.get_keyset().response
    assert keyset.keyset_present is True and not keyset.in_progress
    assert client.peering.get_peering_status().response.id == 1
    license = client.licensing.get_license().response
    assert license.finalized is True
    # The licence reboot really happened: an audit row records the restart request.
    audit = source.response("GET", "/api/audit")
    assert any(e["action"] == "license.parameters" for e in audit), audit[:5]


def _licensed_controller(lab, license_file):
    c = lab.add_controller(extra_args=["--no-apply"])
    client = c.sdk()
    with open(license_file) as f:
        client.licensing.upload_license(f.read().strip())
    client.licensing.put_set_license_parameters(default=True)
    client.sys_admin.wait_for_api(timeout=120, wait_for_reboot=True)
    return c, client


def test_fetch_keyset_from_source(lab, source, license_file):
    c, client = _licensed_controller(lab, license_file)
    detail = config_macros.fetch_keyset_from_source(client, source.ip, KEYSET_TOKEN, wait_timeout=120)
    assert detail is not None
    mine = client.config.get_keyset().response
    theirs = source.sdk().config.get_keyset().response
    assert mine.keyset_present is True
    assert mine.checksum and mine.checksum == theirs.checksum
    c.stop()


def test_fetch_keyset_with_a_wrong_token_fails(lab, source, license_file):
    c, client = _licensed_controller(lab, license_file)
    with pytest.raises(Exception) as failure:
        config_macros.fetch_keyset_from_source(client, source.ip, "not-the-token", wait_timeout=60)
    assert "keyset" in str(failure.value).lower() or "fetch" in str(failure.value).lower()
    keyset = client.config.get_keyset().response
    assert not keyset.keyset_present
    c.stop()


def test_token_auth_and_expiry(source):
    client = source.sdk()
    created = client.access.create_api_token(expires=3600, token_name="e2e").response
    token, token_id = created.token, created.id
    assert token
    with_token = source.sdk(token=token)
    assert with_token.config.get_config().response.vns3_version
    listed = client.access.get_api_tokens().response
    assert any(str(t["id"]) == str(token_id) for t in listed)
    client.access.put_expire_api_token(token_id)
    with pytest.raises(ApiException) as refused:
        with_token.config.get_config()
    assert refused.value.status == 401


def test_short_lived_token_expires_by_itself(source):
    client = source.sdk()
    token = client.access.create_api_token(expires=2, token_name="short").response.token
    assert source.get("/api/config", token=token).status_code == 200
    time.sleep(3)
    assert source.get("/api/config", token=token).status_code == 401


def test_wrong_password_is_refused(source):
    with pytest.raises(ApiException) as refused:
        source.sdk(password="definitely-wrong").config.get_config()
    assert refused.value.status == 401
    assert "error" in (refused.value.body or "")


def test_put_config_and_peering_self(source):
    client = source.sdk()
    client.config.put_config(controller_name="renamed-by-sdk")
    assert client.config.get_config().response.controller_name == "renamed-by-sdk"
    peering = client.peering.get_peering_status().response
    assert peering.id == 1
