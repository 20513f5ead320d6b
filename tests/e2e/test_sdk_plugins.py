"""The SDK's plugin and plugin-instance calls against a live controller: a plugin installed
from a docker-archive file made here, an instance started with its manager, its logs,
configuration files (edit, versions, revert), processes, commands and a firewall preset,
then the instance and the plugin deleted."""

import json
import tarfile

import pytest
from cohesivenet.api.vns3 import network_edge_plugins_api
from cohesivenet.macros import firewall as firewall_macros

from ociimage import busybox_layer, docker_archive, tar_bytes
from weftnet import wait_until

MANAGER = {
    "log_files": [{"path": "/var/app.log"}],
    "configuration_files": [{"path": "/etc/app.conf"}],
    "process_manager": {"name": "weft", "subprocesses": ["app"],
                        "programs": {"app": "/bin/sh -c 'while true; do echo app running >> /var/app.log; sleep 1; done'"}},
    "executables": [{"path": "/bin/sh", "commands": {"hello": "-c 'echo hello'"}}],
}


@pytest.fixture(scope="module")
def controller(lab):
    return lab.add_controller()


def test_sdk_plugin_lifecycle(controller, tmp_path):
    client = controller.sdk()
    api = client.network_edge_plugins
    extra = tar_bytes([("opt", b"", 0o755, tarfile.DIRTYPE, ""), ("opt/plugin-manager", b"", 0o755, tarfile.DIRTYPE, ""),
                       ("opt/plugin-manager/config.json", json.dumps(MANAGER).encode(), 0o644, tarfile.REGTYPE, ""),
                       ("etc/app.conf", b"level=1\n", 0o644, tarfile.REGTYPE, "")])
    archive = tmp_path / "app-plugin.tar"
    archive.write_bytes(docker_archive([busybox_layer(), extra], ["/bin/sleep", "1000000"]))

    installed = api.install_plugin(name="sdkapp", image_url=str(archive), version="2", description="from the SDK",
                                   tags={"team": "net"}).response
    plugin_id = installed.id
    wait_until(lambda: api.get_plugin(plugin_id).response.status == "Ready", timeout=60, what="plugin ready")
    assert [p["name"] for p in api.get_plugins().response] == ["sdkapp"]
    manager = api.get_plugin_manager_config(plugin_id).response
    assert manager.process_manager["subprocesses"] == ["app"]
    # update_plugin sends no id: the controller finds the plugin by name.
    assert api.update_plugin(name="sdkapp", description="updated by the SDK").response.description == "updated by the SDK"

    started = api.start_plugin_instance(name="sdkapp1", plugin_id=plugin_id, environment=[{"key": "A", "value": 1}]).response
    instance_id = started.id
    assert api.get_plugin_instances().response[0]["id"] == instance_id
    shown = api.get_plugin_instance(instance_id, system_data=True).response
    assert shown.status == "running" and shown.data["State"]["Running"] is True

    assert [f["slug"] for f in api.get_plugin_instance_log_files(instance_id).response] == ["app_log"]
    lines = wait_until(lambda: api.get_plugin_instance_log_content(instance_id, "app_log", lines=2).response or None,
                       timeout=20, what="app log")
    assert lines[-1] == "app running"

    assert api.get_plugin_instance_config_files(instance_id).response[0]["version"] == 1
    assert api.put_plugin_instance_config_content(instance_id, "app_conf", content="level=2\n").response.version == 2
    assert api.get_plugin_instance_config_content(instance_id, "app_conf").response == "level=2\n"
    assert api.get_plugin_instance_config_content(instance_id, "app_conf", version=1).response == "level=1\n"
    assert api.revert_plugin_instance_config_file(instance_id, "app_conf", version=1).response.version == 1
    assert api.get_plugin_instance_config_content(instance_id, "app_conf").response == "level=1\n"
    assert api.delete_plugin_instance_config_version(instance_id, "app_conf", 2).response.previous_versions == []

    procs = api.get_plugin_instance_processes(instance_id).response
    assert procs.subprocesses == ["app"]
    restarted = api.run_plugin_instance_process_action(instance_id, process="app", action="restart", timeout=5).response
    assert restarted.failed is False and "started" in restarted.output
    ran = api.run_plugin_instance_executable_command(instance_id, command="hello", executable_path="/bin/sh", timeout=5).response
    assert ran.output == "hello\n" and ran.timeout is False

    rules = api.put_plugin_instance_firewall_rule(instance_id, preset="port_map", host_port=8081, container_port=80, protocol="tcp").response
    assert rules[0]["destination_port"] == 8081
    assert api.get_plugin_instance_firewall(instance_id).response[0]["plugin_port"] == 80
    # The customer's policy asserted and fixed by the SDK: the preset is not among its rules,
    # and stays in the kernel once, untouched.
    policy = [{"rule": "INPUT_CUST -p tcp --dport 9999 -j ACCEPT", "position": -1}]
    firewall_macros.create_firewall_policy(client, policy)
    assert firewall_macros.assert_rule_policy(client, policy, should_fix=True) == [policy[0]["rule"]]
    controller.wait_applied("firewall")
    dnat = [line for line in controller.in_ns("iptables-save", "-t", "nat").stdout.splitlines() if "WEFT_PLUGINS_PRE" in line and "DNAT" in line]
    assert dnat == ["-A WEFT_PLUGINS_PRE ! -i plugin0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 198.51.100.2:80"]

    # Users: put through the client's router, listed with the module-level function (not on the router).
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJgJ4EYSgUc+DTE7EqQDUNJt6k2uB04hX1uUBKYSTd3x sdk@weft"
    user = api.put_plugin_instance_user(instance_id, username="sdkuser", password="from the sdk", public_key=key).response
    assert user["username"] == "sdkuser" and user["password"] is True and user["public_key"] == key
    listed = network_edge_plugins_api.get_plugin_instance_users(client, instance_id).response
    assert [u["username"] for u in listed] == ["sdkuser"]
    assert api.delete_plugin_instance_user(instance_id, "sdkuser").response == []

    made = api.create_plugin_export(plugin_id).response
    assert made.size > 0 and [x["name"] for x in api.get_plugin_exports(plugin_id).response] == [made.name]
    assert [x["name"] for x in api.get_plugin_system_exports().response] == [made.name]
    assert api.delete_plugin_export(plugin_id, made.name).response == []

    committed = api.post_commit_plugin_instance(instance_id, name="sdkapp", version="3", description="committed").response
    assert committed.uuid.startswith("sha256:")
    assert api.delete_plugin_instance(instance_id).response.deleted is True
    assert api.get_plugin_instance_firewall is not None and api.get_plugin_instances().response == []
    for plugin in api.get_plugins().response:
        assert api.delete_plugin(plugin["id"]).response.deleted is True
    assert api.get_plugins().response == []
