"""The SDK's IPsec and routing macros against a live controller (plan-only: --no-apply; no
remote site, so the tunnel never connects — only the configuration is checked)."""

import pytest
from cohesivenet.macros import config as config_macros
from cohesivenet.macros import ipsec as ipsec_macros
from cohesivenet.macros import routing as routing_macros


@pytest.fixture(scope="module")
def controller(lab, tmp_path_factory):
    c = lab.add_controller(extra_args=["--no-apply"])
    licence = tmp_path_factory.mktemp("lic") / "license.txt"
    licence.write_text("ipsec e2e licence")
    config_macros.setup_controller(c.sdk(), topology_name="ipsec-e2e-token", license_file=str(licence),
                                   license_parameters={"default": True}, keyset_parameters={"token": "ipsec-e2e-token"},
                                   peering_id=1)
    return c


def test_create_tunnel_endpoint_macro(controller):
    result = ipsec_macros.create_tunnel_endpoint(controller.sdk(), "dc1", "averylongsecret123", "198.18.0.201",
                                                 "198.19.101.0/24", "169.254.20.0/30")
    assert result["endpoint"] and result["routes"]

    endpoints = controller.response("GET", "/api/ipsec")["remote_endpoints"]
    [endpoint] = [e for e in endpoints.values() if e["name"] == "dc1"]
    assert endpoint["ipaddress"] == "198.18.0.201" and endpoint["vpn_type"] == "vti"
    assert endpoint["ike_version"] == 2 and endpoint["nat_t_enabled"] is False   # the macro sends "False"
    assert len(endpoint["tunnels"]) == 1
    tunnel_id = next(iter(endpoint["tunnels"]))

    routes = controller.response("GET", "/api/routes")
    assert isinstance(routes, dict)
    matching = [r for r in routes.values() if r["cidr"] == "198.19.101.0/24"]
    assert len(matching) == 1, routes
    assert str(matching[0]["tunnel"]) == str(tunnel_id)
    assert matching[0]["description"] == "Route to None via tunnel"


def test_create_route_table_macro_is_idempotent(controller):
    def table():
        return [{"cidr": f"198.19.{n}.0/24", "description": f"dc route {n}", "interface": "eth0",
                 "gateway": "198.18.0.1", "advertise": False, "metric": 0} for n in (60, 61)]

    client = controller.sdk()
    before = len(controller.response("GET", "/api/routes"))
    successes, errors = routing_macros.create_route_table(client, table())
    assert errors == [] and len(successes) == 2
    routes = controller.response("GET", "/api/routes")
    assert len(routes) == before + 2
    created = {r["cidr"]: r for r in routes.values() if r["cidr"] in ("198.19.60.0/24", "198.19.61.0/24")}
    assert set(created) == {"198.19.60.0/24", "198.19.61.0/24"}
    assert all(r["interface"] == "eth0" and r["gateway"] == "198.18.0.1" and r["advertise"] is False
               for r in created.values()), created

    routing_macros.create_route_table(client, table())
    assert len(controller.response("GET", "/api/routes")) == before + 2
