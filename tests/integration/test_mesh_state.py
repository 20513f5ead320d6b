"""The mesh key state (issue 26) where it is hardest to keep: three controllers peered with
the SDK's macros, as in test_mesh.py.

- A burst of writes on controller 1 and on controller 2 while controller 2's whole
  namespace is killed (SIGKILL) in the middle of it: after controller 2 restarts on its
  data directory, every acknowledged change is on every controller and the digests agree.
- A snapshot taken on controller 1 before a disable made on controller 2, imported on
  controller 1 afterwards: the newer disable wins there again and is never undone elsewhere.
- A fourth controller peered later receives the whole current key state.
- Concurrent writes to one controller, and writes on two controllers at once, all reach
  every controller. (They found a lost update: each write used to start from the snapshot
  read outside the store transaction, so a write or merge committed in between was
  recorded as reverted, with a newer stamp, and the revert replicated everywhere. Writes now
  change the states as the store holds them inside their transaction.)

Every wait polls until the state converges; the seconds it took are printed, not asserted."""

import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests

from test_mesh import digests_agree, peered
from weftnet import wait_until

TOKEN = "mesh-state-test-token"
# The fields of a clientpack the mesh replicates, as GET /api/clientpacks shows them.
KEY_STATE = ("enabled", "checked_out", "tags", "owner", "description", "expires_at")


@pytest.fixture(scope="module")
def mesh(lab):
    controllers = peered(lab, TOKEN, "mesh state test licence")
    wait_until(lambda: digests_agree(controllers), timeout=60, what="the three controllers exchanging key state")
    yield controllers
    for c in controllers:
        c.stop()


@pytest.fixture(scope="module")
def addresses(mesh):
    """The topology's client addresses, lowest first; each test writes packs of its own."""
    return sorted(key_states(mesh[0]), key=lambda a: tuple(int(part) for part in a.split(".")))


def key_states(c):
    """Every clientpack's replicated fields on controller `c`, by overlay address."""
    packs = c.response("GET", "/api/clientpacks")
    return {p["overlay_ipaddress"]: {field: p[field] for field in KEY_STATE} for p in packs.values()}


def every_process_killed(c):
    """SIGKILL to every process in the controller's namespace; returns when none is left."""
    def pids():
        return subprocess.run(["ip", "netns", "pids", c.ns], capture_output=True, text=True, check=True).stdout.split()
    for pid in pids():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    c.process.wait(timeout=10)
    wait_until(lambda: not pids(), timeout=10, interval=0.05, what=f"every process in {c.ns} gone")


def in_step(controllers, expected=()):
    """Whether every controller holds every change in `expected` and all digests agree."""
    states = [key_states(c) for c in controllers]
    return all(change.held_by(s) for change in expected for s in states) and digests_agree(controllers)


@dataclass(frozen=True)
class Change:
    """One clientpack write: a tag set (`tag` = (key, value)) or an enable/disable."""
    address: str
    tag: tuple[str, str] | None = None
    enabled: bool | None = None

    def send(self, c) -> requests.Response:
        if self.tag is not None:
            key, value = self.tag
            return c.request("POST", f"/api/clientpack/{self.address}", body={"key": key, "value": value})
        return c.request("PUT", "/api/clientpack", body={"name": self.address, "enabled": self.enabled})

    def held_by(self, states) -> bool:
        pack = states[self.address]
        if self.tag is not None:
            return pack["tags"].get(self.tag[0]) == self.tag[1]
        return pack["enabled"] is self.enabled


class Writer(threading.Thread):
    """Sends `changes` to controller `c` one after another, as fast as it answers; keeps the
    acknowledged ones (200) and stops at the first failure (the controller killed)."""

    def __init__(self, c, changes):
        super().__init__(daemon=True)
        self.c, self.changes = c, changes
        self.acknowledged: list[Change] = []
        self.last_acknowledged: float | None = None
        self.failure: str | None = None

    def run(self):
        for change in self.changes:
            try:
                r = change.send(self.c)
            except requests.RequestException as error:
                self.failure = f"{change}: {error}"
                return
            if r.status_code != 200:
                self.failure = f"{change}: {r.status_code} {r.text}"
                return
            self.acknowledged.append(change)
            self.last_acknowledged = time.monotonic()


def missing(controllers, changes):
    """(controller index, change) for every change some controller does not hold."""
    states = {c.index: key_states(c) for c in controllers}
    return [(index, change) for change in changes for index, s in states.items() if not change.held_by(s)]


def test_no_acknowledged_change_is_lost_when_a_controller_is_killed_during_the_exchange(mesh, addresses):
    c1, c2, c3 = mesh
    on_1 = [Change(a, tag=("burst", f"from-1-{i}")) for i, a in enumerate(addresses[:30])]
    on_1 += [Change(a, enabled=False) for a in addresses[30:34]]
    on_2 = [Change(a, tag=("burst", f"from-2-{i}")) for i, a in enumerate(addresses[34:46])]
    on_2 += [Change(a, enabled=False) for a in addresses[46:50]]
    writers = Writer(c1, on_1), Writer(c2, on_2)
    for w in writers:
        w.start()
    w1, w2 = writers

    def replicating():
        """Controller 2 has merged some of controller 1's burst and acknowledged writes of its own."""
        if len(w1.acknowledged) < 10 or len(w2.acknowledged) < 6:
            return False
        return any(change.held_by(key_states(c2)) for change in list(w1.acknowledged))
    wait_until(replicating, timeout=60, interval=0.05, what="controller 1's burst replicating to controller 2")
    merged_at_kill = sum(change.held_by(key_states(c2)) for change in list(w1.acknowledged))
    acknowledged_at_kill = len(w1.acknowledged)
    every_process_killed(c2)
    print(f"controller 2 killed with {merged_at_kill} of controller 1's {acknowledged_at_kill} acknowledged changes merged, "
          f"{len(w2.acknowledged)} of its own acknowledged, the last {time.monotonic() - w2.last_acknowledged:.2f} s before")
    for w in writers:
        w.join(timeout=60)
    assert len(w1.acknowledged) == len(on_1), w1.failure
    assert w2.acknowledged, w2.failure

    started = time.monotonic()
    c2.start()
    restarted = time.monotonic() - started
    expected = w1.acknowledged + w2.acknowledged
    try:
        wait_until(lambda: in_step(mesh, expected), timeout=120, interval=0.5,
                   what="every acknowledged change on every controller, one digest")
    except TimeoutError:
        lost = missing(mesh, expected)
        assert not lost, f"{len(lost)} acknowledged changes missing (controller, change): {lost}"
        raise
    print(f"controller 2 ready {restarted:.2f} s after its restart; every change everywhere and one digest "
          f"{time.monotonic() - started:.2f} s after it")
    states = [key_states(c) for c in mesh]
    assert states[0] == states[1] == states[2]


def test_an_older_snapshot_imported_does_not_undo_a_newer_disable(mesh, addresses):
    """The snapshot carries controller 1's key state from before the disable; after the
    import controller 1 enforces that older state only until the mesh hands it the newer
    one. Controllers 2 and 3 never see the disable undone."""
    c1, c2, c3 = mesh
    target, tagged = addresses[50], addresses[51]
    wait_until(lambda: in_step(mesh), timeout=60, what="one digest before the snapshot")
    assert all(key_states(c)[target]["enabled"] is True for c in mesh)
    c1.response("POST", "/api/snapshots", {"name": "before-the-disable"})
    snapshot = c1.get("/api/snapshots/before-the-disable").content

    later = [Change(target, enabled=False), Change(tagged, tag=("site", "after-the-snapshot"))]
    assert later[0].send(c2).status_code == 200
    assert later[1].send(c3).status_code == 200
    wait_until(lambda: in_step(mesh, later), timeout=60, what="the disable and the tag on every controller")

    r = c1.request("PUT", "/api/snapshots/running_config", raw=snapshot, headers={"Content-Type": "text/plain"}, timeout=60)
    assert r.status_code == 200 and r.json()["response"] == {"snapshot": "accepted"}, r.text
    imported = time.monotonic()
    wait_until(lambda: c1.get_or_none("/api/config") is None, timeout=15, interval=0.1, what="the import restart")
    c1.wait_ready()
    started = time.monotonic()

    undone = []

    def newer_state_back():
        for c in (c2, c3):
            if not later[0].held_by(key_states(c)):
                undone.append(c.index)
        return in_step(mesh, later)
    try:
        wait_until(newer_state_back, timeout=90, interval=0.5, what="the newer disable and tag back on controller 1, one digest")
    finally:
        assert not undone, f"the disable of {target} was undone on controllers {sorted(set(undone))}"
    print(f"snapshot imported on controller 1: its API back {started - imported:.2f} s after the import; the newer "
          f"disable and tag there, one digest, {time.monotonic() - started:.2f} s after that")
    # What controller 1 enforces: the disabled pack's WireGuard peer has no allowed IP.
    c1.wait_applied("overlay")
    shown = subprocess.run(["nsenter", "-t", str(c1.pid), "-m", "-n", "wg", "show", "tun0", "allowed-ips"],
                           capture_output=True, text=True, check=True).stdout
    assert f"{target}/32" not in shown and f"{tagged}/32" in shown, shown


def join(newcomer, mesh, peer_id):
    """Peers `newcomer` with every controller of `mesh` (what peer_mesh sends, for one more)."""
    newcomer.response("PUT", "/api/peering/self", {"id": peer_id})
    for position, c in enumerate(mesh, start=1):
        newcomer.response("POST", "/api/peering/peers", {"id": position, "name": c.ip})
        c.response("POST", "/api/peering/peers", {"id": peer_id, "name": newcomer.ip})


def test_a_controller_peered_later_receives_the_current_key_state(lab, mesh, addresses):
    c1, c2, c3 = mesh
    made = [Change(addresses[52], enabled=False), Change(addresses[53], tag=("team", "red")),
            Change(addresses[54], tag=("team", "green"))]
    for change, c in zip(made, mesh):
        assert change.send(c).status_code == 200
    owned = addresses[55]
    c3.response("PUT", "/api/clientpack", {"name": owned, "checked_out": True, "owner": "ops", "description": "laptop"})
    wait_until(lambda: in_step(mesh, made), timeout=60, what="the changes on the three controllers")

    c4 = lab.add_controller()
    try:
        c4.license_default("mesh state test licence")
        c4.make_keyset(TOKEN, source=c1.ip)
        assert key_states(c4)[addresses[52]]["enabled"] is True
        join(c4, mesh, peer_id=4)
        started = time.monotonic()
        everyone = [*mesh, c4]
        wait_until(lambda: in_step(everyone, made), timeout=90, interval=0.5, what="controller 4 holding the mesh's key state")
        print(f"controller 4 peered: the whole key state there, one digest, {time.monotonic() - started:.2f} s after peering")
        state = key_states(c4)
        assert state == key_states(c1)
        assert (state[owned]["checked_out"], state[owned]["owner"], state[owned]["description"]) == (True, "ops", "laptop")
    finally:
        for c in mesh:
            c.delete("/api/peering/peers/4")
        c4.stop()


def test_concurrent_writes_to_one_controller_all_reach_every_controller(mesh, addresses):
    c1 = mesh[0]
    changes = [Change(a, tag=("concurrent", f"v{i}")) for i, a in enumerate(addresses)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda change: change.send(c1).status_code, changes))
    assert codes == [200] * len(changes)
    started = time.monotonic()
    wait_until(lambda: digests_agree(mesh), timeout=60, interval=0.5, what="one digest after the concurrent writes")
    print(f"{len(changes)} concurrent writes on controller 1: one digest {time.monotonic() - started:.2f} s after the last")
    lost = missing(mesh, changes)
    per_controller = {c.index: sum(index == c.index for index, _ in lost) for c in mesh}
    assert not lost, (f"of {len(changes)} acknowledged writes, lost per controller {per_controller}: "
                      f"{sorted({change.address for _, change in lost})}")


def test_writes_on_two_controllers_at_once_all_reach_every_controller(mesh, addresses):
    """Controllers 1 and 2 each write one pack at a time (no concurrency on either), each on
    packs of its own, at the same time, up to five rounds: every acknowledged write must be
    on every controller. Here a local write racing a merge lost writes in 4 rounds of 5."""
    c1, c2 = mesh[0], mesh[1]
    halves = addresses[:29], addresses[29:]
    for round_ in range(5):
        changes = [[Change(a, tag=("both", f"{round_}-{n}")) for n, a in enumerate(half)] for half in halves]
        writers = [Writer(c, mine) for c, mine in zip((c1, c2), changes)]
        for w in writers:
            w.start()
        for w in writers:
            w.join(timeout=120)
        assert all(len(w.acknowledged) == len(w.changes) for w in writers), [w.failure for w in writers]
        wait_until(lambda: digests_agree(mesh), timeout=60, interval=0.5, what="one digest after the writes")
        lost = missing(mesh, changes[0] + changes[1])
        per_controller = {c.index: sum(index == c.index for index, _ in lost) for c in mesh}
        assert not lost, (f"round {round_ + 1}: of {len(addresses)} acknowledged writes, lost per controller "
                          f"{per_controller}: {sorted({change.address for _, change in lost})}")
