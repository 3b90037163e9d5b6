"""``make demo`` runs the whole story (DKG, locked account, one-time account + ring signature,
attested DNN result, a 4-node BFT cluster with a leader kill and epoch changes keyed by a DKG over
the chain) and exits 0 only if all verified."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_demo_end_to_end() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["agree"] is True
    assert summary["story_tx_committed"] == 8
    assert summary["attestations_committed"] == summary["attestations_verified"] == 4
    assert summary["epoch"] >= 1  # re-keyed at least once by the DKG over the chain
    for step in ("[1]", "[2]", "[3]", "[4]", "[5]"):
        assert any(line.startswith(step) for line in lines)
