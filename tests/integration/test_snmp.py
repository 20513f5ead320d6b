"""SNMP for real: the controller's read-only v1/v2c agent (`weft serve --snmp-port 161
--snmp-community vns3public`, the defaults) behind the controller firewall, walked with
net-snmp's tools from the client namespace.

The firewall's INPUT policy drops UDP 161 until a customer rule allows it; the agent
itself always listens (on every address), so from inside the controller's namespace
(loopback is always allowed) it answers at once.
"""

import re
import socket
import subprocess
import time

import pytest

import snmpfuzz
from weftnet import sh, wait_until, weft_binary

COMMUNITY = "vns3public"
ALLOW_SNMP = "INPUT_CUST -p udp -s 198.18.0.0/24 --dport 161 -j ACCEPT"
SYSTEM = "1.3.6.1.2.1.1"
IF_ENTRY = "1.3.6.1.2.1.2.2.1"
IF_X_ENTRY = "1.3.6.1.2.1.31.1.1.1"
WEFT = "1.3.6.1.4.1.99999.1"
LINE = re.compile(r"^(\.[0-9.]+) = (?:([A-Za-z0-9-]+): )?(.*)$")


def snmp(tool: str, target: str, *args: str, version: str = "2c", community: str = COMMUNITY,
         timeout: float = 1, retries: int = 1) -> subprocess.CompletedProcess:
    """Runs a net-snmp tool with numeric output and no MIB files."""
    return subprocess.run([tool, f"-v{version}", "-c", community, "-On", "-m", "", "-t", str(timeout),
                           "-r", str(retries), target, *args], capture_output=True, text=True, timeout=300)


def parse(output: str) -> dict[str, tuple[str, str]]:
    """`.oid = TYPE: value` lines → {oid without the leading dot: (type, value)}, in order."""
    objects = {}
    for line in output.splitlines():
        match = LINE.match(line)
        if match and not match.group(3).startswith("No more variables"):
            objects[match.group(1)[1:]] = (match.group(2) or "", match.group(3).strip('"'))
    return objects


def arcs(oid: str) -> tuple[int, ...]:
    return tuple(int(a) for a in oid.split("."))


def walk(c, root: str, tool: str = "snmpwalk", **kw) -> dict[str, tuple[str, str]]:
    result = snmp(tool, c.ip, root, **kw)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "not increasing" not in result.stderr, result.stderr
    return parse(result.stdout)


def octets(kind: str, value: str) -> bytes:
    """An OCTET STRING as snmpwalk prints it: as hex, or as text when every octet is printable."""
    return bytes.fromhex(value) if kind == "Hex-STRING" else value.encode("latin-1")


def column(objects: dict, entry: str, number: int) -> dict[int, tuple[str, str]]:
    """{ifIndex: (type, value)} of one table column."""
    prefix = f"{entry}.{number}."
    return {int(oid[len(prefix):]): value for oid, value in objects.items() if oid.startswith(prefix)}


def put_rules(c, rules):
    r = c.put("/api/firewall", {"rules": "\n".join(rules)})
    assert r.status_code == 200, r.text
    c.wait_applied("firewall")


def answers_locally(c, port: int = 161, community: str = COMMUNITY) -> bool:
    result = c.in_ns("snmpget", "-v2c", "-c", community, "-On", "-m", "", "-t", "1", "-r", "0",
                     f"127.0.0.1:{port}", f"{SYSTEM}.5.0", check=False)
    return result.returncode == 0 and f".{SYSTEM}.5.0 = STRING" in result.stdout


@pytest.fixture(scope="module")
def controller(lab):
    """A controller whose firewall lets the client bridge reach UDP 161."""
    c = lab.add_controller()
    put_rules(c, [])
    wait_until(lambda: answers_locally(c), timeout=30, what="SNMP agent listening")
    r = c.post("/api/firewall/rules", {"rule": ALLOW_SNMP, "position": 0})
    assert r.status_code == 200, r.text
    c.wait_applied("firewall")
    return c


def test_the_firewall_drops_snmp_until_a_rule_allows_it(lab):
    c = lab.add_controller()
    try:
        put_rules(c, [])
        wait_until(lambda: answers_locally(c), timeout=30, what="SNMP agent listening")
        blocked = snmp("snmpwalk", c.ip, SYSTEM, timeout=1, retries=0)
        assert blocked.returncode != 0 and "Timeout" in blocked.stdout + blocked.stderr, blocked
        r = c.post("/api/firewall/rules", {"rule": ALLOW_SNMP, "position": 0})
        assert r.status_code == 200, r.text
        c.wait_applied("firewall")
        system = walk(c, SYSTEM)
        assert system[f"{SYSTEM}.1.0"][0] == "STRING" and system[f"{SYSTEM}.5.0"][1]
        # Taking the rule away closes it again.
        put_rules(c, [])
        assert snmp("snmpget", c.ip, f"{SYSTEM}.5.0", retries=0).returncode != 0
    finally:
        c.stop()


def test_system_group(controller):
    system = walk(controller, SYSTEM)
    assert [oid for oid in system] == [f"{SYSTEM}.{n}.0" for n in range(1, 8)]
    assert system[f"{SYSTEM}.1.0"][0] == "STRING" and "weft" in system[f"{SYSTEM}.1.0"][1].lower()
    assert system[f"{SYSTEM}.2.0"] == ("OID", ".1.3.6.1.4.1.99999.2.1")
    assert system[f"{SYSTEM}.3.0"][0] == "Timeticks"
    assert system[f"{SYSTEM}.5.0"][0] == "STRING" and system[f"{SYSTEM}.5.0"][1]
    assert system[f"{SYSTEM}.7.0"][0] == "INTEGER"


def test_if_table_lists_eth0_and_lo(controller):
    table = walk(controller, "1.3.6.1.2.1.2")
    names = {value for _, value in column(table, IF_ENTRY, 2).values()}
    assert {"eth0", "lo"} <= names, names
    assert table["1.3.6.1.2.1.2.1.0"] == ("INTEGER", str(len(names)))
    index = {value: i for i, (_, value) in column(table, IF_ENTRY, 2).items()}
    eth0, lo = index["eth0"], index["lo"]
    assert column(table, IF_ENTRY, 3)[lo] == ("INTEGER", "24")      # softwareLoopback
    assert column(table, IF_ENTRY, 3)[eth0] == ("INTEGER", "6")     # ethernetCsmacd (veth)
    assert column(table, IF_ENTRY, 8)[eth0] == ("INTEGER", "1")     # up
    assert column(table, IF_ENTRY, 4)[eth0] == ("INTEGER", controller.in_ns("cat", "/sys/class/net/eth0/mtu").stdout.strip())
    mac = controller.in_ns("cat", "/sys/class/net/eth0/address").stdout.strip()
    assert octets(*column(table, IF_ENTRY, 6)[eth0]) == bytes.fromhex(mac.replace(":", ""))
    assert column(table, IF_ENTRY, 10)[eth0][0] == "Counter32"
    x = walk(controller, IF_X_ENTRY)
    assert column(x, IF_X_ENTRY, 1)[eth0] == ("STRING", "eth0")
    assert column(x, IF_X_ENTRY, 6)[eth0][0] == "Counter64"


def in_octets(c, index: int) -> tuple[int, int]:
    got = parse(snmp("snmpget", c.ip, f"{IF_ENTRY}.10.{index}", f"{IF_X_ENTRY}.6.{index}").stdout)
    return int(got[f"{IF_ENTRY}.10.{index}"][1]), int(got[f"{IF_X_ENTRY}.6.{index}"][1])


def test_eth0_in_octets_grow_with_traffic(controller):
    names = column(walk(controller, f"{IF_ENTRY}.2"), IF_ENTRY, 2)
    eth0 = next(i for i, (_, name) in names.items() if name == "eth0")
    before32, before64 = in_octets(controller, eth0)
    # 800 datagrams of 1400 bytes (1.12 MB of payload) to a port the firewall drops: the
    # device counts them all the same. Paced so that no queue overflows.
    payload, count = b"\xa5" * 1400, 800
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(count):
            s.sendto(payload, (controller.ip, 9))
            if i % 50 == 49:
                time.sleep(0.005)  # pacing, not waiting for a state
    sent = len(payload) * count

    def grown():
        after32, after64 = in_octets(controller, eth0)
        return (after32 - before32) % (1 << 32) >= sent and after64 - before64 >= sent
    wait_until(grown, timeout=15, interval=0.3, what=f"ifInOctets.{eth0} to grow by {sent}")


def test_weft_enterprise_subtree(controller):
    weft = walk(controller, WEFT)
    assert list(weft) == [f"{WEFT}.{n}.0" for n in range(1, 7)]
    for n in range(1, 6):
        assert weft[f"{WEFT}.{n}.0"][0] == "Gauge32"
    kind, version = weft[f"{WEFT}.6.0"]
    assert kind == "STRING" and version
    assert version in sh(weft_binary(), "version").stdout


def test_wrong_community_gets_no_answer(controller):
    result = snmp("snmpget", controller.ip, f"{SYSTEM}.5.0", community="not-the-community", retries=0)
    assert result.returncode != 0 and "Timeout" in result.stdout + result.stderr


def test_walks_are_complete_and_ordered_in_v1_v2c_and_bulk(controller):
    v2 = walk(controller, ".1")
    oids = [arcs(oid) for oid in v2]
    assert oids == sorted(oids) and len(set(oids)) == len(oids)
    assert any(oid.startswith(IF_X_ENTRY) for oid in v2) and any(oid.startswith(WEFT) for oid in v2)
    bulk = walk(controller, ".1", tool="snmpbulkwalk")
    assert list(bulk) == list(v2)
    v1 = snmp("snmpwalk", controller.ip, ".1", version="1")
    assert v1.returncode == 0 and "not increasing" not in v1.stderr, v1.stderr
    v1_objects = parse(v1.stdout)
    assert "Counter64" not in {kind for kind, _ in v1_objects.values()}
    assert list(v1_objects) == [oid for oid, (kind, _) in v2.items() if kind != "Counter64"]


def test_set_is_refused(controller):
    result = subprocess.run(["snmpset", "-v2c", "-c", COMMUNITY, "-On", "-m", "", "-t", "1", "-r", "1",
                             controller.ip, f"{SYSTEM}.5.0", "s", "renamed"], capture_output=True, text=True)
    assert result.returncode != 0 and "notWritable" in result.stdout + result.stderr, result
    assert walk(controller, f"{SYSTEM}.5")[f"{SYSTEM}.5.0"][1] != "renamed"


def test_malformed_packets_do_not_kill_the_daemon(controller):
    packets = snmpfuzz.corpus(200, seed=161, community=COMMUNITY)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for packet in packets:
            s.sendto(packet, (controller.ip, 161))
    assert controller.alive()
    got = snmp("snmpget", controller.ip, f"{SYSTEM}.5.0")
    assert got.returncode == 0 and f".{SYSTEM}.5.0 = STRING" in got.stdout, got
    assert controller.get("/api/config").status_code == 200


def test_port_and_community_options(lab):
    c = lab.add_controller(extra_args=["--snmp-port", "1161", "--snmp-community", "weft-s3cret"])
    try:
        put_rules(c, ["INPUT_CUST -p udp -s 198.18.0.0/24 --dport 1161 -j ACCEPT"])
        wait_until(lambda: answers_locally(c, port=1161, community="weft-s3cret"), timeout=30, what="agent on 1161")
        got = snmp("snmpget", f"{c.ip}:1161", f"{SYSTEM}.5.0", community="weft-s3cret")
        assert got.returncode == 0 and "STRING" in got.stdout, got
        assert snmp("snmpget", f"{c.ip}:1161", f"{SYSTEM}.5.0", retries=0).returncode != 0
    finally:
        c.stop()
