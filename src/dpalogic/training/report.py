"""Sweep reports: a Markdown page with the training-dynamics figure, a results table with seed
spread, and the swept losses' Hasse diagram annotated with their outcomes.

Everything is read back from the run folders (``config.yaml``, ``run.json``, ``metrics.jsonl``,
``eval.json``, ``heldout.json``), so a report can be regenerated at any time — also for a sweep
that is still running (only completed runs are shown) or whose ``sweep.json`` is lost.

Example::

    >>> from dpalogic.training.report import collect, write_report
    >>> table = collect("runs/sweep-tiny")  # doctest: +SKIP
    >>> write_report("runs/sweep-tiny")  # doctest: +SKIP  (writes report.md + report-*.png)
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpalogic.errors import DPALogicError

__all__ = [
    "LossSummary",
    "RunRecord",
    "collect",
    "markdown_table",
    "mean_std",
    "plot_dynamics",
    "render_lattice",
    "summarise",
    "write_report",
]


@dataclass
class RunRecord:
    """One completed run as read from its folder."""

    dir: Path
    name: str
    spec: str
    seed: int
    config: dict[str, Any]
    info: dict[str, Any]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    metrics: list[dict[str, Any]]
    heldout: dict[str, Any] | None

    def value(self, when: str, kind: str, key: str) -> float | None:
        """``self.after["preference"]["accuracy"]`` style lookup, ``None`` when missing."""
        ev = self.after if when == "after" else self.before
        part = (ev or {}).get(kind) or {}
        x = part.get(key)
        return float(x) if isinstance(x, int | float) and math.isfinite(x) else None

    @property
    def margins(self) -> list[float]:
        """Held-out chosen-minus-rejected log-probabilities of the trained model, per pair."""
        if not self.heldout:
            return []
        return [c - r for c, r in zip(self.heldout["chosen"], self.heldout["rejected"],
                                      strict=True)]


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text()) if path.is_file() else None


def collect(sweep_dir: str | Path) -> list[RunRecord]:
    """Every completed run under *sweep_dir*, in the sweep's order (``sweep.json``) when there is
    one, else by folder name. Labels come from ``heldout.json`` (else the config's loss)."""
    from dpalogic.training.run import read_metrics, read_yaml
    from dpalogic.training.sweep import MANIFEST, iter_runs

    folder = Path(sweep_dir)
    if not folder.is_dir():
        raise DPALogicError(f"sweep folder not found: {folder}")
    order: dict[str, int] = {}
    names: dict[str, str] = {}
    manifest = _read_json(folder / MANIFEST)
    if manifest:
        for i, run in enumerate(manifest.get("runs", [])):
            order[run["dir"]] = i
            names[run["dir"]] = run["name"]
    records: list[RunRecord] = []
    for run in iter_runs(folder):
        info = _read_json(run / "run.json") or {}
        if info.get("status") != "completed":
            continue
        config = read_yaml(run / "config.yaml") if (run / "config.yaml").is_file() else {}
        ev = _read_json(run / "eval.json") or {}
        held = _read_json(run / "heldout.json")
        name = (held or {}).get("name") or names.get(run.name) or str(config.get("loss", run.name))
        records.append(RunRecord(run, name, str(config.get("loss", name)),
                                 int(config.get("seed", 0)), config, info, ev.get("before"),
                                 ev.get("after"), read_metrics(run), held))
    if not records:
        raise DPALogicError(f"no completed runs in {folder}")
    records.sort(key=lambda r: (order.get(r.dir.name, len(order)), r.dir.name))
    return records


def mean_std(values: Sequence[float | None]) -> tuple[float | None, float | None, int]:
    """Mean, sample standard deviation (``None`` for one value) and count of the non-missing."""
    xs = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not xs:
        return None, None, 0
    mean = sum(xs) / len(xs)
    if len(xs) == 1:
        return mean, None, 1
    var = sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)
    return mean, math.sqrt(var), len(xs)


#: Table columns: (key, header, (when, kind, key)); values are means ± std over seeds.
COLUMNS: tuple[tuple[str, str, tuple[str, str, str]], ...] = (
    ("pref_acc", "held-out pref. acc.", ("after", "preference", "accuracy")),
    ("gen_acc", "task gen. acc.", ("after", "generation", "accuracy")),
    ("chosen", "mean log p(y_w)", ("after", "preference", "mean_chosen_logp")),
    ("rejected", "mean log p(y_l)", ("after", "preference", "mean_rejected_logp")),
    ("margin", "margin", ("after", "preference", "mean_margin")),
)


@dataclass
class LossSummary:
    """The seed statistics of one loss: ``stats[key] = (mean, std, n)``."""

    name: str
    spec: str
    seeds: list[int]
    stats: dict[str, tuple[float | None, float | None, int]] = field(default_factory=dict)
    margins: list[float] = field(default_factory=list)


def summarise(records: Sequence[RunRecord]) -> tuple[list[LossSummary], LossSummary]:
    """Per-loss seed statistics, and the untrained model's (from the runs' "before" evaluations,
    one per seed)."""
    by_name: dict[str, list[RunRecord]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    out: list[LossSummary] = []
    for name, runs in by_name.items():
        s = LossSummary(name, runs[0].spec, sorted(r.seed for r in runs))
        for key, _, (when, kind, k) in COLUMNS:
            s.stats[key] = mean_std([r.value(when, kind, k) for r in runs])
        s.stats["loss"] = mean_std([r.info.get("final_loss") for r in runs])
        s.stats["seconds"] = mean_std([r.info.get("seconds") for r in runs])
        s.margins = [m for r in runs for m in r.margins]
        out.append(s)
    first_per_seed: dict[int, RunRecord] = {}
    for r in records:
        if r.before:
            first_per_seed.setdefault(r.seed, r)
    base = LossSummary("(untrained)", "", sorted(first_per_seed))
    for key, _, (_, kind, k) in COLUMNS:
        base.stats[key] = mean_std([r.value("before", kind, k) for r in first_per_seed.values()])
    return out, base


def _fmt(stat: tuple[float | None, float | None, int], digits: int = 3) -> str:
    mean, std, _ = stat
    if mean is None:
        return "—"
    if std is None:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def markdown_table(summaries: Sequence[LossSummary], base: LossSummary | None = None) -> str:
    """The results table (mean ± sample std over seeds; one value when there is one seed)."""
    head = ["loss", "seeds", *(h for _, h, _ in COLUMNS), "final train loss", "time / run (s)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows = ([base] if base is not None else []) + list(summaries)
    for s in rows:
        cells = [s.name if s is base else f"`{s.name}`", ",".join(map(str, s.seeds)) or "—"]
        cells += [_fmt(s.stats[key]) for key, _, _ in COLUMNS]
        cells += [_fmt(s.stats.get("loss", (None, None, 0))),
                  _fmt(s.stats.get("seconds", (None, None, 0)), 0)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _smooth(values: list[float], window: int) -> list[float]:
    if window <= 1 or len(values) < 2:
        return values
    out, acc = [], 0.0
    for i, v in enumerate(values):
        acc += v
        if i >= window:
            acc -= values[i - window]
        out.append(acc / min(i + 1, window))
    return out


def _mean_curve(records: Sequence[RunRecord], metric: str) -> tuple[list[float], list[float]]:
    """The metric against step, averaged over the runs (seeds) at each step."""
    from dpalogic.training.plots import metric_series

    sums: dict[float, list[float]] = {}
    for r in records:
        steps, values = metric_series([m for m in r.metrics if "train_runtime" not in m], metric)
        for st, v in zip(steps, values, strict=True):
            sums.setdefault(st, []).append(v)
    steps = sorted(sums)
    return steps, [sum(sums[s]) / len(sums[s]) for s in steps]


def plot_dynamics(records: Sequence[RunRecord], out_png: str | Path, *,
                  title: str | None = None, smooth: int = 5) -> Path:
    """The paper-style training-dynamics figure.

    Panels: winner log-probability ``log p(y_w|x)`` and loser log-probability against step (one
    curve per loss, the mean over seeds of the training-batch values, running mean over
    ``smooth`` steps), and the held-out chosen-minus-rejected margins of the trained models
    (one violin per loss, all seeds pooled; dashed: the untrained model's mean margin).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    by_name: dict[str, list[RunRecord]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    names = list(by_name)
    cmap = plt.get_cmap("tab20" if len(names) > 10 else "tab10")
    colours = {n: cmap(i % cmap.N) for i, n in enumerate(names)}
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8),
                             gridspec_kw={"width_ratios": [1, 1, 1.25]})
    try:
        for ax, metric, label in ((axes[0], "logps/chosen", "winner  log p(y_w | x)"),
                                  (axes[1], "logps/rejected", "loser  log p(y_l | x)")):
            for n in names:
                steps, values = _mean_curve(by_name[n], metric)
                if steps:
                    ax.plot(steps, _smooth(values, smooth), color=colours[n], label=n,
                            linewidth=1.4)
            ax.set_title(f"{label.split()[0].capitalize()} log-probability (training batches)",
                         fontsize=10)
            ax.set_xlabel("step")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
        handles, labels = axes[0].get_legend_handles_labels()
        ax = axes[2]
        data = [[m for r in by_name[n] for m in r.margins] for n in names]
        have = [i for i, d in enumerate(data) if d]
        if have:
            parts = ax.violinplot([data[i] for i in have], positions=list(range(len(have))),
                                  showmedians=True, widths=0.8)
            for body, i in zip(parts["bodies"], have, strict=True):
                body.set_facecolor(colours[names[i]])
                body.set_alpha(0.6)
            ax.set_xticks(range(len(have)), [names[i] for i in have], rotation=60, ha="right",
                          fontsize=8)
            befores = [r.value("before", "preference", "mean_margin") for r in records]
            mean_before = mean_std(befores)[0]
            if mean_before is not None:
                ax.axhline(mean_before, color="0.3", linestyle="--", linewidth=1,
                           label="untrained mean")
                ax.legend(fontsize=8, loc="best")
            ax.axhline(0.0, color="0.6", linewidth=0.8)
        else:
            ax.text(0.5, 0.5, "no held-out margins recorded", ha="center", va="center",
                    transform=ax.transAxes, color="0.5")
        ax.set_title("Held-out margins after training: log p(y_w|x) − log p(y_l|x)",
                     fontsize=10)
        ax.set_ylabel("margin per held-out pair")
        ax.grid(alpha=0.3, axis="y")
        if handles:
            fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 9),
                       fontsize=8, frameon=False)
        if title:
            fig.suptitle(title, fontsize=12)
        fig.tight_layout(rect=(0, 0.1 if len(labels) > 9 else 0.07, 1, 1))
        fig.savefig(out, format="png", dpi=110)
    finally:
        plt.close(fig)
    return out


def render_lattice(summaries: Sequence[LossSummary], out_png: str | Path, *,
                   title: str | None = None) -> Path | None:
    """The Hasse diagram of the swept losses, each node labelled with its held-out preference
    and generation accuracy. ``None`` when graphviz is not installed or the losses cannot be
    placed in one lattice (the report then says so)."""
    from dpalogic.api import resolve
    from dpalogic.landscape.lattice import hasse
    from dpalogic.landscape.render import render

    items: list[tuple[str, Any]] = []
    published: set[str] = set()
    kinds: dict[str, str] = {}
    try:
        from dpalogic import zoo

        kinds = {e.name: e.kind for e in zoo.entries()}
    except Exception:  # pragma: no cover - the zoo is part of the package
        kinds = {}
    for s in summaries:
        label = (f"{s.name}\npref {_fmt(s.stats['pref_acc'], 2)}"
                 f"\ngen {_fmt(s.stats['gen_acc'], 2)}")
        items.append((label, resolve(s.spec)))
        if kinds.get(s.name) == "published":
            published.add(label)
    try:
        diagram = hasse(items, published=published)
        return render(diagram, out_png, title=title, show_worlds=False)
    except DPALogicError:
        return None


def _relpath(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def write_report(
    sweep_dir: str | Path,
    out_md: str | Path | None = None,
    *,
    figures_dir: str | Path | None = None,
    prefix: str = "report",
    title: str | None = None,
) -> Path:
    """Write the sweep's Markdown report and its figures; return the Markdown path.

    Defaults: ``<sweep>/report.md`` with ``<prefix>-dynamics.png`` and ``<prefix>-lattice.png``
    next to it (or in *figures_dir*). Regenerating overwrites them.
    """
    folder = Path(sweep_dir)
    records = collect(folder)
    md_path = Path(out_md) if out_md is not None else folder / "report.md"
    fig_dir = Path(figures_dir) if figures_dir is not None else md_path.parent
    summaries, base = summarise(records)
    text = report_markdown(records, summaries, base, md_path, fig_dir, prefix=prefix, title=title)
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text(text)
    return md_path


def settings_line(records: Sequence[RunRecord]) -> str:
    """The shared settings of the runs, as one Markdown line."""
    cfg = records[0].config
    keys = ("model", "data", "steps", "batch_size", "lr", "beta", "length_normalize",
            "sft_weight", "max_length", "n_train", "n_test", "generation_limit", "max_new_tokens")
    parts = [f"`{k}={cfg.get(k)}`" for k in keys if k in cfg]
    return "Shared settings: " + ", ".join(parts) + "."


def report_markdown(records: Sequence[RunRecord], summaries: Sequence[LossSummary],
                    base: LossSummary, md_path: Path, fig_dir: Path, *, prefix: str = "report",
                    title: str | None = None, heading_level: int = 1) -> str:
    """The report's Markdown (figures are written to *fig_dir* as a side effect)."""
    h = "#" * heading_level
    dyn = plot_dynamics(records, fig_dir / f"{prefix}-dynamics.png",
                        title=title or "Training dynamics")
    lat = render_lattice(summaries, fig_dir / f"{prefix}-lattice.png",
                         title="Swept losses (arrows: more → less constrained)")
    start = md_path.parent
    seeds = sorted({r.seed for r in records})
    lines = [f"{h} {title or 'Sweep report'}", "",
             f"{len(records)} completed runs: {len(summaries)} losses × seeds {seeds}. "
             + settings_line(records), "",
             f"{h}# Results", "",
             "Held-out numbers of the trained models; mean ± sample standard deviation over "
             "seeds (one number when a loss has one seed). Preference accuracy: share of "
             "held-out pairs with log p(y_w|x) > log p(y_l|x) (length-normalised when the loss "
             "is); generation accuracy: greedy answers checked by the task's verifier; margin = "
             "mean log p(y_w|x) − log p(y_l|x).", "",
             markdown_table(summaries, base), "",
             f"{h}# Training dynamics", "",
             f"![training dynamics]({_relpath(dyn, start)})", "",
             f"{h}# The swept losses in the lattice", ""]
    if lat is not None:
        lines += [f"![lattice]({_relpath(lat, start)})", "",
                  "Nodes: held-out preference accuracy (pref) and generation accuracy (gen), "
                  "mean ± std over seeds; shaded nodes are published losses; boxes group "
                  "losses with the same core formula P.", ""]
    else:
        lines += ["(no lattice figure: graphviz's `dot` is not installed)", ""]
    return "\n".join(lines)
