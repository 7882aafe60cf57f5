"""Sweeps on the tiny model: one folder per run, resume, lattice selections, reports, Ray."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("trl")

from dpalogic.api import resolve
from dpalogic.errors import DPALogicError
from dpalogic.landscape.neighbours import interval, neighbours
from dpalogic.landscape.order import Relation, compare
from dpalogic.landscape.properties import PROPERTY_CHECKS
from dpalogic.training.report import collect, markdown_table, summarise, write_report
from dpalogic.training.run import TrainConfig, read_metrics
from dpalogic.training.sweep import (
    HELDOUT_FILE,
    MANIFEST,
    RunOutcome,
    SweepPlan,
    load_plan,
    parse_seeds,
    plan_sweep,
    run_state,
    run_sweep,
    select_losses,
    sweep_status,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")

#: Seconds per run on 2 shared cores.
TINY = {
    "model": "tiny",
    "steps": 2,
    "batch_size": 2,
    "n_train": 16,
    "n_validation": 0,
    "n_test": 4,
    "max_length": 64,
    "generation_limit": 2,
    "max_new_tokens": 4,
    "eval_batch_size": 4,
    "lr": 1e-3,
    "length_normalize": True,  # one setting for every loss (else DPO sums, cCPO averages)
}
RUN_FILES = {"config.yaml", "run.json", "metrics.jsonl", "eval.json", "dynamics.png", HELDOUT_FILE}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _restore_threads() -> Iterator[None]:
    """A sweep sets torch's thread count (and OMP_NUM_THREADS) in-process; undo it."""
    import torch

    before, omp = torch.get_num_threads(), os.environ.get("OMP_NUM_THREADS")
    yield
    torch.set_num_threads(before)
    if omp is None:
        os.environ.pop("OMP_NUM_THREADS", None)
    else:
        os.environ["OMP_NUM_THREADS"] = omp


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[SweepPlan, list[RunOutcome]]:
    """DPO and cCPO × seeds 0, 1 (four runs), shared by several tests."""
    import torch

    before = torch.get_num_threads()
    out = tmp_path_factory.mktemp("sweeps") / "two-by-two"
    plan = plan_sweep(out, ["DPO", "cCPO"], TrainConfig(**TINY), seeds=[0, 1])
    try:
        outcomes = run_sweep(plan, threads=1)
    finally:
        torch.set_num_threads(before)
    return plan, outcomes


def _structures(specs: list[str]) -> list:
    return [resolve(s) for s in specs]


def _same(a: object, b: object) -> bool:
    return compare(a, b).relation is Relation.EQUAL  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ running
def test_each_run_has_its_own_complete_folder(
    sweep: tuple[SweepPlan, list[RunOutcome]],
) -> None:
    plan, outcomes = sweep
    assert [(o.name, o.seed, o.status) for o in outcomes] == [
        ("DPO", 0, "completed"), ("DPO", 1, "completed"),
        ("cCPO", 0, "completed"), ("cCPO", 1, "completed")]
    assert all(o.error is None for o in outcomes)
    dirs = {p.name for p in plan.out.iterdir()}
    assert dirs == {MANIFEST, "DPO-s0", "DPO-s1", "cCPO-s0", "cCPO-s1"}
    for o in outcomes:
        run = plan.out / o.dir
        assert {p.name for p in run.iterdir()} == RUN_FILES  # the model is not kept
        cfg = TrainConfig.from_yaml(run / "config.yaml")
        assert (cfg.loss, cfg.seed, cfg.steps, cfg.model) == (o.name, o.seed, 2, "tiny")
        assert [r["step"] for r in read_metrics(run) if "loss" in r] == [1, 2]
        held = json.loads((run / HELDOUT_FILE).read_text())
        assert (held["name"], held["seed"], held["n"]) == (o.name, o.seed, TINY["n_test"])
        assert len(held["chosen"]) == len(held["rejected"]) == TINY["n_test"]
        assert o.summary is not None and o.summary["steps"] == 2
        assert 0.0 <= o.summary["preference_accuracy"] <= 1.0
    assert [row["state"] for row in sweep_status(plan.out)] == ["completed"] * 4


def test_held_out_scores_match_the_runs_evaluation(
    sweep: tuple[SweepPlan, list[RunOutcome]],
) -> None:
    """heldout.json scores the same pairs as eval.json's "after" (same model, same split)."""
    plan, outcomes = sweep
    for o in outcomes:
        run = plan.out / o.dir
        held = json.loads((run / HELDOUT_FILE).read_text())
        after = json.loads((run / "eval.json").read_text())["after"]["preference"]
        margins = [c - r for c, r in zip(held["chosen"], held["rejected"], strict=True)]
        assert sum(m > 0 for m in margins) / len(margins) == pytest.approx(after["accuracy"])
        assert sum(margins) / len(margins) == pytest.approx(after["mean_margin"], abs=1e-4)


def test_seeds_differ_and_the_untrained_evaluation_is_shared_per_seed(
    sweep: tuple[SweepPlan, list[RunOutcome]],
) -> None:
    plan, _ = sweep
    before = {d: json.loads((plan.out / d / "eval.json").read_text())["before"]
              for d in ("DPO-s0", "DPO-s1", "cCPO-s0", "cCPO-s1")}
    assert before["DPO-s0"] == before["cCPO-s0"]
    assert before["DPO-s1"] == before["cCPO-s1"]
    held = {d: json.loads((plan.out / d / HELDOUT_FILE).read_text()) for d in before}
    assert held["DPO-s0"]["chosen"] != held["DPO-s1"]["chosen"]  # another data sample


def test_rerunning_a_finished_sweep_skips_every_run(
    sweep: tuple[SweepPlan, list[RunOutcome]],
) -> None:
    plan, _ = sweep
    stamps = {p: p.stat().st_mtime_ns for p in plan.out.glob("*/run.json")}
    outcomes = run_sweep(load_plan(plan.out), threads=1)
    assert [o.status for o in outcomes] == ["skipped"] * 4
    assert all(o.summary and o.summary["steps"] == 2 for o in outcomes)
    assert {p: p.stat().st_mtime_ns for p in plan.out.glob("*/run.json")} == stamps


def test_interrupted_sweep_resumes_and_skips_finished_runs(tmp_path: Path) -> None:
    out = tmp_path / "resume"
    base = TrainConfig(**{**TINY, "steps": 3, "checkpoint_every": 1})
    first = run_sweep(plan_sweep(out, ["cCPO"], base), threads=1)
    assert [o.status for o in first] == ["completed"]
    done = (out / "cCPO-s0" / "run.json").stat().st_mtime_ns

    # add a loss to the sweep and interrupt every run after step 2
    plan = plan_sweep(out, ["cCPO", "CPO"], base)
    assert [r.dir for r in plan.runs] == ["cCPO-s0", "CPO-s0"]
    cut = run_sweep(plan, threads=1, stop_after=2)
    assert [(o.dir, o.status) for o in cut] == [("cCPO-s0", "skipped"), ("CPO-s0", "interrupted")]
    assert run_state(out / "CPO-s0") == "interrupted"
    assert (out / ".CPO-s0.partial").is_dir() and not (out / "CPO-s0").exists()
    assert [r["state"] for r in sweep_status(out)] == ["completed", "interrupted"]

    again = run_sweep(load_plan(out), threads=1)
    assert [(o.dir, o.status) for o in again] == [("cCPO-s0", "skipped"), ("CPO-s0", "completed")]
    assert [r["step"] for r in read_metrics(out / "CPO-s0") if "loss" in r] == [1, 2, 3]
    assert not (out / ".CPO-s0.partial").exists()
    assert (out / "cCPO-s0" / "run.json").stat().st_mtime_ns == done


def test_a_trained_run_without_held_out_scores_is_finished(tmp_path: Path) -> None:
    """State "evaluating": trained (run.json) but heldout.json missing → only the scoring runs."""
    out = tmp_path / "finish"
    plan = plan_sweep(out, ["DPO"], TrainConfig(**{**TINY, "steps": 1}))
    run_sweep(plan, threads=1, keep_models=True)
    run = out / "DPO-s0"
    assert (run / "model").is_dir()
    held = json.loads((run / HELDOUT_FILE).read_text())
    (run / HELDOUT_FILE).unlink()
    assert run_state(run) == "evaluating"
    metrics = (run / "metrics.jsonl").read_text()
    outcomes = run_sweep(load_plan(out), threads=1, keep_models=True)
    assert [o.status for o in outcomes] == ["completed"]
    again = json.loads((run / HELDOUT_FILE).read_text())
    assert again["chosen"] == pytest.approx(held["chosen"], abs=1e-5)
    assert (run / "metrics.jsonl").read_text() == metrics  # not retrained


def test_a_failed_run_does_not_stop_the_sweep(tmp_path: Path) -> None:
    out = tmp_path / "failing"
    plan = plan_sweep(out, ["DPO", "CPO"], TrainConfig(**{**TINY, "steps": 1}))
    (out / "DPO-s0").write_text("a file where the run folder should go")
    outcomes = run_sweep(plan, threads=1)
    assert [(o.dir, o.status) for o in outcomes] == [("DPO-s0", "failed"), ("CPO-s0", "completed")]
    assert outcomes[0].error and "\n" not in outcomes[0].error.split(":", 1)[0]


# --------------------------------------------------------------------------- planning
def test_changing_a_shared_setting_of_a_sweep_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "s"
    plan_sweep(out, ["DPO"], TrainConfig(**TINY))
    with pytest.raises(DPALogicError, match=r"other settings.*steps: 2 → 3"):
        plan_sweep(out, ["DPO"], TrainConfig(**{**TINY, "steps": 3}))
    extended = plan_sweep(out, ["DPO"], TrainConfig(**TINY), seeds=[0, 5])
    assert [r.dir for r in extended.runs] == ["DPO-s0", "DPO-s5"]
    assert load_plan(out).seeds == [0, 5]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda out: plan_sweep(out, [], TrainConfig(**TINY)), "at least one loss"),
        (lambda out: plan_sweep(out, ["DPO", "DPO"], TrainConfig(**TINY)), "given twice"),
        (lambda out: plan_sweep(out, ["NoSuchLoss"], TrainConfig(**TINY)), "NoSuchLoss"),
        (lambda out: plan_sweep(out, ["DPO"], TrainConfig(**{**TINY, "reference": "none"})),
         "loss DPO"),
        (lambda out: plan_sweep(out, ["DPO"], TrainConfig(**TINY), seeds=[]), "no seeds"),
        (lambda out: load_plan(out), "not a sweep folder"),
        (lambda out: select_losses(), "no losses to sweep"),
        (lambda out: select_losses(["NoSuchLoss"]), "NoSuchLoss"),
        (lambda out: select_losses(around="cCPO", where=["shiny"]), "unknown property"),
        (lambda out: select_losses(between=("unCPO", "CPO")), "no loss lies between"),
        (lambda out: select_losses(between=("CPO", "unCPO"), limit=3), "more than 3"),
        (lambda out: parse_seeds("0,x"), "bad seed"),
        (lambda out: parse_seeds("3-1"), "end is before"),
        (lambda out: parse_seeds(""), "no seeds"),
    ],
)
def test_bad_sweeps_are_one_clear_error(tmp_path: Path, call: object, message: str) -> None:
    with pytest.raises(DPALogicError, match=message) as info:
        call(tmp_path / "s")  # type: ignore[operator]
    assert "\n" not in str(info.value)
    assert not (tmp_path / "s").exists()


def test_bad_execution_options_are_refused(tmp_path: Path) -> None:
    plan = plan_sweep(tmp_path / "s", ["DPO"], TrainConfig(**TINY))
    with pytest.raises(DPALogicError, match="workers"):
        run_sweep(plan, workers=0)
    with pytest.raises(DPALogicError, match="unknown backend"):
        run_sweep(plan, backend="slurm")
    with pytest.raises(DPALogicError, match="gpus-per-run"):
        run_sweep(plan, gpus_per_run=-1, backend="ray")
    assert not (tmp_path / "s" / "DPO-s0").exists()


def test_parse_seeds_forms() -> None:
    assert parse_seeds("0,1,2") == parse_seeds("0-2") == parse_seeds([0, 1, 2]) == [0, 1, 2]
    assert parse_seeds(3) == [3]
    assert parse_seeds("4, 1-2,1") == [4, 1, 2]


# -------------------------------------------------------------------------- selections
def test_around_selects_the_loss_and_its_lattice_neighbours() -> None:
    selected = select_losses(around="cCPO")
    centre = resolve("cCPO")
    expected = [centre, *(step.structure for step in neighbours(centre))]
    assert len(selected) == len(expected) == 9  # 2·2² neighbours over two variables
    got = _structures([s.spec for s in selected])
    for g, e in zip(got, expected, strict=True):
        assert _same(g, e)
    assert selected[0].name == "cCPO" and selected[0].origin == "around cCPO: the centre"
    # neighbours that are zoo losses are trained under their names (and are those losses)
    names = {s.name for s in selected}
    assert {"CPO", "ORPO", "CE", "unCPO"} <= names
    for s in selected:
        if "[" not in s.name:
            assert _same(resolve(s.spec), resolve(s.name))
    # the others are program strings that read back to the neighbour
    unnamed = [s for s in selected if "[" in s.name]
    assert unnamed and all(s.spec.startswith("P=") for s in unnamed)
    assert select_losses(around="cCPO", include_center=False) == selected[1:]


def test_between_with_a_property_selects_the_filtered_interval() -> None:
    lo, hi = resolve("CPO"), resolve("unCPO")
    members = list(interval(lo, hi))
    monotone = [s for s in members if PROPERTY_CHECKS["preference-monotone"](s)]
    selected = select_losses(between=("CPO", "unCPO"), where=["preference-monotone"])
    got = _structures([s.spec for s in selected])
    assert len(got) == len(monotone)
    for g, e in zip(got, monotone, strict=True):
        assert _same(g, e)
        assert g in interval(lo, hi)
    assert [s.name for s in selected][:1] == ["CPO"] and "unCPO" in [s.name for s in selected]
    assert all(s.origin == "between CPO and unCPO" for s in selected)


def test_where_filters_the_selection_but_keeps_given_losses() -> None:
    everything = select_losses(around="CE")
    check = PROPERTY_CHECKS["preference-monotone"]
    monotone = [s for s in everything if check(resolve(s.spec))]
    assert 0 < len(monotone) < len(everything)  # 5 of CE and its 8 neighbours
    kept = select_losses(around="CE", where=["preference-monotone"])
    assert [s.spec for s in kept] == [s.spec for s in monotone]
    others = select_losses(around="CE", where=["not-preference-monotone"])
    assert [s.spec for s in others] == [s.spec for s in everything if s not in monotone]
    given = select_losses(["DPO"], around="CE", where=["not-preference-monotone"])
    assert given[0].name == "DPO" and given[0].origin == "given"
    assert [s.spec for s in given[1:]] == [s.spec for s in others]


def test_a_selection_plans_one_run_per_loss_and_seed(tmp_path: Path) -> None:
    selected = select_losses(["DPO"], between=("CPO", "unCPO"))
    plan = plan_sweep(tmp_path / "sel", selected, TrainConfig(**TINY), seeds=[0, 1])
    assert len(plan.runs) == 2 * len(selected)
    assert len({r.dir for r in plan.runs}) == len(plan.runs)
    saved = json.loads((tmp_path / "sel" / MANIFEST).read_text())
    assert [d["spec"] for d in saved["losses"]] == [s.spec for s in selected]
    assert load_plan(tmp_path / "sel").losses == selected


# ------------------------------------------------------------------------------ reports
def test_report_regenerates_from_the_run_folders_alone(
    sweep: tuple[SweepPlan, list[RunOutcome]], tmp_path: Path,
) -> None:
    plan, _ = sweep
    copy = tmp_path / "only-runs"
    copy.mkdir()
    for run in ("DPO-s0", "DPO-s1", "cCPO-s0", "cCPO-s1"):
        shutil.copytree(plan.out / run, copy / run)
    (copy / ".CPO-s0.partial").mkdir()  # an unfinished run and a stray folder are ignored
    (copy / "notes").mkdir()
    assert not (copy / MANIFEST).exists()

    md = write_report(copy)
    assert md == copy / "report.md"
    text = md.read_text()
    for png in ("report-dynamics.png", "report-lattice.png"):
        assert (copy / png).read_bytes()[:8] == PNG_MAGIC
        assert f"]({png})" in text
    for name in ("DPO", "cCPO"):
        assert f"| `{name}` | 0,1 |" in text
    assert "| (untrained) | 0,1 |" in text
    assert "CPO-s0" not in text

    records = collect(copy)
    assert sorted((r.name, r.seed) for r in records) == [
        ("DPO", 0), ("DPO", 1), ("cCPO", 0), ("cCPO", 1)]
    # the same table as the report of the original sweep folder (with its sweep.json)
    original = write_report(plan.out, tmp_path / "orig" / "r.md")
    table = markdown_table(*summarise(records))
    assert table in text and table in original.read_text()
    assert (tmp_path / "orig" / "report-dynamics.png").read_bytes()[:8] == PNG_MAGIC


def test_report_statistics_are_the_seed_mean_and_spread(
    sweep: tuple[SweepPlan, list[RunOutcome]],
) -> None:
    plan, _ = sweep
    summaries, base = summarise(collect(plan.out))
    assert [s.name for s in summaries] == ["DPO", "cCPO"]
    for s in summaries:
        accs = [json.loads((plan.out / f"{s.name}-s{seed}" / "eval.json").read_text())
                ["after"]["preference"]["accuracy"] for seed in (0, 1)]
        mean, std, n = s.stats["pref_acc"]
        assert n == 2 and mean == pytest.approx(sum(accs) / 2)
        assert std == pytest.approx(abs(accs[0] - accs[1]) / 2 ** 0.5)
        assert len(s.margins) == 2 * TINY["n_test"]
    assert base.seeds == [0, 1] and base.stats["pref_acc"][2] == 2


def test_report_of_an_empty_folder_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(DPALogicError, match="no completed runs"):
        write_report(tmp_path)
    with pytest.raises(DPALogicError, match="not found"):
        write_report(tmp_path / "missing")


# ---------------------------------------------------------------------------- backends
@pytest.mark.slow
def test_worker_processes_run_a_sweep(tmp_path: Path) -> None:
    plan = plan_sweep(tmp_path / "pool", ["DPO", "CPO"], TrainConfig(**{**TINY, "steps": 1}))
    outcomes = run_sweep(plan, workers=2, threads=1)
    assert [(o.dir, o.status) for o in outcomes] == [("DPO-s0", "completed"),
                                                     ("CPO-s0", "completed")]
    assert all((tmp_path / "pool" / o.dir / HELDOUT_FILE).is_file() for o in outcomes)


@pytest.mark.slow
def test_ray_backend_runs_a_sweep_on_a_local_instance(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        plan = plan_sweep(tmp_path / "ray", ["DPO", "CPO"], TrainConfig(**{**TINY, "steps": 1}),
                          seeds=[0])
        outcomes = run_sweep(plan, backend="ray", threads=1)
        assert [(o.dir, o.status) for o in outcomes] == [("DPO-s0", "completed"),
                                                         ("CPO-s0", "completed")]
        assert all(o.error is None for o in outcomes)
        for o in outcomes:
            held = json.loads((tmp_path / "ray" / o.dir / HELDOUT_FILE).read_text())
            assert held["name"] == o.name and held["n"] == TINY["n_test"]
        again = run_sweep(load_plan(tmp_path / "ray"), backend="ray", threads=1)
        assert [o.status for o in again] == ["skipped", "skipped"]
        assert write_report(tmp_path / "ray").is_file()
    finally:
        ray.shutdown()
