"""Weft's IDS engine against the Suricata verification subset in ../shared/ids-verify.

Builds nothing itself: `make test` (swift build --build-tests) has already built
.build/debug/weft-ids. Runs the suite's own checker and fails if fewer tests pass than
THRESHOLD, so a regression fails CI. Raise THRESHOLD as the engine grows.
"""

import os
import re
import shlex
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VERIFY = REPO.parent / "shared" / "ids-verify" / "run-verify"
# The command, `weft ids replay`, which runs the weft-ids engine built beside weft.
WEFT = Path(os.environ.get("WEFT_BIN", REPO / ".build" / "debug" / "weft"))
ENGINE = WEFT.parent / "weft-ids"

# Passing today: all 56 tests of the subset.
THRESHOLD = 56


def test_ids_verify_subset():
    assert VERIFY.exists(), f"missing {VERIFY}"
    assert ENGINE.exists(), f"missing {ENGINE}: run `swift build --product weft-ids` (make test builds it)"
    template = shlex.quote(str(WEFT)) + " ids replay --rules {rules} --pcap {pcap} --log-dir {outdir} {args}"
    proc = subprocess.run(
        ["python3", str(VERIFY), "--engine", template, "-j", "2"],
        capture_output=True, text=True, timeout=1800,
    )
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    for line in lines:
        if not line.startswith("PASS"):
            print(line)
    summary = lines[-1] if lines else ""
    print(summary)
    m = re.fullmatch(r"(\d+) passed, (\d+) failed", summary)
    assert m, f"no summary line from run-verify (exit {proc.returncode}): {proc.stderr[-2000:]}"
    passed = int(m.group(1))
    assert passed >= THRESHOLD, f"ids-verify: {summary}; at least {THRESHOLD} expected"
