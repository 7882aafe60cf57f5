"""Sweeps: train many losses (and seeds) under one shared setting, resumably, in parallel.

A sweep is a list of losses — named, programs, or a *lattice selection* (the immediate
neighbours of a loss, or every loss between two losses filtered by properties) — crossed with a
list of seeds, all sharing the other :class:`~dpalogic.training.run.TrainConfig` keys (model,
data, steps, ...). Each (loss, seed) is one ordinary training run in its own folder::

    <sweep>/
      sweep.json             the plan: shared settings, losses (name, spec, origin), seeds, runs
      <loss>-s<seed>/        a run directory written by :func:`dpalogic.training.run.train`
        config.yaml run.json metrics.jsonl eval.json dynamics.png
        heldout.json         per-pair held-out log-probabilities of the trained model (the
                             distributions in the report) + the sweep label of the run
      .<loss>-s<seed>.partial/   an interrupted run (kept for resuming)

Running the same sweep again skips completed runs, resumes interrupted ones from their last
checkpoint (``checkpoint_every > 0``; otherwise they restart) and runs the missing ones; adding
losses or seeds to an existing sweep runs only the new runs. Changing a shared setting of an
existing sweep is refused (it would mix incomparable runs).

Runs execute one after the other (``workers=1``), in a pool of worker processes that split the
machine's cores (``workers=N``), or as Ray tasks (``backend="ray"``; a local Ray instance is
started unless one is running or ``ray_address`` names a cluster — the sweep folder must then be
on a file system every node sees).

Example (about a minute on a laptop CPU)::

    >>> from dpalogic.training.run import TrainConfig
    >>> from dpalogic.training.sweep import plan_sweep, run_sweep
    >>> plan = plan_sweep("runs/sweep-tiny", ["DPO", "CPO"], TrainConfig(model="tiny", steps=4),
    ...                   seeds=[0, 1])  # doctest: +SKIP
    >>> outcomes = run_sweep(plan)  # doctest: +SKIP
    >>> from dpalogic.training.report import write_report
    >>> write_report("runs/sweep-tiny")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpalogic.errors import DPALogicError
from dpalogic.training.run import TrainConfig

__all__ = [
    "HELDOUT_FILE",
    "MANIFEST",
    "RunOutcome",
    "SweepLoss",
    "SweepPlan",
    "SweepRun",
    "execute_run",
    "heldout_logps",
    "iter_runs",
    "load_plan",
    "parse_seeds",
    "plan_sweep",
    "print_progress",
    "program_text",
    "run_state",
    "run_sweep",
    "select_losses",
    "sweep_status",
]

#: The sweep's plan file (in the sweep folder).
MANIFEST = "sweep.json"
#: Per-run file the sweep adds to a completed run directory.
HELDOUT_FILE = "heldout.json"
#: Keys that differ between the runs of a sweep; every other key is shared.
PER_RUN_KEYS = ("loss", "seed", "out", "resume", "overwrite")


# ----------------------------------------------------------------------------------- losses
@dataclass(frozen=True)
class SweepLoss:
    """One loss of a sweep: a display ``name``, the ``spec`` given to training (a zoo name or a
    program string) and where it came from (``"given"``, ``"around cCPO: add TT to ✗"``, ...)."""

    name: str
    spec: str
    origin: str = "given"

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"name": self.name, "spec": self.spec, "origin": self.origin}


def program_text(structure: Any) -> str:
    """A program string ``"P=...; PC=...; PA=..."`` that :func:`dpalogic.api.resolve` reads back
    to the same structure (used to train losses of a lattice selection that have no name)."""
    from dpalogic.logic import to_paper

    p, pc, pa = structure.canonical()
    return f"P={to_paper(p)}; PC={to_paper(pc)}; PA={to_paper(pa)}"


def _named(structure: Any) -> str | None:
    """The zoo name of a loss with exactly these (✓, ✗) worlds (published first), if any."""
    from dpalogic import zoo
    from dpalogic.landscape.order import align

    rank = {"published": 0, "novel": 1}
    hits: list[tuple[int, str]] = []
    for entry in zoo.entries():
        a, b = align(structure, entry.structure)
        if (a.top, a.bottom) == (b.top, b.bottom):
            hits.append((rank.get(getattr(entry, "kind", ""), 2), entry.name))
    return min(hits)[1] if hits else None


def select_losses(
    losses: Sequence[str] = (),
    *,
    around: str | None = None,
    between: tuple[str, str] | None = None,
    where: Sequence[str] = (),
    limit: int = 64,
    include_center: bool = True,
) -> list[SweepLoss]:
    """The losses of a sweep: the given ones, plus a lattice selection.

    Args:
        losses: zoo names or program strings, trained as given.
        around: a loss whose immediate lattice neighbours (one world's state changed) are added,
            with the loss itself first unless ``include_center=False``.
        between: ``(A, B)``: every loss X with A ≤ X ≤ B (A the more constrained end).
        where: property names (``dpalogic.landscape.properties.PROPERTY_CHECKS`` keys, ``not-``
            to negate) that every *selected* loss must have (given losses are kept as given).
        limit: refuse a selection larger than this (an interval can be huge).

    Selected losses identical to a zoo entry are trained under that entry's name (with its
    link and hyperparameters); the others as program strings with the logistic link.

    Raises:
        DPALogicError: no loss at all, an unknown loss or property, or a selection over ``limit``.
    """
    from dpalogic.api import loss_name, resolve
    from dpalogic.landscape.neighbours import interval, neighbours, resolve_predicates

    checks = resolve_predicates(list(where))
    out: list[SweepLoss] = []
    for spec in losses:
        resolve(spec)  # fail early on a bad name/program
        out.append(SweepLoss(loss_name(spec) or spec.strip(), spec.strip(), "given"))

    def add_structure(s: Any, origin: str, fallback: str) -> None:
        if not all(check(s) for check in checks):
            return
        name = _named(s)
        out.append(SweepLoss(name or fallback, name or program_text(s), origin))

    if around is not None:
        centre = resolve(around)
        centre_name = loss_name(around) or around.strip()
        if include_center:
            add_structure(centre, f"around {centre_name}: the centre", centre_name)
        for step in neighbours(centre):
            add_structure(step.structure, f"around {centre_name}: {step.change}",
                          f"{centre_name}[{step.change}]")
    if between is not None:
        lo, hi = between
        lo_name, hi_name = loss_name(lo) or lo.strip(), loss_name(hi) or hi.strip()
        try:
            iv = interval(resolve(lo), resolve(hi))
        except DPALogicError as err:  # A is not at least as constrained as B
            why = str(err).splitlines()[0].split("(", 1)[-1].rstrip(")")
            raise DPALogicError(f"no loss lies between {lo_name} and {hi_name}: {lo_name} is "
                                f"not at least as constrained as {hi_name} ({why})") from err
        kept = list(iv.where(*checks, limit=limit + 1))
        if len(kept) > limit:
            raise DPALogicError(f"more than {limit} losses between {lo_name} and {hi_name}"
                                + (f" with {', '.join(where)}" if where else "")
                                + "; narrow it with --where or raise the limit")
        for i, s in enumerate(kept):
            add_structure(s, f"between {lo_name} and {hi_name}", f"{lo_name}..{hi_name}#{i + 1}")
    # drop repeats (same spec), keep the first
    seen: set[str] = set()
    unique: list[SweepLoss] = []
    for loss in out:
        if loss.spec not in seen:
            seen.add(loss.spec)
            unique.append(loss)
    if not unique:
        raise DPALogicError("no losses to sweep: give loss names/programs, --around or --between"
                            + (f" (nothing satisfies {', '.join(where)})" if where else ""))
    if len(unique) > limit:
        raise DPALogicError(f"{len(unique)} losses exceed the limit of {limit}")
    return unique


def parse_seeds(text: str | int | Sequence[int]) -> list[int]:
    """``"0,1,2"`` / ``"0-2"`` / ``3`` / ``[0, 1]`` → a list of distinct seeds, in order."""
    if isinstance(text, int):
        items: list[int] = [text]
    elif isinstance(text, str):
        items = []
        for part in text.replace(" ", "").split(","):
            if not part:
                continue
            m = re.fullmatch(r"(\d+)-(\d+)", part)
            if m:
                a, b = int(m.group(1)), int(m.group(2))
                if b < a:
                    raise DPALogicError(f"bad seed range {part!r}: the end is before the start")
                items.extend(range(a, b + 1))
            elif re.fullmatch(r"\d+", part):
                items.append(int(part))
            else:
                raise DPALogicError(f"bad seed {part!r}: expected e.g. 0,1,2 or 0-2")
    else:
        items = [int(s) for s in text]
    seeds = list(dict.fromkeys(items))
    if not seeds:
        raise DPALogicError("no seeds given (e.g. --seeds 0,1,2)")
    return seeds


# ------------------------------------------------------------------------------------ plan
def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9+]+", "-", text).strip("-")
    return slug[:48] or "loss"


@dataclass(frozen=True)
class SweepRun:
    """One (loss, seed) of a sweep and its run directory (relative to the sweep folder)."""

    loss: SweepLoss
    seed: int
    dir: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.loss.name, "seed": self.seed, "dir": self.dir}


@dataclass
class SweepPlan:
    """A sweep folder's plan: shared settings, losses, seeds and the resulting runs."""

    out: Path
    base: TrainConfig
    losses: list[SweepLoss]
    seeds: list[int]
    runs: list[SweepRun] = field(default_factory=list)

    def config_for(self, run: SweepRun) -> TrainConfig:
        """The full training config of one run."""
        return self.base.replace(loss=run.loss.spec, seed=run.seed,
                                 out=str(self.out / run.dir), resume=False, overwrite=False)

    def shared_settings(self) -> dict[str, Any]:
        """The settings every run shares (the config minus the per-run keys)."""
        return {k: v for k, v in self.base.to_dict().items() if k not in PER_RUN_KEYS}

    def to_dict(self) -> dict[str, Any]:
        """The JSON written to ``sweep.json``."""
        return {
            "settings": self.shared_settings(),
            "losses": [loss.to_dict() for loss in self.losses],
            "seeds": list(self.seeds),
            "runs": [run.to_dict() for run in self.runs],
        }

    def save(self) -> Path:
        """Write ``sweep.json`` (atomically)."""
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / MANIFEST
        tmp = path.with_name(f".{MANIFEST}.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        tmp.replace(path)
        return path


def _make_runs(losses: Sequence[SweepLoss], seeds: Sequence[int],
               existing: Sequence[SweepRun] = ()) -> list[SweepRun]:
    runs = list(existing)
    taken = {r.dir for r in runs}
    have = {(r.loss.spec, r.seed) for r in runs}
    for loss in losses:
        for seed in seeds:
            if (loss.spec, seed) in have:
                continue
            base = f"{_slug(loss.name)}-s{seed}"
            name, k = base, 2
            while name in taken:
                name = f"{base}-{k}"
                k += 1
            taken.add(name)
            have.add((loss.spec, seed))
            runs.append(SweepRun(loss, seed, name))
    return runs


def load_plan(out: str | Path) -> SweepPlan:
    """Read a sweep folder's ``sweep.json``."""
    folder = Path(out)
    path = folder / MANIFEST
    if not path.is_file():
        raise DPALogicError(f"{folder} is not a sweep folder (no {MANIFEST})")
    try:
        data = json.loads(path.read_text())
        base = TrainConfig.from_dict(data["settings"], source=str(path))
        losses = [SweepLoss(d["name"], d["spec"], d.get("origin", "given"))
                  for d in data["losses"]]
        by_name = {loss.name: loss for loss in losses}
        runs = [SweepRun(by_name[r["name"]], int(r["seed"]), r["dir"]) for r in data["runs"]]
        seeds = [int(s) for s in data["seeds"]]
    except (KeyError, TypeError, ValueError) as err:
        raise DPALogicError(f"{path}: not a valid sweep plan ({err})") from err
    return SweepPlan(folder, base, losses, seeds, runs)


def plan_sweep(
    out: str | Path,
    losses: Sequence[SweepLoss | str],
    base: TrainConfig,
    *,
    seeds: Sequence[int] = (0,),
) -> SweepPlan:
    """Plan a sweep in folder *out* (or extend the one there) and write ``sweep.json``.

    Every loss is compiled against the shared settings first, so a bad loss or option fails
    before anything runs. An existing sweep in *out* must have the same shared settings; new
    losses and seeds are added to it and its runs are kept.

    Raises:
        DPALogicError: bad options or loss, no losses/seeds, or settings that differ from the
            existing sweep's (the message names the keys).
    """
    from dpalogic.training.run import resolve_loss

    items = [x if isinstance(x, SweepLoss) else SweepLoss(x, x) for x in losses]
    if not items:
        raise DPALogicError("a sweep needs at least one loss")
    names = [x.name for x in items]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise DPALogicError(f"loss {dup!r} is given twice")
    seeds = parse_seeds(list(seeds))
    base = base.replace(out=None, resume=False, overwrite=False)
    base.validate()
    for loss in items:
        try:
            resolve_loss(base.replace(loss=loss.spec))
        except DPALogicError as err:
            raise DPALogicError(f"loss {loss.name}: {str(err).splitlines()[0]}") from err
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise DPALogicError(f"sweep folder is a file: {folder}")
    existing: list[SweepRun] = []
    if (folder / MANIFEST).is_file():
        old = load_plan(folder)
        new_settings = SweepPlan(folder, base, [], []).shared_settings()
        diff = [k for k, v in old.shared_settings().items() if new_settings.get(k) != v]
        if diff:
            details = ", ".join(f"{k}: {old.shared_settings()[k]!r} → {new_settings[k]!r}"
                                for k in diff)
            raise DPALogicError(f"{folder} holds a sweep with other settings ({details}); "
                                "use another folder")
        old_specs = {loss.name: loss.spec for loss in old.losses}
        for loss in items:
            if loss.name in old_specs and old_specs[loss.name] != loss.spec:
                raise DPALogicError(f"{folder}: loss name {loss.name!r} already denotes "
                                    f"{old_specs[loss.name]!r}")
        merged = list(old.losses) + [x for x in items if x.name not in old_specs]
        merged_seeds = list(dict.fromkeys([*old.seeds, *seeds]))
        existing = old.runs
        plan = SweepPlan(folder, base, merged, merged_seeds)
        plan.runs = _make_runs(items, seeds, existing)
    else:
        plan = SweepPlan(folder, base, items, seeds)
        plan.runs = _make_runs(items, seeds)
    plan.save()
    return plan


# ------------------------------------------------------------------------------- run state
def _partial(path: Path) -> Path:
    return path.parent / f".{path.name}.partial"


def _has_checkpoint(partial: Path) -> bool:
    ckpt = partial / "checkpoints"
    return ckpt.is_dir() and any(p.is_dir() for p in ckpt.glob("checkpoint-*"))


def run_state(path: str | Path) -> str:
    """``"completed"`` (trained and its held-out file written), ``"evaluating"`` (trained, the
    held-out file missing), ``"interrupted"`` (a checkpoint to resume from), ``"pending"``."""
    p = Path(path)
    if (p / "run.json").is_file():
        return "completed" if (p / HELDOUT_FILE).is_file() else "evaluating"
    if _has_checkpoint(_partial(p)):
        return "interrupted"
    return "pending"


@dataclass
class RunOutcome:
    """What happened to one run of a sweep."""

    dir: str
    name: str
    seed: int
    status: str  # completed | skipped | failed | interrupted
    seconds: float = 0.0
    error: str | None = None
    summary: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"dir": self.dir, "name": self.name, "seed": self.seed, "status": self.status,
                "seconds": round(self.seconds, 2), "error": self.error, "summary": self.summary}


# ------------------------------------------------------------------------- held-out margins
def heldout_logps(run_dir: str | Path, model: Any = None, tokenizer: Any = None,
                  config: TrainConfig | None = None) -> dict[str, Any]:
    """Per-pair held-out log-probabilities ``{"chosen": [...], "rejected": [...], ...}``.

    Scores the split ``train`` evaluated on (test, else validation; rebuilt from the config
    like :func:`dpalogic.training.run.train` builds it) with the model saved in
    ``run_dir/model`` (or the *model*/*tokenizer* given), length-normalised when the loss is.
    """
    from dpalogic.training.data import load_preferences
    from dpalogic.training.evaluate import completion_logps
    from dpalogic.training.models import load_model
    from dpalogic.training.run import resolve_loss

    run = Path(run_dir)
    cfg = config or TrainConfig.from_yaml(run / "config.yaml")
    if model is None:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bars between progress lines
        model, tokenizer = load_model(str(run / "model"), seed=cfg.seed)
    norm = bool(getattr(resolve_loss(cfg), "length_normalize", False))
    # Same split as training.run (adapter over its private _load_data/_eval_split).
    kwargs: dict[str, Any] = {"seed": cfg.seed,
                              "conversational": bool(getattr(tokenizer, "chat_template", None))}
    if cfg.data.split(":", 1)[0] == "builtin":
        kwargs.update(n_train=cfg.n_train, n_validation=cfg.n_validation, n_test=cfg.n_test)
    dataset = load_preferences(cfg.data, **kwargs)
    split_name, split = "train", None
    for name in ("test", "validation"):
        if name in dataset and len(dataset[name]) > 0:
            split_name, split = name, dataset[name]
            break
    if split is None:
        split = dataset["train"].select(range(min(cfg.n_test, len(dataset["train"]))))
    rows = list(split)
    prompts = [r["prompt"] for r in rows]
    scores = completion_logps(model, tokenizer, prompts + prompts,
                              [r["chosen"] for r in rows] + [r["rejected"] for r in rows],
                              batch_size=cfg.eval_batch_size, length_normalize=norm)
    n = len(rows)
    return {"split": split_name, "length_normalize": norm, "n": n,
            "chosen": [round(float(x), 6) for x in scores[:n]],
            "rejected": [round(float(x), 6) for x in scores[n:]]}


def _finish(run_dir: Path, label: dict[str, Any], keep_model: bool) -> None:
    """Write ``heldout.json`` for a trained run; drop the saved model unless it is wanted."""
    data = heldout_logps(run_dir)
    data.update(label)
    tmp = run_dir / f".{HELDOUT_FILE}.tmp"
    tmp.write_text(json.dumps(data) + "\n")
    tmp.replace(run_dir / HELDOUT_FILE)
    if not keep_model:
        shutil.rmtree(run_dir / "model", ignore_errors=True)


# -------------------------------------------------------------------------------- execution
def _set_threads(threads: int | None) -> None:
    if not threads:
        return
    import torch

    torch.set_num_threads(max(1, threads))
    os.environ["OMP_NUM_THREADS"] = str(max(1, threads))


def execute_run(job: dict[str, Any]) -> dict[str, Any]:
    """Run (or resume, or finish) one sweep run described by a JSON-able *job*; never raises.

    This is the unit of work of every backend (in-process, worker process, Ray task). Returns
    :meth:`RunOutcome.to_dict`.
    """
    t0 = time.perf_counter()
    out = Path(job["config"]["out"])
    outcome = RunOutcome(job["dir"], job["name"], int(job["seed"]), "failed")
    try:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        _set_threads(job.get("threads"))
        cfg = TrainConfig.from_dict(job["config"], source=f"run {job['dir']}")
        label = {"name": job["name"], "spec": cfg.loss, "seed": cfg.seed,
                 "origin": job.get("origin", "given")}
        keep_model = bool(job.get("keep_model"))
        state = run_state(out)
        if state == "completed":
            outcome.status = "skipped"
        elif state == "evaluating":
            if not (out / "model").is_dir():
                raise DPALogicError(f"{out}: trained but its model is gone; delete the folder "
                                    "to rerun it")
            _finish(out, label, keep_model)
            outcome.status = "completed"
        else:
            from dpalogic.training.run import train

            cfg = cfg.replace(save_model=True, resume=state == "interrupted",
                              overwrite=False)
            before = job.get("before")
            result = train(cfg, progress=False, stop_after=job.get("stop_after"),
                           before=before if state != "interrupted" else None)
            if result.status != "completed":
                outcome.status = "interrupted"
            else:
                _finish(out, label, keep_model)
                outcome.status = "completed"
        if (out / "run.json").is_file():
            outcome.summary = _run_summary(out)
    except BaseException as err:  # a failed run must not stop the sweep
        if isinstance(err, KeyboardInterrupt | SystemExit):
            raise  # Ctrl-C stops the sweep; the run's checkpoints are kept for resuming
        else:
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            outcome.error = f"{type(err).__name__}: {first}"
            if not isinstance(err, DPALogicError):
                outcome.error += "\n" + traceback.format_exc(limit=6)
    outcome.seconds = time.perf_counter() - t0
    return outcome.to_dict()


def _run_summary(run: Path) -> dict[str, Any]:
    info = json.loads((run / "run.json").read_text())
    ev = json.loads((run / "eval.json").read_text()) if (run / "eval.json").is_file() else {}
    after = ev.get("after") or {}
    pref, gen = after.get("preference") or {}, after.get("generation") or {}
    return {"steps": info.get("steps"), "seconds": info.get("seconds"),
            "final_loss": info.get("final_loss"),
            "preference_accuracy": pref.get("accuracy"),
            "generation_accuracy": gen.get("accuracy"),
            "mean_margin": pref.get("mean_margin")}


def _before_key(cfg: TrainConfig) -> str:
    """Runs with equal keys evaluate the same untrained model on the same data the same way."""
    from dpalogic.training.run import resolve_loss

    norm = bool(getattr(resolve_loss(cfg), "length_normalize", False))
    return f"s{cfg.seed}-{'norm' if norm else 'sum'}"


def _shared_before(plan: SweepPlan, run: SweepRun, cache: dict[str, Any]) -> Any:
    """The untrained model's evaluation from a completed run with the same model/data/seed."""
    key = _before_key(plan.config_for(run))
    if key in cache:
        return cache[key]
    for other in plan.runs:
        path = plan.out / other.dir / "eval.json"
        if other.seed != run.seed or not path.is_file():
            continue
        if _before_key(plan.config_for(other)) != key:
            continue
        before = json.loads(path.read_text()).get("before")
        if before:
            cache[key] = before
            return before
    return None


def run_sweep(
    plan: SweepPlan,
    *,
    workers: int = 1,
    backend: str = "local",
    threads: int | None = None,
    ray_address: str | None = None,
    gpus_per_run: float = 0,
    keep_models: bool = False,
    on_result: Callable[[RunOutcome], None] | None = None,
    stop_after: int | None = None,
) -> list[RunOutcome]:
    """Execute the runs of *plan* that are not complete; return one outcome per run.

    Args:
        plan: from :func:`plan_sweep` / :func:`load_plan`.
        workers: runs at a time (``local``: worker processes; 1 runs in this process).
        backend: ``"local"`` or ``"ray"`` (needs ``ray``; each run is a Ray task asking for
            ``threads`` CPUs).
        threads: torch threads per run (default: the machine's cores divided by ``workers``).
        ray_address: a Ray cluster to join (default: the running instance, else a local one).
        gpus_per_run: GPUs each Ray task asks for (Ray hides GPUs from tasks that ask for
            none, so set it to train on a GPU cluster); ``ray`` backend only.
        keep_models: keep each run's trained model in ``<run>/model``.
        on_result: called with each outcome as it arrives (progress reporting).
        stop_after: stop every run after this step as if interrupted (for tests of resuming).

    A failed run is reported (``status="failed"``, ``error``) and does not stop the others.
    Runs sharing model, data, seed and length normalisation evaluate the untrained model once.
    """
    if workers < 1:
        raise DPALogicError(f"--workers must be >= 1, got {workers}")
    if backend not in ("local", "ray"):
        raise DPALogicError(f"unknown backend {backend!r}: use local or ray")
    if gpus_per_run < 0 or (gpus_per_run and backend != "ray"):
        raise DPALogicError(f"--gpus-per-run must be >= 0 and needs --backend ray, got "
                            f"{gpus_per_run} with backend {backend}")
    cores = os.cpu_count() or 1
    threads = threads or max(1, cores // workers)
    before_cache: dict[str, Any] = {}

    def job(run: SweepRun, with_before: bool) -> dict[str, Any]:
        cfg = plan.config_for(run)
        return {"config": cfg.to_dict(), "dir": run.dir, "name": run.loss.name, "seed": run.seed,
                "origin": run.loss.origin, "threads": threads, "keep_model": keep_models,
                "stop_after": stop_after,
                "before": _shared_before(plan, run, before_cache) if with_before else None}

    outcomes: list[RunOutcome] = []

    def record(result: dict[str, Any]) -> None:
        outcome = RunOutcome(**result)
        outcomes.append(outcome)
        if on_result is not None:
            on_result(outcome)

    todo = [r for r in plan.runs if run_state(plan.out / r.dir) != "completed"]
    for r in plan.runs:
        if r not in todo:
            record({"dir": r.dir, "name": r.loss.name, "seed": r.seed, "status": "skipped",
                    "summary": _run_summary(plan.out / r.dir)})
    if not todo:
        return outcomes
    if backend == "ray":
        _run_ray(todo, job, record, threads, ray_address, gpus_per_run)
    elif workers == 1:
        for r in todo:
            record(execute_run(job(r, with_before=True)))
    else:
        _run_pool(todo, job, record, workers)
    order = {r.dir: i for i, r in enumerate(plan.runs)}
    outcomes.sort(key=lambda o: order.get(o.dir, len(order)))
    return outcomes


def _run_pool(todo: Sequence[SweepRun], job: Callable[[SweepRun, bool], dict[str, Any]],
              record: Callable[[dict[str, Any]], None], workers: int) -> None:
    """Worker processes (spawned: no torch state is forked). The first run of each seed goes
    first so later ones can reuse its evaluation of the untrained model."""
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    pending = list(todo)
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        running: dict[Any, SweepRun] = {}
        while pending or running:
            while pending and len(running) < workers:
                run = pending.pop(0)
                running[pool.submit(execute_run, job(run, True))] = run
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                run = running.pop(fut)
                try:
                    record(fut.result())
                except Exception as err:  # a worker died (out of memory, killed)
                    record({"dir": run.dir, "name": run.loss.name, "seed": run.seed,
                            "status": "failed", "error": f"worker died: {err}"})


def _run_ray(todo: Sequence[SweepRun], job: Callable[[SweepRun, bool], dict[str, Any]],
             record: Callable[[dict[str, Any]], None], threads: int,
             address: str | None, gpus: float = 0) -> None:
    try:
        import ray
    except ImportError as err:
        raise DPALogicError("--backend ray needs the ray package: pip install 'ray[default]'") \
            from err
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, ignore_reinit_error=True,
                 log_to_driver=False)
    remote = ray.remote(num_cpus=threads, num_gpus=gpus, max_retries=0)(execute_run)
    refs = {remote.remote(job(run, True)): run for run in todo}
    while refs:
        done, _ = ray.wait(list(refs), num_returns=1)
        for ref in done:
            run = refs.pop(ref)
            try:
                record(ray.get(ref))
            except Exception as err:  # the task's process died
                record({"dir": run.dir, "name": run.loss.name, "seed": run.seed,
                        "status": "failed", "error": f"ray task failed: {err}"})


def sweep_status(out: str | Path) -> list[dict[str, Any]]:
    """One row per planned run: name, seed, dir and :func:`run_state`."""
    plan = load_plan(out)
    return [{"name": r.loss.name, "seed": r.seed, "dir": r.dir,
             "state": run_state(plan.out / r.dir)} for r in plan.runs]


def print_progress(outcome: RunOutcome, stream: Any = None) -> None:
    """One line per finished run (the CLI's and the case study's progress output)."""
    stream = stream or sys.stderr
    extra = ""
    if outcome.summary and outcome.summary.get("preference_accuracy") is not None:
        extra = f"  pref. acc. {outcome.summary['preference_accuracy']:.3f}"
    if outcome.error:
        extra = f"  {outcome.error.splitlines()[0]}"
    print(f"[{outcome.status:>11}] {outcome.dir:<32} {outcome.seconds:7.1f}s{extra}",
          file=stream, flush=True)


def iter_runs(out: str | Path) -> Iterable[Path]:
    """Completed run directories under a sweep folder (with or without ``sweep.json``)."""
    folder = Path(out)
    for p in sorted(folder.iterdir()):
        if p.is_dir() and not p.name.startswith(".") and (p / "run.json").is_file():
            yield p
