"""Training-dynamics figure: winner / loser log-probabilities, loss and accuracy against step.

Reads the metric records a run logs (one dict per logging step, TRL's metric names:
``logps/chosen``, ``logps/rejected``, ``loss``, ``rewards/accuracies``; evaluation records use
the same names prefixed with ``eval_``) and writes a PNG with matplotlib's Agg backend (no
display needed).

>>> import tempfile, pathlib
>>> recs = [{"step": s, "loss": 0.7 - 0.1 * s, "logps/chosen": -10.0 + s,
...          "logps/rejected": -10.0 - s, "rewards/accuracies": 0.5 + 0.1 * s} for s in range(1, 4)]
>>> out = pathlib.Path(tempfile.mkdtemp()) / "dynamics.png"
>>> plot_training_dynamics(recs, out).exists()
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["metric_series", "plot_training_dynamics"]

#: (panel title, y label, [(metric name, legend label, colour)])
PANELS: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "Winner and loser log-probabilities",
        "log p(y | x)",
        (
            ("logps/chosen", "winner  log p(y_w|x)", "tab:green"),
            ("logps/rejected", "loser  log p(y_l|x)", "tab:red"),
        ),
    ),
    ("Loss", "loss", (("loss", "loss", "tab:blue"),)),
    (
        "Preference accuracy",
        "accuracy",
        (("rewards/accuracies", "rewards/accuracies", "tab:purple"),),
    ),
)


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def metric_series(
    records: Iterable[Mapping[str, Any]], name: str
) -> tuple[list[float], list[float]]:
    """``(steps, values)`` of one metric; records without it (or with a non-finite value) skipped.

    The step is ``record["step"]`` (or ``"global_step"``), else the record's position.
    """
    steps: list[float] = []
    values: list[float] = []
    for i, rec in enumerate(records):
        value = _number(rec.get(name))
        if value is None:
            continue
        step = _number(rec.get("step", rec.get("global_step", i)))
        steps.append(float(i) if step is None else step)
        values.append(value)
    return steps, values


def plot_training_dynamics(
    records: Iterable[Mapping[str, Any]],
    out_png: str | Path,
    *,
    title: str | None = None,
) -> Path:
    """Write the training-dynamics figure as a PNG and return its path.

    Three panels against step: winner and loser log-probabilities (``logps/chosen``,
    ``logps/rejected``), ``loss``, and preference accuracy (``rewards/accuracies``). Evaluation
    records (``eval_logps/chosen``, ...) are drawn as markers on the same panels. A panel
    with no data says so instead of failing, so a run that logged nothing still gets a figure.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)  # headless; keeps an already-selected non-GUI backend
    import matplotlib.pyplot as plt

    recs = [dict(r) for r in records]
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, len(PANELS), figsize=(5.0 * len(PANELS), 3.8))
    try:
        for ax, (panel_title, ylabel, metrics) in zip(axes, PANELS, strict=True):
            drawn = False
            for name, label, colour in metrics:
                steps, values = metric_series(recs, name)
                if steps:
                    ax.plot(steps, values, color=colour, label=label, linewidth=1.6)
                    drawn = True
                steps, values = metric_series(recs, f"eval_{name}")
                if steps:
                    ax.plot(
                        steps,
                        values,
                        "o--",
                        color=colour,
                        label=f"eval {label}",
                        markersize=4,
                        linewidth=0.8,
                    )
                    drawn = True
            ax.set_title(panel_title, fontsize=11)
            ax.set_xlabel("step")
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
            if "accuracy" in ylabel:
                ax.set_ylim(-0.03, 1.03)
            if drawn:
                ax.legend(fontsize=8, loc="best")
            else:
                ax.text(
                    0.5,
                    0.5,
                    "no data logged",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    color="0.5",
                )
        if title:
            fig.suptitle(title, fontsize=12)
        fig.tight_layout()
        fig.savefig(out, format="png", dpi=120)
    finally:
        plt.close(fig)
    return out
