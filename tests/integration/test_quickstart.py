"""The README's quickstart, as a new user follows it: the controller started by
scripts/netns-run (what `make run NETNS=weft0` runs), then the "Connect a first client"
commands, taken from the README itself, up to a ping through the WireGuard tunnel.

What the README calls "this machine" is a namespace of the test's own here, so the
host-side veth end and its address never reach the real host's network."""

import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from weftnet import ROOT, in_ns, sh, unique_prefix, wait_until, weft_binary

PASSWORD = "quickstart-api-password"


def guide() -> str:
    """The shell block between the README's first-client markers."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- first-client:begin -->\n```sh\n(.*?)```\n<!-- first-client:end -->", text, re.S)
    assert block, "README has no first-client block"
    return block.group(1)


def adapted(script: str, controller_ns: str, client_ns: str, interface: str) -> str:
    """The guide with this test's names; the package step is left to install-deps --test."""
    lines = []
    for line in script.splitlines():
        if line.startswith("PASSWORD="):
            line = f"PASSWORD={PASSWORD}"
        elif line.startswith("apt-get install"):
            continue
        line = re.sub(r"\bweft0\b", controller_ns, line)
        line = re.sub(r"\bclient0\b", client_ns, line)
        line = re.sub(r"\bwg0\b", interface, line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def enter(ns: str) -> list[str]:
    """Runs a command in namespace `ns` for its network only: unlike `ip netns exec`, it keeps
    this mount namespace, so the namespaces the README's commands add are seen by the next."""
    return ["nsenter", f"--net=/run/netns/{ns}"]


def test_the_readme_guide_connects_a_first_client():
    if os.geteuid() != 0:
        pytest.fail("the quickstart test needs root: it creates network namespaces")
    prefix = unique_prefix("qs")
    host, controller, client, interface = f"{prefix}h", f"{prefix}w", f"{prefix}c", f"{prefix}g"
    workdir = Path(tempfile.mkdtemp(prefix="weft-quickstart-"))
    sh("ip", "netns", "add", host)
    in_ns(host, "ip", "link", "set", "lo", "up")
    log = open(workdir / "controller.log", "w")
    daemon = subprocess.Popen(
        [*enter(host), str(ROOT / "scripts" / "netns-run"), controller, weft_binary(), "serve",
         "--data-dir", str(workdir / "data"), "--api-password", PASSWORD, "--admin-password", "quickstart-ui-password"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        api_up = lambda: in_ns(host, "curl", "-sSfk", "-o", "/dev/null", "-u", f"api:{PASSWORD}",
                               "https://198.18.0.2:8000/api/config", check=False).returncode == 0
        wait_until(api_up, timeout=60, interval=0.5, what="controller in its namespace")
        script = adapted(guide(), controller, client, interface)
        result = subprocess.run([*enter(host), "bash", "-xeuo", "pipefail", "-c", script],
                                cwd=workdir, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"guide failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{script}"
        assert "3 received" in result.stdout, result.stdout
        assert re.search(r"^Endpoint = 198\.18\.0\.2:51820$", (workdir / f"{interface}.conf").read_text(), re.M)
        status = in_ns(client, "wg", "show", interface, "latest-handshakes").stdout.split()
        assert len(status) == 2 and int(status[1]) > 0, status
    finally:
        in_ns(client, "wg-quick", "down", str(workdir / f"{interface}.conf"), check=False)
        sh("ip", "netns", "del", client, check=False)
        daemon.terminate()
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, 9)
            daemon.wait(timeout=10)
        log.close()
        sh("ip", "netns", "del", controller, check=False)
        sh("ip", "netns", "del", host, check=False)
        sh("rm", "-rf", str(workdir), check=False)


def test_make_run_builds_only_when_a_source_changed(tmp_path):
    """`make run` depends on the release binary, which depends on every file under
    Sources/ and Package.swift (checked with make -n, so nothing is built or run)."""
    binary = tmp_path / "weft"
    binary.write_text("")                       # newer than every source
    plan = lambda *extra: sh("make", "-n", "-C", str(ROOT), *extra, "run", "NETNS=weft0", f"RELEASE_BIN={binary}").stdout
    fresh = plan()
    assert "swift build" not in fresh and f"netns-run \"weft0\" {binary}" in fresh, fresh
    changed = plan("-W", "Sources/WeftModel/TextLines.swift")
    assert "swift build -c release" in changed and f"touch {binary}" in changed, changed
    assert "swift build -c release" in plan("-W", "Package.swift")
