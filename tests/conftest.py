"""Shared fixtures: one private lab of network namespaces per pytest run.

The test process moves into the lab's client namespace before any thread starts, so the
SDK, requests and ssl reach the controllers at 198.18.0.1N without any route on the host.
Integration and e2e tests need root (CI runs as root); without it they fail, never skip.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "harness"))

import weftnet  # noqa: E402


@pytest.fixture(scope="session")
def lab(request):
    if os.geteuid() != 0:
        pytest.fail("integration and e2e tests need root: they create network namespaces")
    paths = [a for a in request.config.invocation_params.args if os.path.exists(a.split("::")[0])]
    suite = Path(paths[0].split("::")[0]).name if paths else "tests"
    workdir = Path(tempfile.mkdtemp(prefix="weft-test-"))
    lab = weftnet.Lab(weftnet.unique_prefix("wt"), suite, workdir)
    try:
        lab.up()
        weftnet.enter_netns(lab.client_ns)
        yield lab
    finally:
        lab.down()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def sdk_endpoints():
    """(method, path) of every endpoint the cohesivenet SDK calls, from ../shared."""
    tsv = Path(__file__).resolve().parents[2] / "shared" / "vns3-api" / "sdk-endpoints.tsv"
    rows = []
    for line in tsv.read_text().splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 4 and parts[3].startswith("/api"):
            rows.append((parts[2], parts[3]))
    assert len(rows) > 100, f"too few endpoints read from {tsv}"
    return sorted(set(rows))
