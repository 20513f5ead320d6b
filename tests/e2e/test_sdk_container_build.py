"""The SDK's image calls for Dockerfile builds and the catalog against a live controller:
`post_create_container_image` with `buildfile` (a tar context, sent by the SDK as a multipart
file part), `localbuild` and `localimage` (JSON), `wait_for_images_ready`, and
`get_plugin_catalog` (an empty catalog here: the images are tested in integration)."""

import os
import tarfile

import pytest
from cohesivenet.macros import network_edge_plugins as plugin_macros

from ociimage import busybox_layer, docker_archive, tar_bytes


@pytest.fixture(scope="module")
def controller(lab, tmp_path_factory):
    os.environ["WEFT_PLUGIN_CATALOG"] = str(tmp_path_factory.mktemp("empty-catalog"))
    try:
        return lab.add_controller()
    finally:
        os.environ.pop("WEFT_PLUGIN_CATALOG", None)


def test_sdk_builds_tags_and_lists_the_catalog(controller, tmp_path):
    client = controller.sdk()
    api = client.network_edge_plugins
    base = tmp_path / "base.tar"
    base.write_bytes(docker_archive([busybox_layer()], ["/bin/sh"]))
    created = api.post_create_container_image(name="base_image", imagefile=str(base)).response
    assert plugin_macros.wait_for_images_ready(client, import_uuids=[created.import_uuid], timeout=60)

    context = tmp_path / "context.tar"
    context.write_bytes(tar_bytes([
        ("Dockerfile", b"FROM vns3local:base_image\nRUN echo sdk-built > /built\nCOPY key.pem /etc/key.pem\n"
                       b"CMD [\"/bin/sh\", \"-c\", \"cat /built /etc/key.pem; sleep 1000\"]\n", 0o644, tarfile.REGTYPE, ""),
        ("key.pem", b"sdk-key\n", 0o600, tarfile.REGTYPE, "")]))
    built = api.post_create_container_image(name="sdk-built:1", buildfile=str(context), description="built by the SDK").response
    assert built.status == "Image being uploaded"
    inline = api.post_create_container_image(name="sdk-inline:1", localbuild="FROM base_image\nENV A=1\n").response
    assert plugin_macros.wait_for_images_ready(client, import_uuids=[built.import_uuid, inline.import_uuid], timeout=120)
    image = api.get_container_system_images(uuid=built.import_uuid).response.images[0]
    assert image["status"] == "Ready" and image["image_name"] == "sdk-built"

    tagged = api.post_create_container_image(name="sdk-tag:2", localimage="sdk-built:1").response
    assert plugin_macros.wait_for_images_ready(client, import_uuids=[tagged.import_uuid], timeout=10)
    assert api.get_container_system_images(uuid=tagged.import_uuid).response.images[0]["id"] == image["id"]

    assert client.network_edge_plugins.get_plugin_catalog().response == []
