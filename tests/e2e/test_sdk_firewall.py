"""The SDK's firewall macros against a live controller that routes for real."""

import pytest
from cohesivenet.macros import firewall as firewall_macros

from weftnet import tcp_ask

FORWARD_INSIDE = "FORWARD_CUST -i eth0 -o eth2 -j ACCEPT"


@pytest.fixture(scope="module")
def router(lab):
    c = lab.add_controller()
    host = lab.add_inside_host(c, 2)
    host.serve(9000)
    c.host_behind = host
    return c


def test_sdk_firewall_macros(router):
    client = router.sdk()
    policy = [
        {"rule": FORWARD_INSIDE, "position": -1},
        {"rule": "MACRO_CUST -o eth2 -s 198.18.0.0/24 -j MASQUERADE", "position": -1},
    ]
    firewall_macros.create_firewall_policy(client, policy)
    router.wait_applied("firewall")
    assert tcp_ask(router.host_behind.ip, 9000) == "198.19.2.1 9000"
    # Drift: remove one rule by hand, then let the macro put it back.
    router.response("DELETE", "/api/firewall/rules/1")
    fixed = firewall_macros.assert_rule_policy(client, policy, should_fix=True)
    assert fixed == [p["rule"] for p in policy]
    router.wait_applied("firewall")
    assert tcp_ask(router.host_behind.ip, 9000) == "198.19.2.1 9000"
