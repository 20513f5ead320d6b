"""The firewall for real: VNS3 rules through the API into iptables in a router namespace,
with traffic from the client namespace to a host behind the controller."""

import pytest

from weftnet import tcp_ask, wait_until

FORWARD_INSIDE = "FORWARD_CUST -i eth0 -o eth1 -j ACCEPT"


@pytest.fixture(scope="module")
def router(lab):
    """Controller with an inside network 198.19.1.0/24 and an echo server on 198.19.1.2."""
    c = lab.add_controller()
    host = lab.add_inside_host(c, 1)
    host.serve(9000, 9001, 9002)
    c.host_behind = host
    return c


def put_rules(c, rules, force=False, expect=200):
    body = {"rules": "\n".join(rules)}
    if force:
        body["force"] = True
    r = c.put("/api/firewall", body)
    assert r.status_code == expect, r.text
    if expect == 200:
        c.wait_applied("firewall")
    return r


def iptables_save(c) -> str:
    text = ""
    for table in ("filter", "nat", "mangle"):
        out = c.in_ns("iptables-save", "-t", table).stdout
        text += "\n".join(line for line in out.splitlines() if not line.startswith("#"))
    # Counters change with traffic; compare rules only.
    return "\n".join(line.split(" [")[0] if line.startswith(":") else line for line in text.splitlines())


def test_default_policy_keeps_the_api_and_drops_the_rest(router):
    put_rules(router, [])
    filter_table = router.in_ns("iptables-save", "-t", "filter").stdout
    assert "-A INPUT -j WEFT_INPUT" in filter_table
    assert "-A WEFT_INPUT -p tcp -m tcp --dport 8000 -j ACCEPT" in filter_table
    assert filter_table.count("-A INPUT -j WEFT_INPUT") == 1
    # Forwarding to the inside is dropped by default ...
    assert tcp_ask(router.host_behind.ip, 9000) is None
    # ... and the API still answers (we are talking to it).
    assert router.get("/api/config").status_code == 200


def test_masquerade_makes_the_server_see_the_router(router):
    put_rules(router, [FORWARD_INSIDE])
    assert tcp_ask(router.host_behind.ip, 9000) == "198.18.0.1 9000"
    put_rules(router, [FORWARD_INSIDE, "MACRO_CUST -o eth1 -s 198.18.0.0/24 -j MASQUERADE"])
    assert tcp_ask(router.host_behind.ip, 9000) == "198.19.1.1 9000"


def test_dnat_port_forward_reaches_the_inner_host(router):
    put_rules(router, ["PREROUTING_CUST -i eth0 -p tcp --dport 3389 -j DNAT --to 198.19.1.2:9001"])
    assert tcp_ask(router.ip, 3389) == "198.18.0.1 9001"
    put_rules(router, [])
    assert tcp_ask(router.ip, 3389) is None


def test_netmap_maps_an_imaginary_subnet_to_the_real_one(lab, router):
    from weftnet import in_ns
    in_ns(lab.client_ns, "ip", "route", "replace", "198.19.99.0/24", "via", router.ip)
    put_rules(router, [FORWARD_INSIDE, "PREROUTING_CUST -i eth0 -d 198.19.99.0/24 -j NETMAP --to 198.19.1.0/24"])
    assert tcp_ask("198.19.99.2", 9000) == "198.18.0.1 9000"


def test_rule_order_decides(router):
    drop = "FORWARD_CUST -p tcp --dport 9002 -j DROP"
    put_rules(router, [drop, FORWARD_INSIDE])
    assert tcp_ask(router.host_behind.ip, 9002) is None
    assert tcp_ask(router.host_behind.ip, 9000) is not None
    put_rules(router, [FORWARD_INSIDE, drop])
    assert tcp_ask(router.host_behind.ip, 9002) == "198.18.0.1 9002"


def test_v1_positions_and_v2_ids(router):
    put_rules(router, ["FORWARD_CUST -p tcp --dport 9002 -j DROP"])
    r = router.post("/api/firewall/rules", {"rule": FORWARD_INSIDE, "position": 0})
    assert r.status_code == 200 and r.json()["response"]["status"] == "submitted"
    router.wait_applied("firewall")
    assert router.response("GET", "/api/firewall/rules") == [
        [FORWARD_INSIDE, 0], ["FORWARD_CUST -p tcp --dport 9002 -j DROP", 1]]
    assert router.response("GET", "/api/v2/firewall/rules") == router.response("GET", "/api/firewall/rules")
    assert tcp_ask(router.host_behind.ip, 9002) == "198.18.0.1 9002"
    detailed = router.response("GET", "/api/v2/firewall/rules?state=active")
    drop_id = next(rule["id"] for rule in detailed if "9002" in rule["rule"])
    router.response("PUT", f"/api/v2/firewall/rules/{drop_id}", {"disabled": True})
    assert router.response("DELETE", "/api/firewall/rules", {"rule": FORWARD_INSIDE})["position"] == 0
    router.wait_applied("firewall")
    assert tcp_ask(router.host_behind.ip, 9000) is None
    r = router.delete("/api/firewall/rules/5")
    assert r.status_code == 404


BAD_RULES = [
    ("FORWARD_CUST -p tcp --dport 22 -j EXPLODE", "EXPLODE"),
    ("FORWARD_CUST -s 10.0.0.0/40 -j DROP", "10.0.0.0/40"),
    ("NOSUCH_CUST -j DROP", "NOSUCH_CUST"),
    ("FORWARD_CUST -m set --match-set NETS_none src -j DROP", "NETS_none"),
    ("INPUT_CUST -p tcp --dport 8000 -j DROP", "8000"),
    ("INPUT_CUST -j DROP", "8000"),
]


@pytest.mark.parametrize("bad,word", BAD_RULES)
def test_bad_rule_set_changes_nothing(router, bad, word):
    put_rules(router, [FORWARD_INSIDE])
    before, generation = iptables_save(router), router.generation()
    r = put_rules(router, [FORWARD_INSIDE, bad], expect=400)
    error = r.json()["error"]
    assert "rule 1" in error["message"] and word in error["message"], error
    assert router.generation() == generation
    assert iptables_save(router) == before
    assert router.response("GET", "/api/firewall/rules") == [[FORWARD_INSIDE, 0]]


def test_forced_lockout_applies_and_cuts_the_api_off(lab):
    c = lab.add_controller()
    r = c.put("/api/firewall", {"rules": "INPUT_CUST -p tcp --dport 8000 -j DROP", "force": True})
    assert r.status_code == 200
    wait_until(lambda: c.get_or_none("/api/config") is None, timeout=30, what="API cut off")
    rules = c.in_ns("iptables-save", "-t", "filter").stdout
    assert "-A INPUT_CUST -p tcp -m tcp --dport 8000 -j DROP" in rules
    c.stop()


def test_rule_counters_move_with_traffic(router):
    drop = "FORWARD_CUST -p tcp --dport 9002 -j DROP"
    put_rules(router, [drop, FORWARD_INSIDE])

    def counters():
        return {r["rule"]: r["packets"] for r in router.response("GET", "/api/v2/firewall/rules?osview=True")}

    before = counters()
    assert before[drop] is not None
    assert tcp_ask(router.host_behind.ip, 9002, timeout=1.0) is None
    assert tcp_ask(router.host_behind.ip, 9000) is not None
    after = counters()
    assert after[drop] > before[drop], (before, after)
    assert after[FORWARD_INSIDE] > before[FORWARD_INSIDE]

    # Replacing the rule set (one rule added in front) keeps the counts of the unchanged
    # rules: the restore carries them as [packets:bytes] (iptables-restore --counters).
    added = "FORWARD_CUST -p tcp --dport 9003 -j DROP"
    put_rules(router, [added, drop, FORWARD_INSIDE])
    kept = counters()
    assert kept[added] == 0
    assert kept[drop] >= after[drop] and kept[FORWARD_INSIDE] >= after[FORWARD_INSIDE], (after, kept)


def test_fwset_blocks_and_unblocks_without_touching_rules(router):
    r = router.post("/api/v2/firewall/fwsets", {"name": "NETS_block", "type": "net", "description": "blocked clients",
                                                "entries": [{"entry": "192.0.2.0/24", "comment": "docs"}]})
    assert r.status_code == 200, r.text
    block = "FORWARD_CUST -m set --match-set NETS_block src -j DROP"
    put_rules(router, [block, FORWARD_INSIDE])
    assert tcp_ask(router.host_behind.ip, 9000) == "198.18.0.1 9000"

    rules_before = router.in_ns("iptables-save", "-t", "filter").stdout.count("-A ")
    router.response("POST", "/api/v2/firewall/fwsets/NETS_block/entries", {"entry": "198.18.0.1"})
    router.wait_applied("firewall")
    assert "198.18.0.1" in router.in_ns("ipset", "list", "NETS_block").stdout
    assert tcp_ask(router.host_behind.ip, 9000) is None
    router.response("DELETE", "/api/v2/firewall/fwsets/NETS_block/entries", {"entry": "198.18.0.1"})
    router.wait_applied("firewall")
    assert tcp_ask(router.host_behind.ip, 9000) == "198.18.0.1 9000"
    assert router.in_ns("iptables-save", "-t", "filter").stdout.count("-A ") == rules_before

    # v1 view of the same set, and a v1 port set.
    assert router.response("GET", "/api/firewall/fwsets?name=NETS_block") == ["NETS_block 192.0.2.0/24"]
    r = router.post("/api/firewall/fwsets", {"rules": "PORTS_web 9000\nPORTS_web 9100-9200"})
    assert r.status_code == 200, r.text
    assert router.response("GET", "/api/v2/firewall/fwsets/PORTS_web")["entries"] == [
        {"entry": "9000", "comment": ""}, {"entry": "9100-9200", "comment": ""}]
    put_rules(router, ["FORWARD_CUST -p tcp -m set --match-set PORTS_web dst -j DROP", FORWARD_INSIDE])
    assert tcp_ask(router.host_behind.ip, 9000) is None
    assert tcp_ask(router.host_behind.ip, 9001) == "198.18.0.1 9001"


def test_fwset_bad_input_changes_nothing(router):
    put_rules(router, ["FORWARD_CUST -p tcp -m set --match-set PORTS_web dst -j DROP", FORWARD_INSIDE])
    generation, sets = router.generation(), router.in_ns("ipset", "list", "-n").stdout
    cases = [
        ("DELETE", "/api/v2/firewall/fwsets/PORTS_web", {}, 400, "PORTS_web"),           # still referenced by rule 0
        ("POST", "/api/firewall/fwsets", {"rules": "BAD_prefix 1.2.3.4"}, 400, "NETS_"),
        ("POST", "/api/v2/firewall/fwsets", {"name": "NETS_x", "type": "net", "entries": ["10.0.0.0/33"]}, 400, "10.0.0.0/33"),
        ("POST", "/api/v2/firewall/fwsets", {"name": "PORTS_x", "type": "port", "entries": ["70000"]}, 400, "70000"),
        ("POST", "/api/v2/firewall/fwsets", {"name": "bad name!", "type": "net"}, 400, "bad name!"),
        ("POST", "/api/v2/firewall/fwsets", {"name": "NETS_block", "type": "net"}, 409, "exists"),
        ("POST", "/api/v2/firewall/fwsets", {"name": "S_x", "type": "service"}, 400, "service"),
    ]
    for method, path, body, status, word in cases:
        r = router.request(method, path, body=body)
        assert r.status_code == status, (path, body, r.text)
        assert word in r.json()["error"]["message"], r.text
    assert router.generation() == generation
    assert router.in_ns("ipset", "list", "-n").stdout == sets


def test_copy_macro_delivers_a_copy_while_the_original_arrives(lab, router):
    import subprocess
    import time
    capture = lab.add_inside_host(router, 3)   # 198.19.3.2 behind the router's eth3
    dump = subprocess.Popen(["ip", "netns", "exec", capture.ns, "tcpdump", "-n", "-l", "-i", "eth0", "-c", "3",
                             "tcp and dst host 198.19.1.2 and dst port 9000"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        put_rules(router, [FORWARD_INSIDE, "MACRO_CUST -j COPY --from eth0 --to 198.19.3.2"])
        mangle = router.in_ns("iptables-save", "-t", "mangle").stdout
        assert "-A WEFT_COPY_IN -i eth0 -j TEE --gateway 198.19.3.2" in mangle
        time.sleep(1)  # tcpdump attaches
        for _ in range(3):
            assert tcp_ask(router.host_behind.ip, 9000) == "198.18.0.1 9000"   # the original arrives
        out, _ = dump.communicate(timeout=20)
        lines = [line for line in out.splitlines() if "198.19.1.2.9000" in line]
        assert len(lines) == 3, out                                            # and so does a copy
        assert all("198.18.0.1." in line for line in lines)
    finally:
        if dump.poll() is None:
            dump.kill()
            dump.wait()
        put_rules(router, [])


def test_subgroups_are_chains_rules_jump_to(router):
    r = router.post("/api/firewall/rules/subgroup", {"name": "FWD_C_inside", "rules": "-p tcp --dport 9002 -j DROP"})
    assert r.status_code == 200, r.text
    assert router.response("GET", "/api/firewall/rules/subgroup?name=FWD_C_inside") == [
        ["FWD_C_inside"], ["FWD_C_inside -p tcp --dport 9002 -j DROP"]]
    put_rules(router, ["FORWARD_CUST -i eth0 -j FWD_C_inside", FORWARD_INSIDE])
    assert "-A FWD_C_inside -p tcp -m tcp --dport 9002 -j DROP" in router.in_ns("iptables-save", "-t", "filter").stdout
    assert tcp_ask(router.host_behind.ip, 9002) is None
    assert tcp_ask(router.host_behind.ip, 9000) == "198.18.0.1 9000"

    # Still jumped to: refused, nothing changes.
    generation = router.generation()
    r = router.delete("/api/firewall/rules/subgroup", {"name": "FWD_C_inside"})
    assert r.status_code == 400 and "FWD_C_inside" in r.json()["error"]["message"], r.text
    assert router.generation() == generation

    put_rules(router, [FORWARD_INSIDE])
    assert router.delete("/api/firewall/rules/subgroup", {"name": "FWD_C_inside"}).status_code == 200
    router.wait_applied("firewall")
    assert "FWD_C_inside" not in router.in_ns("iptables-save", "-t", "filter").stdout
    assert tcp_ask(router.host_behind.ip, 9002) == "198.18.0.1 9002"
    r = router.post("/api/firewall/rules/subgroup", {"name": "BAD_C_x", "rules": "-j DROP"})
    assert r.status_code == 400 and "INP_C_" in r.json()["error"]["message"]


def test_reset_connection_tracking_action(router):
    put_rules(router, [FORWARD_INSIDE])
    assert tcp_ask(router.host_behind.ip, 9000) is not None
    tracked = router.in_ns("conntrack", "-L", "-d", router.host_behind.ip, check=False).stdout
    assert router.host_behind.ip in tracked
    r = router.put("/api/v2/firewall/actions", {"action": "reset_connection_tracking"})
    assert r.status_code == 200, r.text
    assert router.host_behind.ip not in router.in_ns("conntrack", "-L", "-d", router.host_behind.ip, check=False).stdout
    r = router.put("/api/firewall/actions", {"action": "reboot_everything"})
    assert r.status_code == 400 and "reset_connection_tracking" in r.json()["error"]["message"]


def test_v2_subtables_and_rule_groups(router):
    r = router.post("/api/v2/firewall/subtables", {
        "name": "FWD_C_v2", "type": "FORWARD", "description": "v2 view",
        "rules": [{"rule": "-p tcp --dport 9001 -j DROP", "position": 0, "comment": "no 9001"}, "-p tcp --dport 9002 -j RETURN"]})
    assert r.status_code == 200, r.text
    table = r.json()["response"]
    assert [rule["rule"] for rule in table["rules"]] == ["FWD_C_v2 -p tcp --dport 9001 -j DROP", "FWD_C_v2 -p tcp --dport 9002 -j RETURN"]
    put_rules(router, ["FORWARD_CUST -j FWD_C_v2", FORWARD_INSIDE])
    assert tcp_ask(router.host_behind.ip, 9001) is None
    assert tcp_ask(router.host_behind.ip, 9002) == "198.18.0.1 9002"
    drop_id = table["rules"][0]["id"]
    router.response("DELETE", f"/api/v2/firewall/subtables/FWD_C_v2/rules/{drop_id}", {})
    router.wait_applied("firewall")
    assert tcp_ask(router.host_behind.ip, 9001) == "198.18.0.1 9001"
    r = router.post("/api/v2/firewall/subtables", {"name": "FWD_C_bad", "type": "INPUT"})
    assert r.status_code == 400 and "type" in r.json()["error"]["message"]

    ids = [str(rule["id"]) for rule in router.response("GET", "/api/v2/firewall/rules?state=active")]
    group = router.response("POST", "/api/v2/firewall/rule-groups", {"name": "inside", "rule_ids": ids[1:], "description": "d"})
    assert group["rule_ids"] == ids[1:] and group["rules"] == [FORWARD_INSIDE]
    assert [r["rule"] for r in router.response("GET", "/api/v2/firewall/rules?groups=inside")] == [FORWARD_INSIDE]
    router.response("POST", "/api/v2/firewall/rule-groups/inside/rules", {"rule_id": ids[0]})
    assert router.response("GET", "/api/v2/firewall/rule-groups/inside")["rule_ids"] == ids
    router.response("DELETE", "/api/v2/firewall/rule-groups/inside", {})
    assert router.response("GET", "/api/v2/firewall/rule-groups") == []
    r = router.post("/api/v2/firewall/rule-groups", {"name": "ghost", "rule_ids": ["99999"]})
    assert r.status_code == 404


def test_concurrent_rule_adds_are_grouped_and_all_land_in_kernel_order(router):
    """Group commit: 50 rule adds at once (and 5 bad ones among them) — every good one is
    stored and in the kernel, in the store's order, each answered only when live; the bad
    ones are refused on their own."""
    import threading
    put_rules(router, [])
    generation = router.generation()
    good = [f"FORWARD_CUST -s 10.77.{i}.0/24 -j DROP" for i in range(50)]
    bad = [f"FORWARD_CUST -s 10.78.{i}.0/40 -j DROP" for i in range(5)]
    requests = good + bad
    statuses = {}
    barrier = threading.Barrier(len(requests))

    def add(index):
        barrier.wait()
        r = router.post("/api/firewall/rules", {"rule": requests[index]})
        # Answered when live: an accepted rule is in the kernel already.
        live = r.status_code == 200 and requests[index].split(" -s ")[1].split(" ")[0] in \
            router.in_ns("iptables-save", "-t", "filter").stdout
        statuses[index] = (r.status_code, r.text, live)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(statuses[i][0] == 200 and statuses[i][2] for i in range(50)), [statuses[i] for i in range(50) if not statuses[i][2]][:3]
    assert all(statuses[50 + i][0] == 400 and "10.78." in statuses[50 + i][1] for i in range(5)), [statuses[50 + i] for i in range(5)]
    stored = [rule for rule, _ in router.response("GET", "/api/firewall/rules")]
    assert sorted(stored) == sorted(good)
    kernel = [line.split(" -s ")[1].split(" ")[0] for line in router.in_ns("iptables-save", "-t", "filter").stdout.splitlines()
              if " -s 10.77." in line]
    assert kernel == [rule.split(" -s ")[1].split(" ")[0] for rule in stored]
    writes = router.generation() - generation
    audit = [a for a in router.response("GET", "/api/audit?limit=200")
             if a["generation"] > generation and a["action"] == "firewall.rule.create"]
    assert len(audit) == 50
    print(f"50 concurrent adds committed in {writes} generation(s)")
    router.wait_applied("firewall")
