"""One training run: a :class:`TrainConfig` in, a run directory and a :class:`RunResult` out.

:func:`train` resolves the loss (any zoo name, program string or structure that
:func:`dpalogic.compile` accepts), loads the model and the preference data, evaluates the untrained
model, trains it with :class:`~dpalogic.training.trainer.CompiledLossTrainer`, evaluates it again
and writes the run directory::

    <out>/
      config.yaml    the resolved configuration (feed it back with ``dpalogic train --config``)
      run.json       status, steps, time, final loss, the compiled program, library versions
      metrics.jsonl  one JSON object per logged step (TRL's metric names + semantic/*)
      eval.json      {"before": {...}, "after": {...}}: held-out preference + generation accuracy
      dynamics.png   winner/loser log-probabilities, loss and accuracy against step
      model/         the trained model (or LoRA adapter) and tokenizer, with ``save_model=True``

Guarantees:

* **Nothing half-written.** Everything that can be checked is checked before the directory exists
  (options, the loss, the reference requirement, the data, the model). The run is written into a
  hidden sibling ``.<name>.partial`` and renamed to ``<name>`` only when it is complete. If the run
  fails before its first checkpoint the partial directory is removed.
* **Resumable.** Checkpoints go to ``.<name>.partial/checkpoints`` every ``checkpoint_every`` steps.
  After an interruption (Ctrl-C, a kill, ``stop_after``), running the same config with
  ``resume=True`` continues from the last checkpoint; ``metrics.jsonl`` is then the same as that of
  an uninterrupted run.
* **Multi-process.** Under ``accelerate launch`` every process trains; only the main process
  evaluates and writes files.

Example (seconds on a laptop CPU)::

    >>> from dpalogic.training.run import TrainConfig, train
    >>> config = TrainConfig(loss="DPO", model="tiny", steps=4, out="runs/dpo-tiny")
    >>> result = train(config)  # doctest: +SKIP
    >>> result.after["preference"]["accuracy"]  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import math
import re
import shutil
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpalogic.errors import DPALogicError

__all__ = [
    "RunResult",
    "TrainConfig",
    "demo_config",
    "read_metrics",
    "summary_table",
    "train",
]

#: Predicates whose log-probabilities a training run can supply: the policy ``M``, the reference
#: ``Ref`` and their copies ``M2, M3, ...`` / ``Ref2, ...`` (which default to ``M`` / ``Ref``).
_SUPPLIED_PREDICATE = re.compile(r"^(M|Ref)\d*$")

_LINKS_HINT = "logistic, squared, hinge, ..."


@dataclass
class TrainConfig:
    """Everything one training run depends on; the same keys work in YAML and as CLI flags.

    Only ``loss`` is required. ``model`` is ``"tiny"``, ``"smollm2-135m"``, a local folder or a hub
    id; ``data`` is ``"builtin"``, ``"builtin:TASK,TASK"``, a ``.jsonl/.json/.parquet`` file or a
    ``datasets`` name/folder. ``reference`` is ``"auto"`` (a frozen copy of the starting model; with
    LoRA the adapter-disabled model), ``"none"`` (no reference: only losses that never mention
    ``Ref`` run) or a model name/path. ``beta``, ``link`` and ``length_normalize`` left at
    ``None`` take the loss's own defaults (a zoo entry's, else β = 1 and the logistic link).
    ``out=None`` picks ``runs/<loss>-<model>-s<seed>`` (with a
    numeric suffix when taken).
    """

    loss: str = "DPO"
    model: str = "tiny"
    data: str = "builtin"
    steps: int = 20
    batch_size: int = 4
    lr: float = 5e-5
    beta: float | None = None
    link: str | None = None
    length_normalize: bool | None = None
    sft_weight: float = 0.0
    lora: bool = False
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.0
    reference: str = "auto"
    seed: int = 0
    out: str | None = None
    max_length: int = 128
    grad_accum: int = 1
    lr_scheduler: str = "constant"
    warmup_steps: int = 0
    n_train: int = 256
    n_validation: int = 32
    n_test: int = 64
    eval_batch_size: int = 8
    generation_limit: int | None = 32
    max_new_tokens: int = 24
    evaluate: bool = True
    checkpoint_every: int = 50
    save_model: bool = False
    resume: bool = False
    overwrite: bool = False

    # ------------------------------------------------------------------ construction / export
    @classmethod
    def fields(cls) -> tuple[str, ...]:
        """The config keys, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "config") -> TrainConfig:
        """Build a config from a mapping (YAML keys may use ``-`` or ``_``); values are coerced.

        Unknown keys and values of the wrong type raise :class:`DPALogicError` naming the key.
        """
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for raw_key, value in data.items():
            key = str(raw_key).replace("-", "_")
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise DPALogicError(f"{source}: unknown key '{raw_key}'{hint}")
            kwargs[key] = _coerce(key, value, known[key].type, source)
        return cls(**kwargs)

    @classmethod
    def from_yaml(cls, path: str | Path) -> TrainConfig:
        """Read a YAML file whose top-level mapping uses the config keys."""
        return cls.from_dict(read_yaml(path), source=str(path))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every key (YAML/JSON serialisable)."""
        return dataclasses.asdict(self)

    def to_yaml(self) -> str:
        """The config as YAML text (keys in declaration order)."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some keys changed."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        """Check the plain options (types, ranges); the error names the first bad one."""
        positive_int = ("steps", "batch_size", "max_length", "grad_accum", "eval_batch_size",
                        "n_train", "n_test", "max_new_tokens", "lora_r", "lora_alpha")
        for name in positive_int:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise DPALogicError(f"option '{name}' must be a positive integer, got {value!r}")
        for name in ("n_validation", "warmup_steps", "checkpoint_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise DPALogicError(f"option '{name}' must be an integer >= 0, got {value!r}")
        if self.generation_limit is not None and self.generation_limit < 0:
            raise DPALogicError(
                f"option 'generation_limit' must be >= 0, got {self.generation_limit}"
            )
        for name in ("lr", "beta"):
            value = getattr(self, name)
            if name == "beta" and value is None:
                continue
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise DPALogicError(f"option '{name}' must be a positive number, got {value!r}")
        if not (math.isfinite(self.sft_weight) and self.sft_weight >= 0):
            raise DPALogicError(f"option 'sft_weight' must be >= 0, got {self.sft_weight!r}")
        if not 0 <= self.lora_dropout < 1:
            raise DPALogicError(f"option 'lora_dropout' must be in [0, 1), got {self.lora_dropout}")
        for name in ("loss", "model", "data", "reference"):
            if not str(getattr(self, name)).strip():
                raise DPALogicError(f"option '{name}' must not be empty")


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping; a missing file, bad YAML or a non-mapping raise DPALogicError."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise DPALogicError(f"config file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DPALogicError(f"{p}: not valid YAML: {first}") from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DPALogicError(f"{p}: expected a mapping of config keys, got {type(data).__name__}")
    return data


def _coerce(key: str, value: Any, annotation: Any, source: str) -> Any:
    """Coerce a YAML/CLI value to the type the dataclass field declares (as a string annotation)."""
    ann = str(annotation)
    optional = "None" in ann
    if value is None:
        if optional:
            return None
        raise DPALogicError(f"{source}: key '{key}' must not be empty")
    base = ann.replace("| None", "").strip()
    try:
        if base == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"true", "yes", "on", "1"}:
                return True
            if text in {"false", "no", "off", "0"}:
                return False
            raise ValueError(value)
        if base == "int":
            if isinstance(value, bool):
                raise ValueError(value)
            number = float(value)
            if not number.is_integer():
                raise ValueError(value)
            return int(number)
        if base == "float":
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)  # PyYAML reads "5e-5" (no dot) as a string
        if base == "str":
            if isinstance(value, dict | list):
                raise ValueError(value)
            return str(value)
    except (TypeError, ValueError) as err:
        raise DPALogicError(f"{source}: key '{key}' expects {base}, got {value!r}") from err
    return value


def demo_config(loss: str = "DPO", *, out: str | None = None, **changes: Any) -> TrainConfig:
    """Settings for SmolLM2-135M on the built-in data that take a few minutes on 2 CPU cores.

    Used by ``make demo`` and ``scripts/smollm2_study.py``; measured numbers are in
    docs/training.md.
    """
    base = TrainConfig(
        loss=loss,
        model="smollm2-135m",
        data="builtin",
        steps=30,
        batch_size=4,
        lr=2e-5,
        max_length=96,
        n_train=240,
        n_validation=0,
        n_test=32,
        eval_batch_size=16,
        generation_limit=16,
        max_new_tokens=12,
        checkpoint_every=0,
        seed=0,
        out=out,
    )
    return base.replace(**changes)


# ---------------------------------------------------------------------------------- results
@dataclass
class RunResult:
    """What :func:`train` returns. ``status`` is ``"completed"`` or ``"interrupted"``."""

    out: Path
    status: str
    config: TrainConfig
    steps: int
    seconds: float
    final_loss: float | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    metrics: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """A flat summary: accuracies before/after, final loss, steps, time, directory."""

        def pick(ev: dict[str, Any] | None, kind: str) -> float | None:
            if not ev or not ev.get(kind):
                return None
            return ev[kind].get("accuracy")

        return {
            "status": self.status,
            "out": str(self.out),
            "loss": self.config.loss,
            "model": self.config.model,
            "steps": self.steps,
            "seconds": round(self.seconds, 2),
            "final_loss": self.final_loss,
            "preference_accuracy_before": pick(self.before, "preference"),
            "preference_accuracy_after": pick(self.after, "preference"),
            "generation_accuracy_before": pick(self.before, "generation"),
            "generation_accuracy_after": pick(self.after, "generation"),
        }


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """Read a ``metrics.jsonl`` file (a run directory or the file itself)."""
    p = Path(path)
    if p.is_dir():
        p = p / "metrics.jsonl"
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]


def summary_table(result: RunResult) -> Any:
    """A rich :class:`~rich.table.Table` with the before/after numbers of a run."""
    from rich.table import Table

    s = result.summary()

    def fmt(x: float | None) -> str:
        return "—" if x is None else f"{x:.3f}"

    table = Table(title=f"{result.config.loss} on {result.config.model} ({s['status']})")
    table.add_column("metric")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    table.add_row("preference accuracy (held out)", fmt(s["preference_accuracy_before"]),
                  fmt(s["preference_accuracy_after"]))
    table.add_row("generation accuracy", fmt(s["generation_accuracy_before"]),
                  fmt(s["generation_accuracy_after"]))
    if result.before and result.after and result.before.get("preference"):
        table.add_row("mean margin (chosen − rejected logp)",
                      fmt(result.before["preference"].get("mean_margin")),
                      fmt(result.after["preference"].get("mean_margin")))
    table.add_row("final training loss", "", fmt(s["final_loss"]))
    table.add_row("steps", "", str(s["steps"]))
    table.add_row("time (s)", "", f"{s['seconds']:.1f}")
    table.add_row("run directory", "", s["out"])
    return table


# ---------------------------------------------------------------------------------- helpers
def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:40] or "run"


def _is_name(text: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.+-]*", text) is not None


def _partial_of(out: Path) -> Path:
    return out.parent / f".{out.name}.partial"


def _default_out(config: TrainConfig) -> Path:
    loss = config.loss if _is_name(config.loss) else "program"
    model = Path(config.model).name if config.model else "model"
    base = Path("runs") / f"{_slug(loss)}-{_slug(model)}-s{config.seed}"
    candidate, k = base, 2
    while candidate.exists() or _partial_of(candidate).exists():
        candidate = base.with_name(f"{base.name}-{k}")
        k += 1
    return candidate


def _checkpoint_step(path: Path) -> int:
    match = re.search(r"checkpoint-(\d+)$", path.name)
    return int(match.group(1)) if match else 0


def _last_checkpoint(ckpt_dir: Path) -> Path | None:
    if not ckpt_dir.is_dir():
        return None
    found = [p for p in ckpt_dir.iterdir() if p.is_dir() and _checkpoint_step(p) > 0
             and (p / "trainer_state.json").exists()]
    return max(found, key=_checkpoint_step) if found else None


#: Keys that may differ between an interrupted run and its resumption.
_RESUME_FREE_KEYS = {"resume", "overwrite", "save_model", "out", "steps", "evaluate"}


def _check_resume_compatible(saved: dict[str, Any], config: TrainConfig) -> None:
    current = config.to_dict()
    diff = [k for k in current if k not in _RESUME_FREE_KEYS and saved.get(k) != current[k]]
    if diff:
        shown = ", ".join(f"{k}: {saved.get(k)!r} -> {current[k]!r}" for k in diff[:3])
        raise DPALogicError(f"cannot resume: the config differs from the interrupted run ({shown})")


def resolve_loss(config: TrainConfig) -> Any:
    """Compile the configured loss and check that a training run can supply its inputs.

    Raises :class:`DPALogicError` for an unknown loss, a program that mentions predicates other
    than ``M``/``Ref`` (and their copies), or a loss that needs a reference when
    ``reference="none"``.
    """
    import dpalogic

    kwargs: dict[str, Any] = {}
    if config.beta is not None:
        kwargs["beta"] = config.beta
    if config.link is not None:
        kwargs["link"] = config.link
    if config.length_normalize is not None:
        kwargs["length_normalize"] = config.length_normalize
    compiled = dpalogic.compile(config.loss, **kwargs)
    _check_inputs_supplied(compiled, config.loss)
    if compiled.requires_reference and config.reference.strip().lower() == "none":
        raise DPALogicError(
            f"loss '{config.loss}' needs reference log-probabilities (it mentions Ref) but "
            "reference='none'; use reference 'auto' or a model"
        )
    return compiled


def _check_inputs_supplied(compiled: Any, spec: str) -> None:
    """Evaluate the loss once on the inputs a run supplies; a missing binding becomes one line.

    A run supplies the policy's and the reference's log-probabilities and the completion
    lengths. Zoo entries bind their own extras (SimPO's margin reference ``Mref``); a program
    that mentions another free predicate cannot be trained.
    """
    import torch

    def t(x: float) -> Any:
        return torch.tensor([x])

    try:
        out = compiled(policy_chosen_logps=t(-1.0), policy_rejected_logps=t(-2.0),
                       reference_chosen_logps=t(-1.5), reference_rejected_logps=t(-1.5),
                       chosen_lengths=t(2.0), rejected_lengths=t(2.0))
    except (DPALogicError, KeyError, TypeError, ValueError) as err:
        structure = getattr(compiled, "structure", None)
        extra = sorted({a.pred for a in getattr(structure, "variables", ())
                        if not _SUPPLIED_PREDICATE.match(a.pred)})
        what = f"it mentions {', '.join(extra)}" if extra else str(err).splitlines()[0]
        raise DPALogicError(
            f"loss '{spec}' cannot be trained: {what}; a run supplies log-probabilities only "
            "for M and Ref (and copies M2, Ref2, ...)"
        ) from err
    if not torch.is_tensor(out) or out.shape[:1] != (1,):
        raise DPALogicError(f"loss '{spec}' did not return one value per pair")


# ---------------------------------------------------------------------------------- callbacks
#: Metrics TRL accumulates from the start of ``train()``; after a resume they restart at 0, so
#: the writer adds the value the interrupted run had reached.
_CUMULATIVE = ("num_tokens",)


def _callbacks(
    metrics_path: Path, progress: bool, stop_after: int | None, resumed: list[dict[str, Any]]
) -> list[Any]:
    """The run's TrainerCallbacks (built lazily: transformers is imported only here).

    *resumed* holds the metric records kept from an interrupted run (empty for a fresh run).
    """
    from transformers import TrainerCallback

    offsets = {k: next((r[k] for r in reversed(resumed) if k in r), 0.0) for k in _CUMULATIVE}
    earlier_losses = [r["loss"] for r in resumed if "loss" in r]

    class MetricsWriter(TrainerCallback):
        """Append every log record (main process only) to metrics.jsonl, flushed at once."""

        def __init__(self) -> None:
            self.losses = list(earlier_losses)

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if not state.is_world_process_zero or not logs:
                return
            record: dict[str, Any] = {"step": int(state.global_step)}
            for key, value in logs.items():
                if isinstance(value, bool):
                    continue
                if isinstance(value, int | float):
                    record[key] = float(value) if isinstance(value, float) else value
            for key, offset in offsets.items():
                if key in record:
                    record[key] += offset
            if "loss" in record:
                self.losses.append(record["loss"])
            if "train_loss" in record and resumed and self.losses:
                # Trainer averages only the steps since the resume; report the whole run's mean.
                record["train_loss"] = sum(self.losses) / len(self.losses)
            with metrics_path.open("a") as fh:
                fh.write(json.dumps(record) + "\n")

    class StopAfter(TrainerCallback):
        """Simulate an interruption right after the checkpoint at ``step`` is written."""

        def __init__(self, step: int) -> None:
            self.step = step

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if state.global_step >= self.step:
                control.should_save = True
                control.should_training_stop = True

    callbacks: list[Any] = [MetricsWriter()]
    if progress:
        callbacks.append(_progress_callback())
    if stop_after is not None:
        callbacks.append(StopAfter(stop_after))
    return callbacks


def _progress_callback() -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from transformers import TrainerCallback

    class RichProgress(TrainerCallback):
        """A rich progress bar with the live loss and preference accuracy (main process only)."""

        def __init__(self) -> None:
            self.progress: Progress | None = None
            self.task: Any = None

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if not state.is_world_process_zero:
                return
            self.progress = Progress(
                TextColumn("[bold]training"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("loss {task.fields[loss]}  acc {task.fields[acc]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self.progress.start()
            self.task = self.progress.add_task(
                "train", total=state.max_steps, completed=state.global_step, loss="—", acc="—"
            )

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.progress is not None:
                self.progress.update(self.task, completed=state.global_step)

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if self.progress is None or not logs:
                return
            fields: dict[str, str] = {}
            if "loss" in logs:
                fields["loss"] = f"{logs['loss']:.4f}"
            if "rewards/accuracies" in logs:
                fields["acc"] = f"{logs['rewards/accuracies']:.2f}"
            if fields:
                self.progress.update(self.task, **fields)

        def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.progress is not None:
                self.progress.stop()
                self.progress = None

    return RichProgress()


# ---------------------------------------------------------------------------------- the run
@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers/datasets info chatter for the duration of a run."""
    try:
        from datasets.utils import logging as ds_logging
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover
        yield
        return
    old_hf, old_ds = hf_logging.get_verbosity(), ds_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    ds_logging.set_verbosity_error()
    ds_logging.disable_progress_bar()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # TRL's own deprecated-name calls
            yield
    finally:
        hf_logging.set_verbosity(old_hf)
        ds_logging.set_verbosity(old_ds)
        hf_logging.enable_progress_bar()
        ds_logging.enable_progress_bar()


def _evaluate(
    model: Any, tokenizer: Any, dataset: Any, config: TrainConfig, length_normalize: bool
) -> dict[str, Any]:
    """Held-out preference accuracy and (when the rows carry task/answer) generation accuracy."""
    import torch

    from dpalogic.training.evaluate import generation_accuracy, preference_accuracy

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            pref = preference_accuracy(model, tokenizer, dataset,
                                       length_normalize=length_normalize,
                                       batch_size=config.eval_batch_size)
            gen = None
            if (config.generation_limit != 0 and "task" in dataset.column_names
                    and "answer" in dataset.column_names):
                gen = generation_accuracy(model, tokenizer, dataset,
                                          max_new_tokens=config.max_new_tokens,
                                          batch_size=config.eval_batch_size,
                                          limit=config.generation_limit)
    finally:
        model.train(was_training)
    return {"preference": _jsonable(pref), "generation": _jsonable(gen)}


def _jsonable(obj: Any) -> Any:
    if obj is None or isinstance(obj, str | bool | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item"):
        return _jsonable(obj.item())
    return str(obj)


def _load_data(config: TrainConfig, tokenizer: Any) -> Any:
    from dpalogic.training.data import load_preferences

    conversational = bool(getattr(tokenizer, "chat_template", None))
    kwargs: dict[str, Any] = {"seed": config.seed, "conversational": conversational}
    if config.data.split(":", 1)[0] == "builtin":
        kwargs.update(n_train=config.n_train, n_validation=config.n_validation,
                      n_test=config.n_test)
    dataset = load_preferences(config.data, **kwargs)
    if "train" not in dataset or len(dataset["train"]) == 0:
        raise DPALogicError(f"data '{config.data}': no training rows")
    return dataset


def _eval_split(dataset: Any, config: TrainConfig) -> Any:
    for name in ("test", "validation"):
        if name in dataset and len(dataset[name]) > 0:
            split = dataset[name]
            return split
    # No held-out split: fall back to (at most n_test) training rows, flagged in eval.json.
    train_split = dataset["train"]
    return train_split.select(range(min(config.n_test, len(train_split))))


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(_jsonable(obj), indent=2) + "\n")


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out: dict[str, str] = {}
    for pkg in ("dpalogic", "torch", "transformers", "trl", "accelerate", "peft", "datasets"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[pkg] = md.version(pkg)
    return out


def train(
    config: TrainConfig,
    *,
    progress: bool = True,
    console: Any = None,
    stop_after: int | None = None,
    before: dict[str, Any] | None = None,
) -> RunResult:
    """Run one training job described by *config*; see the module docstring for the directory.

    Args:
        config: the run's configuration.
        progress: show a rich progress bar (live loss and accuracy) and a summary table.
        console: a ``rich.console.Console`` for the summary (default: stderr).
        stop_after: stop right after step *stop_after* as if interrupted (a checkpoint is written
            there); the partial directory is kept and ``resume=True`` continues the run. The
            result's ``status`` is then ``"interrupted"``.
        before: the "before" evaluation of an earlier run of the same model, data and seed
            (``RunResult.before``) to reuse instead of evaluating the untrained model again.

    Returns:
        A :class:`RunResult` (on non-main processes its evaluation fields are ``None``).

    Raises:
        DPALogicError: bad options, unknown loss, a loss needing a reference with
            ``reference="none"``, bad data, an unknown model, or an output directory that exists
            (without ``overwrite``/``resume``). Nothing is created on disk in these cases.
    """
    config.validate()
    if stop_after is not None and not 1 <= stop_after <= config.steps:
        raise DPALogicError(f"stop_after must be in [1, steps={config.steps}], got {stop_after}")
    compiled = resolve_loss(config)

    import torch
    from accelerate import PartialState

    # cpu=True (as TrainingArguments(use_cpu=True) does) turns a torchrun/accelerate launch
    # without GPUs into a gloo process group; PartialState is a singleton, so this must be first.
    state = PartialState(cpu=not torch.cuda.is_available())
    is_main = state.is_main_process

    # ---- the output directory (resolved on the main process, shared with the others)
    out = Path(config.out) if config.out else _default_out(config)
    if state.num_processes > 1:
        from accelerate.utils import broadcast_object_list

        box = [str(out)]
        broadcast_object_list(box, from_process=0)
        out = Path(box[0])
    partial = _partial_of(out)
    resume_from: Path | None = None
    if config.resume and partial.is_dir():
        saved_path = partial / "config.yaml"
        if saved_path.exists():
            _check_resume_compatible(read_yaml(saved_path), config)
        resume_from = _last_checkpoint(partial / "checkpoints")
    elif config.resume and out.exists() and not config.overwrite:
        raise DPALogicError(f"nothing to resume: {out} is a completed run (--overwrite redoes it)")
    if (not config.resume and not config.overwrite and partial.is_dir()
            and _last_checkpoint(partial / "checkpoints") is not None):
        raise DPALogicError(f"an interrupted run is in {partial}: use --resume to continue it "
                            "or --overwrite to start over")
    if out.exists() and not (config.overwrite or (config.resume and partial.is_dir())):
        raise DPALogicError(f"output directory exists: {out} (use --overwrite or another --out)")
    if out.exists() and not out.is_dir():
        raise DPALogicError(f"output path is a file: {out}")

    t0 = time.perf_counter()
    with _quiet_transformers():
        # ---- everything that can fail on bad input happens before the directory exists
        from dpalogic.training.models import load_model

        model, tokenizer = load_model(config.model, seed=config.seed)
        dataset = _load_data(config, tokenizer)
        eval_split = _eval_split(dataset, config)
        ref_model = None
        if compiled.requires_reference and not config.lora:
            ref_name = config.reference.strip()
            if ref_name.lower() == "auto":
                import copy

                ref_model = copy.deepcopy(model)
            else:
                ref_model, _ = load_model(ref_name, seed=config.seed)
            ref_model.eval()
            for p in ref_model.parameters():
                p.requires_grad_(False)
        elif compiled.requires_reference and config.reference.strip().lower() not in {"auto"}:
            ref_model, _ = load_model(config.reference.strip(), seed=config.seed)
        peft_config = _lora_config(config) if config.lora else None

        # ---- from here on we write, into the partial sibling
        created = False
        if is_main:
            if partial.exists() and resume_from is None and not config.resume:
                shutil.rmtree(partial)  # stale, or --overwrite: start over
            created = not partial.exists()
            partial.mkdir(parents=True, exist_ok=True)
            (partial / "config.yaml").write_text(config.to_yaml())
        state.wait_for_everyone()
        try:
            result = _run(config, compiled, model, tokenizer, dataset, eval_split, ref_model,
                          peft_config, partial, out, resume_from, progress, stop_after, state, t0,
                          before)
        except BaseException:
            # No barrier here: the other processes may be gone. Keep checkpoints for --resume.
            if is_main and partial.exists() and _last_checkpoint(partial / "checkpoints") is None:
                if created or not config.resume:
                    shutil.rmtree(partial, ignore_errors=True)
            elif is_main and partial.exists():
                print(f"dpalogic: run interrupted; checkpoints kept in {partial} "
                      "(run again with --resume to continue)", file=sys.stderr)
            raise
    if progress and is_main:
        from rich.console import Console

        (console or Console(stderr=True)).print(summary_table(result))
    return result


def _lora_config(config: TrainConfig) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        task_type="CAUSAL_LM",
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules="all-linear",
    )


def _run(
    config: TrainConfig,
    compiled: Any,
    model: Any,
    tokenizer: Any,
    dataset: Any,
    eval_split: Any,
    ref_model: Any,
    peft_config: Any,
    partial: Path,
    out: Path,
    resume_from: Path | None,
    progress: bool,
    stop_after: int | None,
    state: Any,
    t0: float,
    before: dict[str, Any] | None,
) -> RunResult:
    from dpalogic.training.trainer import CompiledLossTrainer, make_dpo_config

    is_main = state.is_main_process
    metrics_path = partial / "metrics.jsonl"
    # accuracy compares the quantities the loss compares (mean token log-probs for SimPO, ORPO, ...)
    norm = bool(getattr(compiled, "length_normalize", False))
    before_path = partial / "eval_before.json"

    # ---- before: evaluated once (kept across a resume)
    if not config.evaluate:
        before = None
    elif is_main:
        if before is not None:
            _write_json(before_path, before)
        elif before_path.exists():
            before = json.loads(before_path.read_text())
        else:
            before = _evaluate(model, tokenizer, eval_split, config, norm)
            _write_json(before_path, before)
    state.wait_for_everyone()

    # ---- metrics: keep only what the checkpoint we resume from had seen
    resumed_step = _checkpoint_step(resume_from) if resume_from else 0
    kept = [r for r in read_metrics(metrics_path) if r.get("step", 0) <= resumed_step
            and "train_runtime" not in r]
    state.wait_for_everyone()
    if is_main:
        metrics_path.write_text("".join(json.dumps(r) + "\n" for r in kept))
    state.wait_for_everyone()

    save_kwargs: dict[str, Any]
    if config.checkpoint_every > 0 or stop_after is not None:
        save_kwargs = {"save_strategy": "steps",
                       "save_steps": config.checkpoint_every or stop_after or config.steps,
                       "save_total_limit": 1}
    else:
        save_kwargs = {"save_strategy": "no"}
    args = make_dpo_config(
        str(partial / "checkpoints"),
        max_steps=config.steps,
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        learning_rate=config.lr,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=config.warmup_steps,
        beta=float(compiled.beta),
        max_length=config.max_length,
        seed=config.seed,
        data_seed=config.seed,
        logging_steps=1,
        disable_tqdm=True,
        report_to="none",
        **save_kwargs,
    )
    trainer = CompiledLossTrainer(
        model=model,
        ref_model=ref_model,
        args=args,
        train_dataset=dataset["train"],
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=_callbacks(metrics_path, progress and is_main, stop_after, kept),
        loss=compiled,
        sft_weight=config.sft_weight,
    )
    from transformers import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)  # it prints every log dict; we have metrics.jsonl
    trainer.remove_callback(ProgressCallback)
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    steps_done = int(trainer.state.global_step)
    interrupted = steps_done < config.steps
    state.wait_for_everyone()

    metrics = read_metrics(metrics_path) if is_main else []
    losses = [r["loss"] for r in metrics if "loss" in r and "train_runtime" not in r]
    final_loss = float(losses[-1]) if losses else None
    seconds = time.perf_counter() - t0

    if interrupted:
        return RunResult(out=partial, status="interrupted", config=config, steps=steps_done,
                         seconds=seconds, final_loss=final_loss, before=before, after=None,
                         metrics=metrics)

    after: dict[str, Any] | None = None
    trained = trainer.model
    if config.evaluate and is_main:
        after = _evaluate(trained, tokenizer, eval_split, config, norm)
    if config.save_model:
        trainer.save_model(str(partial / "model"))
        if is_main:
            tokenizer.save_pretrained(str(partial / "model"))
    state.wait_for_everyone()

    if is_main:
        _write_json(partial / "eval.json", {"split": _split_name(dataset, eval_split),
                                            "before": before, "after": after})
        with contextlib.suppress(FileNotFoundError):
            before_path.unlink()
        from dpalogic.training.plots import plot_training_dynamics

        plot_training_dynamics(metrics, str(partial / "dynamics.png"),
                               title=f"{config.loss} on {config.model}")
        _write_json(partial / "run.json", {
            "status": "completed",
            "steps": steps_done,
            "seconds": round(seconds, 2),
            "final_loss": final_loss,
            "loss": {"spec": config.loss,
                     "program": _program_text(compiled),
                     "requires_reference": bool(compiled.requires_reference)},
            "reference": _reference_text(config, compiled),
            "lora": config.lora,
            "processes": state.num_processes,
            "versions": _versions(),
        })
        shutil.rmtree(partial / "checkpoints", ignore_errors=True)
        if out.exists():
            trash = out.parent / f".{out.name}.old"
            shutil.rmtree(trash, ignore_errors=True)
            out.rename(trash)
            partial.rename(out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            partial.rename(out)
    state.wait_for_everyone()
    return RunResult(out=out, status="completed", config=config, steps=steps_done,
                     seconds=seconds, final_loss=final_loss, before=before, after=after,
                     metrics=metrics)


def _reference_text(config: TrainConfig, compiled: Any) -> str:
    if not compiled.requires_reference:
        return "none"
    if config.reference.strip().lower() == "auto":
        if config.lora:
            return "the model with its LoRA adapter disabled"
        return "frozen copy of the starting model"
    return config.reference.strip()


def _split_name(dataset: Any, split: Any) -> str:
    for name in ("test", "validation"):
        if name in dataset and dataset[name] is split:
            return name
    return "train (no held-out split)"


def _program_text(compiled: Any) -> str | None:
    structure = getattr(compiled, "structure", None)
    if structure is None:
        return None
    try:
        from dpalogic.logic import to_paper

        p, pc, pa = structure.canonical()
        return f"P={to_paper(p)}; PC={to_paper(pc)}; PA={to_paper(pa)}"
    except Exception:
        return str(structure)
