"""Training-dynamics figure."""

from __future__ import annotations

import math

import pytest

from dpalogic.training.plots import metric_series, plot_training_dynamics

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def records(n: int = 5) -> list[dict]:
    recs = [
        {
            "step": s,
            "loss": 0.69 - 0.05 * s,
            "logps/chosen": -20.0 + s,
            "logps/rejected": -20.0 - 2 * s,
            "rewards/accuracies": min(1.0, 0.5 + 0.1 * s),
            "learning_rate": 1e-5,
        }
        for s in range(1, n + 1)
    ]
    recs.append({"step": n, "eval_loss": 0.4, "eval_logps/chosen": -16.0})
    return recs


def test_writes_png(tmp_path):
    out = plot_training_dynamics(records(), tmp_path / "sub" / "dyn.png", title="dpo on tiny")
    assert out.read_bytes()[:8] == PNG_MAGIC
    assert out.stat().st_size > 5_000


def test_empty_records_still_write_a_figure(tmp_path):
    out = plot_training_dynamics([], str(tmp_path / "empty.png"))
    assert out.read_bytes()[:8] == PNG_MAGIC


def test_metric_series_skips_missing_and_non_finite():
    recs = [{"step": 1, "loss": 1.0}, {"step": 2}, {"step": 3, "loss": math.nan}, {"loss": "0.5"}]
    assert metric_series(recs, "loss") == ([1.0, 3.0], [1.0, 0.5])
    assert metric_series(records(3), "eval_loss") == ([3.0], [0.4])


def test_records_change_the_image(tmp_path):
    a = plot_training_dynamics(records(5), tmp_path / "a.png").read_bytes()
    b = plot_training_dynamics(records(8), tmp_path / "b.png").read_bytes()
    assert a != b


@pytest.mark.parametrize("bad", [None, "x", float("inf")])
def test_bad_values_do_not_crash(tmp_path, bad):
    recs = [{"step": 1, "loss": bad}, {"step": 2, "loss": 0.3}]
    assert plot_training_dynamics(recs, tmp_path / "x.png").exists()
