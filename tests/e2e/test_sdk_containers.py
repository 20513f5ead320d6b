"""The SDK's network_edge_plugins calls against a live controller: an image uploaded
with `imagefile` (a docker-archive made here), `wait_for_images_ready`, a container
started, listed, its logs read, stopped and deleted."""

import pytest
from cohesivenet.macros import network_edge_plugins as plugin_macros

from ociimage import busybox_layer, docker_archive
from weftnet import wait_until


@pytest.fixture(scope="module")
def controller(lab):
    return lab.add_controller()


def test_sdk_container_lifecycle(controller, tmp_path):
    client = controller.sdk()
    api = client.network_edge_plugins
    status = api.get_container_system_status().response
    assert str(status.running).lower() == "true"
    archive = tmp_path / "web.tar"
    archive.write_bytes(docker_archive([busybox_layer()], ["/bin/sh", "-c", "echo started; exec /bin/httpd -f -p 80 -h /www"]))
    created = api.post_create_container_image(name="sdkweb", imagefile=str(archive), description="made by the test").response
    import_id = created.import_uuid
    assert plugin_macros.wait_for_images_ready(client, import_uuids=[import_id], timeout=60)
    images = api.get_container_system_images(uuid=import_id).response.images
    image_id = images[0]["id"]
    assert images[0]["status"] == "Ready" and image_id.startswith("sha256:")

    started = api.post_start_container(image_uuid=image_id, name="sdkweb1").response
    assert started.ip_address == "198.51.100.2"
    uuid = started.uuid
    running = api.get_container_system_running_containers().response.containers
    assert [c["image"] for c in running if c["Id"] == uuid] == [image_id]
    logs = wait_until(lambda: api.get_container_logs(uuid, lines=10).response.logs or None, timeout=20, what="logs")
    assert "started" in logs
    addresses = api.get_container_system_ips().response.addresses
    assert {"address": "198.51.100.2", "status": "in_use"} in addresses

    # Commit and export, as the SDK calls them: the commit is a new Ready image.
    committed = api.post_commit_container(uuid, name="sdkweb1-snap", description="committed by the SDK").response
    assert committed.uuid.startswith("sha256:") and committed.uuid != image_id
    exported = api.post_export_image(uuid, name="sdkweb1-export").response
    assert exported.download == "/api/container_system/exports/sdkweb1-export" and exported.size > 0
    assert api.delete_container_image(committed.uuid).response.image_deleted is True

    stopped = api.put_stop_container(uuid).response
    assert stopped.status == "Stopped"
    assert all(c["Id"] != uuid for c in api.get_container_system_running_containers().response.containers)
    deleted = api.delete_container(uuid).response
    assert deleted.container_deleted is True
    assert api.delete_container_image(image_id).response.image_deleted is True
