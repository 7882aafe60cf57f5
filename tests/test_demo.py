"""``make demo`` (``python -m dpalogic.demo``): explain DPO, compile the slide's edit, train."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dpalogic import demo

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def test_demo_prints_the_slide_closed_form(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["--skip-training"]) == 0
    out = capsys.readouterr().out
    assert "Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))" in out  # DPO, explained
    assert f"closed form of ρ: {demo.SLIDE_CLOSED_FORM}" in out
    assert "differs" not in out


def test_demo_trains_the_novel_loss_on_tiny(tmp_path: Path) -> None:
    pytest.importorskip("trl")
    out = tmp_path / "demo"
    assert demo.main(["--model", "tiny", "--steps", "2", "--out", str(out)]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "completed" and run["steps"] == 2
    assert (out / "dynamics.png").exists()
    assert set(json.loads((out / "eval.json").read_text())) >= {"before", "after"}
