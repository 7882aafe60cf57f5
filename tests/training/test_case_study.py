"""``scripts/case_study.py --quick``: the whole case-study pipeline on ``tiny``, and its
``--report-only`` regeneration from the run folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("trl")

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "case_study.py"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          env=env, timeout=600, check=False)


@pytest.mark.slow
def test_quick_case_study_runs_and_regenerates(tmp_path: Path) -> None:
    docs = ROOT / "docs" / "case-study.md"
    before = docs.stat().st_mtime_ns if docs.exists() else None
    runs = tmp_path / "quick"
    proc = _script("--quick", "--runs", str(runs))
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = runs / "case-study.md"
    assert proc.stdout.strip().splitlines()[-1] == str(doc)
    text = doc.read_text()
    for loss in ("CE", "cCPO", "DPO"):
        assert f"| `{loss}` | 0 |" in text
        assert (runs / f"{loss}-s0" / "heldout.json").is_file()
    assert "| (untrained) | 0 |" in text
    for png in ("case-study-dynamics.png", "case-study-lattice.png"):
        assert (runs / png).read_bytes()[:8] == PNG_MAGIC
        assert f"]({png})" in text
    for section in ("## Setting", "## Observations", "## What this does and does not show",
                    "## The same study at paper scale", "dpalogic sweep run CE cCPO DPO"):
        assert section in text
    assert "one seed" in text  # the doc says the spread is unknown
    meta = json.loads((runs / "case-study-meta.json").read_text())
    assert meta["quick"] is True and meta["losses"] == ["CE", "cCPO", "DPO"]

    (runs / "case-study-dynamics.png").unlink()
    doc.write_text("stale")
    proc = _script("--quick", "--runs", str(runs), "--report-only")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert doc.read_text() == text
    assert (runs / "case-study-dynamics.png").is_file()
    # --quick never touches docs/
    assert (docs.stat().st_mtime_ns if docs.exists() else None) == before
