"""Children that cannot outlive the daemon, and recovery after kill -9.

A licensed controller with a WireGuard and an OpenVPN client connected: SIGKILL to the
daemon ends wireguard-go and openvpn with it (PR_SET_PDEATHSIG, spawned from one thread),
the restarted daemon brings the overlay back and the clients reconnect; each child killed
on its own is started again, and the operator hears of it (process_restarted)."""

import os
import signal
import subprocess
import threading
import time

import pytest

from receiver import Receiver
from weftnet import wait_until

TOKEN = "recovery-test-token"
CONTROLLER = "100.127.255.253"


@pytest.fixture(scope="module")
def licensed(lab):
    c = lab.add_controller()
    r = c.request("PUT", "/api/license", raw="recovery test licence", headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    assert c.put("/api/license/parameters", {"default": True}).status_code == 200
    wait_until(lambda: c.get_or_none("/api/config") is None, timeout=15, interval=0.1, what="licence restart")
    c.wait_ready()
    c.make_keyset(TOKEN)
    c.wait_applied("overlay")
    c.wait_applied("openvpn")
    return c


@pytest.fixture(scope="module")
def clients(lab, licensed):
    wg, ovpn = lab.add_wireguard_client(), lab.add_wireguard_client()
    wg.connect(licensed.get("/api/clientpack?name=100_127_255_193&fileformat=wireguard").text, "100.127.255.193/26")
    ovpn.connect_openvpn(licensed.get("/api/clientpack?name=100_127_255_194&fileformat=ovpn").text)
    wait_until(lambda: wg.ping(CONTROLLER), timeout=15, what="WireGuard client reaches the controller")
    wait_until(lambda: ovpn.ping(CONTROLLER), timeout=15, what="OpenVPN client reaches the controller")
    return wg, ovpn


def processes(c):
    """{pid: (command name, parent pid)} of every process in the controller's namespace."""
    found = {}
    for pid in subprocess.run(["ip", "netns", "pids", c.ns], capture_output=True, text=True).stdout.split():
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except FileNotFoundError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            found[int(pid)] = (name, int(fields[1]))
    return found


def child(c, name):
    return next((pid for pid, (comm, parent) in processes(c).items() if comm == name and parent == c.pid), None)


def all_ok(c):
    """The subsystems, when every one reports ok (None while any does not, or no answer)."""
    r = c.get_or_none("/api/status")
    if r is None or r.status_code != 200:
        return None
    found = r.json()["response"]["weft"]["subsystems"]
    return found if found and all(s["status"] == "ok" for s in found.values()) else None


def test_children_lead_their_own_process_groups(licensed):
    for name in ("wireguard-go", "openvpn"):
        pid = wait_until(lambda: child(licensed, name), timeout=10, what=f"{name} is a child of the daemon")
        assert os.getpgid(pid) == pid, name
        # Recorded for the next daemon, by PID and start time.
        assert (licensed.data_dir / "run" / "children" / str(pid)).exists(), name


def test_kill_9_of_the_daemon_ends_its_children_and_the_restart_recovers(licensed, clients):
    wg, ovpn = clients
    before = processes(licensed)
    names = {name for name, _ in before.values()}
    assert {"wireguard-go", "openvpn"} <= names, before
    licensed.stop(sig=signal.SIGKILL)
    # Nothing of the old daemon is left: no orphan holds tun0, tun1 or UDP 1194.
    wait_until(lambda: not processes(licensed), timeout=10, what=f"no process left in {licensed.ns} (was {before})")

    started = time.monotonic()
    licensed.start()
    ok = wait_until(lambda: all_ok(licensed), timeout=60, what="every subsystem ok after the restart")
    assert {"overlay", "openvpn", "firewall"} <= set(ok), ok
    wait_until(lambda: wg.ping(CONTROLLER), timeout=30, what="WireGuard client reconnects")
    wait_until(lambda: ovpn.ping(CONTROLLER), timeout=30, what="OpenVPN client reconnects")
    print(f"kill -9 → both clients through again in {time.monotonic() - started:.1f}s")
    # The new children are the new daemon's, and only one of each runs.
    now = processes(licensed)
    for name in ("wireguard-go", "openvpn"):
        mine = [pid for pid, (comm, parent) in now.items() if comm == name]
        assert len(mine) == 1 and now[mine[0]][1] == licensed.pid, (name, now)


@pytest.mark.parametrize("name", ["wireguard-go", "openvpn"])
def test_a_killed_child_is_started_again_and_raises_process_restarted(licensed, clients, name):
    wg, ovpn = clients
    receiver = Receiver()
    alert = licensed.response("POST", "/api/alert", {"name": f"restarts-{name}", "url": receiver.url("/ok"),
                                                    "events": ["process_restarted"]})
    try:
        pid = wait_until(lambda: child(licensed, name), timeout=10, what=f"{name} running")
        os.kill(pid, signal.SIGKILL)
        fresh = wait_until(lambda: (p := child(licensed, name)) and p != pid and p, timeout=20, what=f"{name} started again")
        assert fresh != pid
        alerts = wait_until(lambda: [b for b in receiver.bodies("/ok") if b.get("event") == "process_restarted"], timeout=20,
                            what="process_restarted alert")
        assert name in alerts[0]["message"], alerts
        wait_until(lambda: all_ok(licensed), timeout=30, what="every subsystem ok again")
        client = wg if name == "wireguard-go" else ovpn
        wait_until(lambda: client.ping(CONTROLLER), timeout=30, what=f"client through again after {name} restarted")
    finally:
        licensed.response("DELETE", f"/api/alert/{alert['id']}")
        receiver.stop()


def test_thousands_of_spawns_while_the_reconcilers_run(licensed, clients):
    """The crash this guards against was a race in concurrent spawning: many API requests
    that run tools (interface reads run ip) at once, while clientpacks are
    toggled and the reconcilers apply; the daemon stays up and converges."""
    wg, _ = clients
    errors = []
    done = threading.Event()

    def reader():
        while not done.is_set():
            for path in ("/api/interfaces", "/api/interfaces/system", "/api/status"):
                try:
                    r = licensed.get_or_none(path)
                    if r is not None and r.status_code >= 500:
                        errors.append((path, r.status_code, r.text[:200]))
                except Exception as error:  # connection refused would mean the daemon died
                    errors.append((path, repr(error)))

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(24)]
    for thread in threads:
        thread.start()
    try:
        for round in range(20):
            name = f"100_127_255_{200 + round % 10}"
            licensed.response("PUT", "/api/clientpack", {"name": name, "enabled": round % 2 == 1})
            time.sleep(0.3)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=30)
    assert licensed.alive(), "the daemon died under concurrent spawning"
    assert not errors, errors[:5]
    wait_until(lambda: all_ok(licensed), timeout=30, what="every subsystem ok after the storm")
    assert wg.ping(CONTROLLER)


def test_event_logs_survive_a_kill_9(licensed, clients):
    """Clientpack connect logs and alert delivery logs are in the store, not only in memory."""
    receiver = Receiver()
    alert = licensed.response("POST", "/api/alert", {"name": "events-kept", "url": receiver.url("/ok"), "events": ["all"]})
    try:
        licensed.response("POST", f"/api/alert/{alert['id']}/test", {})
        deliveries = wait_until(lambda: licensed.response("GET", f"/api/alert/{alert['id']}/deliveries"), timeout=20,
                                what="a delivery in the log")
        logs = wait_until(lambda: licensed.response("GET", "/api/clientpacks/100_127_255_193/logs"), timeout=20, what="connect events")
        licensed.stop(sig=signal.SIGKILL)
        licensed.start()
        after = licensed.response("GET", "/api/clientpacks/100_127_255_193/logs")
        assert after[:len(logs)] == logs, (logs, after)
        kept = licensed.response("GET", f"/api/alert/{alert['id']}/deliveries")
        assert kept[:len(deliveries)] == deliveries, (deliveries, kept)
        wait_until(lambda: all_ok(licensed), timeout=60, what="every subsystem ok after the restart")
    finally:
        licensed.response("DELETE", f"/api/alert/{alert['id']}")
        receiver.stop()


def test_an_alert_delivery_being_retried_survives_a_kill_9(licensed, clients):
    """A delivery that failed and waits for its next attempt is in the store's outbox: the
    daemon killed in between sends it again after the restart."""
    receiver = Receiver()
    alert = licensed.response("POST", "/api/alert", {"name": "outbox", "url": receiver.url("/fail"), "events": ["process_restarted"]})
    try:
        os.kill(wait_until(lambda: child(licensed, "openvpn"), timeout=10, what="openvpn running"), signal.SIGKILL)
        wait_until(lambda: [b for b in receiver.bodies("/fail") if b.get("event") == "process_restarted"], timeout=20,
                   what="the first, failing, delivery")
        # Retries follow 0.5, 1, 2 and 4 s apart: the daemon dies before they are done.
        licensed.stop(sig=signal.SIGKILL)
        seen = len(receiver.bodies("/fail"))
        licensed.start()
        again = wait_until(lambda: receiver.bodies("/fail")[seen:], timeout=30, what="the interrupted delivery sent again")
        assert all(b.get("event") == "process_restarted" for b in again), again
        wait_until(lambda: all_ok(licensed), timeout=60, what="every subsystem ok after the restart")
    finally:
        licensed.response("DELETE", f"/api/alert/{alert['id']}")
        receiver.stop()
