"""``dpalogic sweep run/status/report`` on the tiny model; bad input is one line and exit 1."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("trl")

from dpalogic.cli import main
from dpalogic.training.sweep import HELDOUT_FILE, MANIFEST

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SMALL = ["--model", "tiny", "--steps", "1", "--batch-size", "2", "--n-train", "16",
         "--n-test", "4", "--max-length", "64", "--generation-limit", "2", "--lr", "1e-3",
         "--length-normalize", "--threads", "1"]


@pytest.fixture(autouse=True)
def _restore_threads() -> Iterator[None]:
    import torch

    before, omp = torch.get_num_threads(), os.environ.get("OMP_NUM_THREADS")
    yield
    torch.set_num_threads(before)
    if omp is None:
        os.environ.pop("OMP_NUM_THREADS", None)
    else:
        os.environ["OMP_NUM_THREADS"] = omp


@pytest.fixture(scope="module")
def yaml_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared keys that have no flag (the CLI reads them from --config)."""
    path = tmp_path_factory.mktemp("cfg") / "shared.yaml"
    path.write_text("max_new_tokens: 4\neval_batch_size: 4\nn_validation: 0\n")
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_status_report(tmp_path: Path, yaml_config: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep"
    code, stdout, err = _run(["sweep", "run", "DPO", "cCPO", *SMALL, "--seeds", "0,1",
                              "--config", str(yaml_config), "--out", str(out), "--json"], capsys)
    assert code == 0, err
    result = json.loads(stdout.strip().splitlines()[-1])
    assert [(r["name"], r["seed"], r["status"]) for r in result["runs"]] == [
        ("DPO", 0, "completed"), ("DPO", 1, "completed"),
        ("cCPO", 0, "completed"), ("cCPO", 1, "completed")]
    assert result["report"] == str(out / "report.md")
    for run in ("DPO-s0", "DPO-s1", "cCPO-s0", "cCPO-s1"):
        assert (out / run / HELDOUT_FILE).is_file()
    assert json.loads((out / MANIFEST).read_text())["settings"]["max_new_tokens"] == 4

    code, stdout, err = _run(["sweep", "status", str(out), "--json"], capsys)
    assert code == 0, err
    assert [(r["dir"], r["state"]) for r in json.loads(stdout)] == [
        ("DPO-s0", "completed"), ("DPO-s1", "completed"),
        ("cCPO-s0", "completed"), ("cCPO-s1", "completed")]
    code, stdout, _ = _run(["sweep", "status", str(out)], capsys)
    assert code == 0 and "cCPO-s1" in stdout and "completed" in stdout

    (out / "report.md").unlink()
    (out / "report-dynamics.png").unlink()
    code, stdout, err = _run(["sweep", "report", str(out), "--json"], capsys)
    assert code == 0, err
    table = json.loads(stdout)
    assert table["report"] == str(out / "report.md")
    assert [row["name"] for row in table["losses"]] == ["(untrained)", "DPO", "cCPO"]
    assert all(row["pref_acc"]["n"] == 2 for row in table["losses"])
    text = (out / "report.md").read_text()
    assert "`DPO`" in text and "`cCPO`" in text and (out / "report-dynamics.png").is_file()

    code, stdout, err = _run(["sweep", "report", str(out), "--out", str(tmp_path / "r" / "a.md"),
                              "--prefix", "cs", "--title", "Two losses"], capsys)
    assert code == 0, err
    assert stdout.strip() == str(tmp_path / "r" / "a.md")
    assert (tmp_path / "r" / "cs-lattice.png").is_file()
    assert (tmp_path / "r" / "a.md").read_text().startswith("# Two losses")

    # running it again resumes: nothing left to do
    code, stdout, err = _run(["sweep", "run", "DPO", "cCPO", *SMALL, "--seeds", "0,1",
                              "--config", str(yaml_config), "--out", str(out), "--json",
                              "--no-report"], capsys)
    assert code == 0, err
    again = json.loads(stdout.strip().splitlines()[-1])
    assert [r["status"] for r in again["runs"]] == ["skipped"] * 4 and again["report"] is None


def test_dry_run_lists_a_lattice_selection(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "around"
    code, stdout, err = _run(["sweep", "run", "--around", "cCPO", *SMALL, "--seeds", "0-1",
                              "--out", str(out), "--dry-run", "--json"], capsys)
    assert code == 0, err
    rows = json.loads(stdout)
    assert len(rows) == 18  # cCPO, its 8 neighbours, two seeds
    assert rows[0]["name"] == "cCPO" and {"CPO", "ORPO", "CE", "unCPO"} <= {r["name"] for r in rows}
    assert not any((out / r["dir"].rsplit("/", 1)[-1]).exists() for r in rows)

    code, stdout, err = _run(["sweep", "run", "--between", "CPO", "unCPO", "--where",
                              "preference-monotone", *SMALL, "--out", str(tmp_path / "b"),
                              "--dry-run"], capsys)
    assert code == 0, err
    assert "4 runs planned" in stdout and "cCPO" in stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "run", "NoSuchLoss", "--model", "tiny", "--out", "{tmp}/s"], "unknown loss"),
        (["sweep", "run", "--model", "tiny", "--out", "{tmp}/s"], "no losses to sweep"),
        (["sweep", "run", "DPO", "--seeds", "0,x", "--out", "{tmp}/s"], "bad seed"),
        (["sweep", "run", "DPO", "--backend", "slurm", "--model", "tiny", "--out", "{tmp}/s"],
         "unknown backend"),
        (["sweep", "run", "--between", "unCPO", "CPO", "--out", "{tmp}/s"], "no loss lies"),
        (["sweep", "run", "DPO", "--gpus-per-run", "1", "--model", "tiny", "--out", "{tmp}/s"],
         "needs --backend ray"),
        (["sweep", "run", "--around", "cCPO", "--where", "shiny", "--out", "{tmp}/s"],
         "unknown property"),
        (["sweep", "run", "DPO", "--steps", "-2", "--out", "{tmp}/s"], "steps"),
        (["sweep", "status", "{tmp}/nowhere"], "not a sweep folder"),
        (["sweep", "report", "{tmp}/nowhere"], "not found"),
        (["sweep", "report", "{tmp}"], "no completed runs"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = _run([a.replace("{tmp}", str(tmp_path)) for a in argv], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dpalogic: error: ") and message in lines[0]
    assert not (tmp_path / "s" / "DPO-s0").exists()


def test_changed_settings_and_per_run_keys_are_refused(
    tmp_path: Path, yaml_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "s")
    code, _, err = _run(["sweep", "run", "DPO", *SMALL, "--out", out, "--dry-run"], capsys)
    assert code == 0, err
    code, _, err = _run(["sweep", "run", "DPO", *SMALL, "--steps", "2", "--out", out,
                         "--dry-run"], capsys)
    assert code == 1 and "other settings" in err and "steps: 1 → 2" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("loss: DPO\n")
    code, _, err = _run(["sweep", "run", "DPO", "--config", str(bad), "--out", out], capsys)
    assert code == 1 and "'loss' is per run" in err and len(err.strip().splitlines()) == 1


def test_a_failed_run_exits_1_after_the_others(
    tmp_path: Path, yaml_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s"
    argv = ["sweep", "run", "DPO", "CPO", *SMALL, "--config", str(yaml_config), "--out", str(out)]
    assert _run([*argv, "--dry-run"], capsys)[0] == 0
    (out / "DPO-s0").write_text("not a folder")
    code, _, err = _run([*argv, "--no-report"], capsys)
    assert code == 1
    assert "dpalogic: run DPO-s0 failed" in err
    assert err.strip().splitlines()[-1] == (
        "dpalogic: error: 1 of 2 runs failed; fix the cause and rerun the same command "
        "(finished runs are skipped)")
    assert (out / "CPO-s0" / HELDOUT_FILE).is_file()
