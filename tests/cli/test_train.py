"""``dpalogic train``: flags, YAML config with flag overrides, JSON output, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("trl")

from dpalogic.cli import main
from dpalogic.cli.train import build_config
from dpalogic.errors import DPALogicError
from dpalogic.training.run import TrainConfig, read_metrics

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SMALL = ["--model", "tiny", "--batch-size", "2", "--n-train", "16", "--n-test", "4",
         "--max-length", "64", "--lr", "1e-3"]


def test_train_end_to_end_with_json_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code = main(["train", "--loss", "cCPO", "--steps", "2", *SMALL, "--out", str(out),
                 "--save-model", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["status"] == "completed" and summary["steps"] == 2
    assert summary["out"] == str(out)
    assert summary["preference_accuracy_before"] is not None
    assert summary["preference_accuracy_after"] is not None
    assert (out / "model" / "config.json").exists()
    assert {"config.yaml", "metrics.jsonl", "eval.json", "dynamics.png", "run.json"} <= {
        p.name for p in out.iterdir()
    }


def test_config_file_with_flag_overrides(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cfg = tmp_path / "run.yaml"
    out = tmp_path / "from-yaml"
    cfg.write_text(
        "loss: DPO\nmodel: tiny\nsteps: 5\nbatch-size: 2\nn_train: 16\nn_test: 4\n"
        f"max_length: 64\nseed: 7\nevaluate: false\nout: {out}\n"
    )
    code = main(["train", "--config", str(cfg), "--steps", "2", "--loss", "cCPO", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.strip() == str(out)
    saved = TrainConfig.from_yaml(out / "config.yaml")
    assert (saved.steps, saved.loss) == (2, "cCPO")  # flags win
    assert (saved.seed, saved.batch_size, saved.evaluate) == (7, 2, False)  # the file's keys
    assert [r["step"] for r in read_metrics(out) if "loss" in r] == [1, 2]


def test_stop_after_then_resume(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "r"
    args = ["train", "--loss", "cCPO", "--steps", "3", *SMALL, "--out", str(out), "--no-eval",
            "--quiet"]
    assert main([*args, "--stop-after", "2"]) == 0
    assert "--resume" in capsys.readouterr().err
    assert not out.exists() and (tmp_path / ".r.partial").is_dir()
    assert main([*args, "--resume"]) == 0
    assert [r["step"] for r in read_metrics(out) if "loss" in r] == [1, 2, 3]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--loss", "NoSuchLoss"], "unknown loss"),
        (["--loss", "DPO", "--reference", "none"], "needs reference"),
        (["--loss", "DPO", "--data", "/no/such/file.jsonl"], "no such file"),
        (["--loss", "DPO", "--steps", "-3"], "steps"),
        (["--steps", "3"], "no loss given"),
        (["--loss", "DPO", "--config", "/no/such.yaml"], "config file not found"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, argv: list[str], message: str
) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    code = main(["train", *argv, "--model", "tiny", "--out", str(runs / "x"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith("dpalogic: error:") and message in err
    assert len(err.splitlines()) == 1
    assert list(runs.iterdir()) == []


def test_build_config_merges_yaml_then_flags(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("loss: DPO\nlr: 1e-4\nlora: true\n")
    merged = build_config(cfg, {"lr": None, "lora": False, "steps": 9})
    assert merged.loss == "DPO" and merged.lr == pytest.approx(1e-4)
    assert merged.lora is False and merged.steps == 9  # an explicit --no-lora beats the file
    with pytest.raises(DPALogicError, match="unknown key 'stpes'"):
        cfg.write_text("loss: DPO\nstpes: 3\n")
        build_config(cfg, {})
