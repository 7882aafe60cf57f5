"""Training runs on the tiny model: run directory, resume, LoRA, bad input, accelerate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("trl")

from dpalogic.errors import DPALogicError
from dpalogic.training import run as run_mod
from dpalogic.training.run import TrainConfig, read_metrics, train

os.environ.setdefault("HF_HUB_OFFLINE", "1")

#: Small enough for seconds per run on 2 shared cores.
TINY = {
    "model": "tiny",
    "steps": 4,
    "batch_size": 2,
    "n_train": 16,
    "n_validation": 0,
    "n_test": 4,
    "max_length": 64,
    "generation_limit": 2,
    "max_new_tokens": 4,
    "eval_batch_size": 4,
    "lr": 1e-3,
}
RUN_FILES = {"config.yaml", "run.json", "metrics.jsonl", "eval.json", "dynamics.png"}
#: Wall-clock fields (differ between any two runs).
TIMING = ("runtime", "per_second")


def _comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if not any(t in k for t in TIMING)}


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> run_mod.RunResult:
    """An uninterrupted DPO run (checkpoints every 2 steps), shared by several tests."""
    out = tmp_path_factory.mktemp("runs") / "full"
    return train(TrainConfig(loss="DPO", out=str(out), checkpoint_every=2, **TINY), progress=False)


# ----------------------------------------------------------------------------- the run directory
def test_run_directory_holds_config_metrics_eval_and_figure(full_run: run_mod.RunResult) -> None:
    out = full_run.out
    assert full_run.status == "completed"
    assert {p.name for p in out.iterdir()} == RUN_FILES  # checkpoints removed, no model/
    assert not (out.parent / f".{out.name}.partial").exists()

    saved = TrainConfig.from_yaml(out / "config.yaml")
    assert saved == full_run.config

    records = read_metrics(out)
    steps = [r["step"] for r in records if "loss" in r]
    assert steps == [1, 2, 3, 4]
    for r in records:
        if "loss" in r:
            for key in ("logps/chosen", "logps/rejected", "rewards/accuracies"):
                assert key in r
    assert any("train_loss" in r for r in records)

    ev = json.loads((out / "eval.json").read_text())
    for phase in ("before", "after"):
        assert 0.0 <= ev[phase]["preference"]["accuracy"] <= 1.0
        assert ev[phase]["preference"]["n"] == TINY["n_test"]
        assert ev[phase]["generation"]["n"] == TINY["generation_limit"]
    assert ev["split"] == "test"

    assert (out / "dynamics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "completed" and meta["steps"] == 4
    assert meta["loss"]["requires_reference"] is True
    assert meta["reference"] == "frozen copy of the starting model"
    assert full_run.final_loss == pytest.approx(steps and records[3]["loss"])


def test_summary_has_before_and_after(full_run: run_mod.RunResult) -> None:
    s = full_run.summary()
    assert s["preference_accuracy_before"] is not None
    assert s["preference_accuracy_after"] is not None
    assert s["steps"] == 4
    table = run_mod.summary_table(full_run)
    assert table.row_count >= 5


# ----------------------------------------------------------------------------- resume
def test_interrupted_run_resumes_with_identical_metrics(
    full_run: run_mod.RunResult, tmp_path: Path
) -> None:
    out = tmp_path / "resumed"
    config = full_run.config.replace(out=str(out), evaluate=False)
    partial = tmp_path / ".resumed.partial"

    stopped = train(config, progress=False, stop_after=2)
    assert stopped.status == "interrupted" and stopped.steps == 2
    assert not out.exists() and partial.is_dir()
    assert (partial / "checkpoints" / "checkpoint-2").is_dir()

    with pytest.raises(DPALogicError, match="interrupted run is in"):
        train(config, progress=False)  # neither --resume nor --overwrite
    with pytest.raises(DPALogicError, match="cannot resume"):
        train(config.replace(seed=1, resume=True), progress=False)

    resumed = train(config.replace(resume=True), progress=False)
    assert resumed.status == "completed" and resumed.steps == 4
    assert out.is_dir() and not partial.exists()

    want = [_comparable(r) for r in read_metrics(full_run.out)]
    got = [_comparable(r) for r in read_metrics(out)]
    assert [r["step"] for r in got] == [r["step"] for r in want]
    for w, g in zip(want, got, strict=True):
        assert g.keys() == w.keys()
        for key in w:
            assert g[key] == pytest.approx(w[key], rel=1e-5, abs=1e-7), (w["step"], key)


def test_resume_of_completed_run_is_refused(full_run: run_mod.RunResult) -> None:
    with pytest.raises(DPALogicError, match="nothing to resume"):
        train(full_run.config.replace(resume=True), progress=False)


# ----------------------------------------------------------------------------- LoRA
def test_lora_without_reference_saves_an_adapter(tmp_path: Path) -> None:
    out = tmp_path / "lora"
    cfg = TrainConfig(loss="cCPO", out=str(out), lora=True, save_model=True, evaluate=False,
                      **{**TINY, "steps": 2})
    result = train(cfg, progress=False)
    assert (out / "model" / "adapter_config.json").exists()
    assert (out / "model" / "tokenizer_config.json").exists()
    meta = json.loads((out / "run.json").read_text())
    assert meta["reference"] == "none" and meta["loss"]["requires_reference"] is False
    assert meta["lora"] is True
    assert len([r for r in result.metrics if "loss" in r]) == 2


def test_lora_with_reference_uses_the_adapter_disabled_model(tmp_path: Path) -> None:
    out = tmp_path / "lora-dpo"
    cfg = TrainConfig(loss="DPO", out=str(out), lora=True, evaluate=False, **{**TINY, "steps": 2})
    result = train(cfg, progress=False)
    meta = json.loads((out / "run.json").read_text())
    assert meta["reference"] == "the model with its LoRA adapter disabled"
    first = next(r for r in result.metrics if "loss" in r)
    # At step 1 the adapter is zero-initialised: policy == reference, so DPO's loss is log 2.
    assert first["loss"] == pytest.approx(0.693147, abs=1e-4)


# ----------------------------------------------------------------------------- bad input
def _bad_jsonl(tmp_path: Path) -> str:
    path = tmp_path / "bad.jsonl"
    rows = [{"prompt": "p1", "chosen": "a", "rejected": "b"},
            {"prompt": "p2", "chosen": "", "rejected": "b"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return str(path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"loss": "NoSuchLoss"}, "unknown loss"),
        ({"loss": "DPO", "reference": "none"}, "needs reference log-probabilities"),
        ({"loss": "Implies(M(x,yl), Mref(x,yw))"}, "mentions Mref"),
        ({"loss": "DPO", "model": "/no/such/model"}, "unknown model"),
        ({"loss": "DPO", "data": "BAD"}, "row 1"),
        ({"loss": "DPO", "data": "builtin:no_such_task"}, "no_such_task"),
        ({"loss": "DPO", "steps": 0}, "steps"),
        ({"loss": "DPO", "lr": -1.0}, "lr"),
    ],
)
def test_bad_input_is_one_error_and_leaves_no_directory(
    tmp_path: Path, changes: dict, message: str
) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    if changes.get("data") == "BAD":
        changes = {**changes, "data": _bad_jsonl(tmp_path)}
    cfg = TrainConfig(**{**TINY, "out": str(runs / "x"), **changes})
    with pytest.raises(DPALogicError, match=message) as info:
        train(cfg, progress=False)
    assert "\n" not in str(info.value).strip()
    assert list(runs.iterdir()) == []


def test_existing_output_needs_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(DPALogicError, match="exists"):
        train(TrainConfig(loss="DPO", out=str(out), **TINY), progress=False)
    assert (out / "keep.txt").exists()


def test_failure_during_training_removes_the_partial_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dpalogic.training import trainer as trainer_mod

    def boom(self: object, *a: object, **k: object) -> None:
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(trainer_mod.CompiledLossTrainer, "train", boom)
    runs = tmp_path / "runs"
    runs.mkdir()
    cfg = TrainConfig(loss="cCPO", out=str(runs / "x"), evaluate=False, **TINY)
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(cfg, progress=False)
    assert list(runs.iterdir()) == []


# ----------------------------------------------------------------------------- config
def test_config_from_yaml_coerces_and_accepts_dashes(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("loss: cCPO\nbatch-size: '3'\nlr: 5e-5\nlora: yes\ngeneration_limit: null\n")
    cfg = TrainConfig.from_yaml(path)
    assert cfg.loss == "cCPO" and cfg.batch_size == 3 and cfg.lora is True
    assert cfg.lr == pytest.approx(5e-5)  # PyYAML reads 5e-5 as a string
    assert cfg.generation_limit is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("los: DPO\n", "did you mean 'loss'"),
        ("steps: 2.5\n", "steps"),
        ("lora: maybe\n", "lora"),
        ("- a\n- b\n", "mapping"),
        ("steps: [1\n", "not valid YAML"),
    ],
)
def test_bad_yaml_is_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(DPALogicError, match=message):
        TrainConfig.from_yaml(path)


def test_missing_config_file() -> None:
    with pytest.raises(DPALogicError, match="not found"):
        TrainConfig.from_yaml("/no/such/config.yaml")


@settings(max_examples=40, deadline=None)
@given(
    steps=st.integers(1, 10_000),
    lr=st.floats(1e-8, 1.0),
    beta=st.none() | st.floats(1e-3, 10.0),
    lora=st.booleans(),
    limit=st.none() | st.integers(0, 100),
    loss=st.sampled_from(["DPO", "cCPO", "Implies(M(x,yl), M(x,yw))"]),
)
def test_config_yaml_round_trip(
    steps: int, lr: float, beta: float | None, lora: bool, limit: int | None, loss: str
) -> None:
    cfg = TrainConfig(loss=loss, steps=steps, lr=lr, beta=beta, lora=lora, generation_limit=limit)
    assert TrainConfig.from_dict(yaml.safe_load(cfg.to_yaml())) == cfg


def test_default_output_directory_is_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = TrainConfig(loss="DPO", model="tiny", seed=3)
    first = run_mod._default_out(cfg)
    assert first == Path("runs/dpo-tiny-s3")
    first.mkdir(parents=True)
    assert run_mod._default_out(cfg) == Path("runs/dpo-tiny-s3-2")
    assert run_mod._default_out(cfg.replace(loss="Implies(M(x,yl), M(x,yw))")).name == (
        "program-tiny-s3"
    )


def test_demo_config_is_valid() -> None:
    cfg = run_mod.demo_config("cCPO", out="x")
    cfg.validate()
    assert cfg.model == "smollm2-135m" and cfg.loss == "cCPO"


# ----------------------------------------------------------------------------- accelerate
@pytest.mark.slow
def test_two_process_accelerate_run(tmp_path: Path) -> None:
    """Two data-parallel CPU processes: one complete directory, files from the main process.

    accelerate 1.16's ``launch --cpu`` starts a single process whatever ``--num_processes``
    says; ``--multi_gpu`` goes through torchrun, and without GPUs the run uses gloo on CPUs.
    """
    accelerate = shutil.which("accelerate", path=str(Path(sys.executable).parent))
    assert accelerate is not None
    out = tmp_path / "ddp"
    cmd = [accelerate, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "dpalogic", "train",
           "--loss", "DPO", "--model", "tiny", "--steps", "3", "--batch-size", "2",
           "--n-train", "16", "--n-test", "4", "--max-length", "64", "--out", str(out),
           "--quiet"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {p.name for p in out.iterdir()} == RUN_FILES
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    records = read_metrics(out)
    steps = [r["step"] for r in records if "loss" in r]
    assert steps == [1, 2, 3]  # written once (by the main process), not once per process
    assert json.loads((out / "run.json").read_text())["processes"] == 2
