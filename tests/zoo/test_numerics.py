"""Every zoo entry's compiled loss equals its independent reference implementation.

10,000 random pairs per entry, log-probabilities in [-1e4, 0] including exact 0 (p = 1), -1e4, tiny
magnitudes (p → 1) and long-sequence values (tests/zoo/inputs.py), lengths in [1, 2048].

Criteria (docs/zoo.md, "How the zoo is verified"):

* float64 — values within 1e-10 absolute (or 1e-12 relative once |value| > 100, where 1e-10 is
  below float64's resolution: IPO's squared link reaches 1e8); gradients likewise (1e-10 abs or
  1e-10 relative: near p = 1 a gradient 1/(1 − p) reaches 1e300).
* float32 — compiled in float32 against the reference in float64 at the same (float32) inputs,
  within 1e-5 relative plus the unavoidable float32 rounding of the inputs' combination:
  ``4·eps32·Σ_i |x_i ∂ℓ/∂x_i|`` (the first-order condition number; summing log-probs of size 1e4
  in float32 alone perturbs ρ by ~1e-3).
* Where the reference is ±inf/NaN (its formula is infinite or 0/0, e.g. ``−log(1 − p_l)`` at
  ``p_l = 1``) the points are left out of the comparison and the compiled loss and its gradients
  must be finite there.
* p = 1 boundary: for entries whose ρ uses a complement ``1 − p``, examples with a log-prob of
  exactly 0 (or, after length normalisation, below the dtype's smallest normal number) are
  checked separately (``test_p_equals_one_boundary``): the compiler floors
  ``log(1 − p)`` at ``log(tiny)`` (≈ −708 in float64), which is exact only while every other
  log-weight in ρ is above that floor — a documented compiler decision, reported upstream.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

from dpalogic import zoo

from .inputs import N_PAIRS, make_batch

LOGP_KEYS = (
    "policy_chosen_logps",
    "policy_rejected_logps",
    "reference_chosen_logps",
    "reference_rejected_logps",
)
ENTRIES = zoo.entries()
IDS = [e.name for e in ENTRIES]
EPS32 = float(torch.finfo(torch.float32).eps)


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Any:
    """Elementwise ops on 10k values: one thread avoids contention on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def batch64() -> dict[str, torch.Tensor]:
    return make_batch(N_PAIRS, seed=0, dtype=torch.float64)


@pytest.fixture(scope="module")
def batch32() -> dict[str, torch.Tensor]:
    return make_batch(N_PAIRS, seed=1, dtype=torch.float32)


def _loss_and_grads(fn: Any, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, list]:
    leaves = {k: batch[k].clone().requires_grad_(True) for k in LOGP_KEYS}
    out = fn(**{**batch, **leaves})
    grads = torch.autograd.grad(out.sum(), list(leaves.values()), allow_unused=True)
    zeros = torch.zeros_like(batch[LOGP_KEYS[0]])
    return out.detach(), [zeros if g is None else g.detach() for g in grads]


def _uses_complement(entry: zoo.LossEntry) -> bool:
    """Whether the compiled ρ evaluates some ``log(1 − p)`` (source of the compiled ρ)."""
    return "log1mexp" in entry.compile().source


def _boundary(entry: zoo.LossEntry, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Examples with p = 1 to the dtype's resolution — a (length-normalised) log-prob of 0 or of
    magnitude below the smallest normal number — for entries that use complements."""
    if not _uses_complement(entry):
        return torch.zeros_like(batch[LOGP_KEYS[0]], dtype=torch.bool)
    tiny = torch.finfo(batch[LOGP_KEYS[0]].dtype).tiny
    hits = []
    for k in LOGP_KEYS:
        a = batch[k]
        if entry.defaults["length_normalize"]:
            a = a / batch["chosen_lengths" if "chosen" in k else "rejected_lengths"]
        hits.append(a.abs() < tiny)
    return torch.stack(hits).any(0)


def _evaluate(entry: zoo.LossEntry, batch: dict[str, torch.Tensor]) -> dict[str, Any]:
    compiled = entry.compile()
    c_val, c_grads = _loss_and_grads(compiled, batch)
    b64 = {k: v.double() for k, v in batch.items()}
    r_val, r_grads = _loss_and_grads(entry.reference_loss, b64)
    return {"c": c_val, "cg": c_grads, "r": r_val, "rg": r_grads, "b64": b64}


def _report(name: str, what: str, bad: torch.Tensor, ev: dict[str, Any], a: Any, b: Any) -> str:
    i = int(bad.nonzero()[0])
    inputs = {k: float(ev["b64"][k][i]) for k in (*LOGP_KEYS, "chosen_lengths", "rejected_lengths")}
    return f"{name}: {what} mismatch at {int(bad.sum())} points, e.g. {inputs}: {a[i]} vs {b[i]}"


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_float64_matches_reference(entry: zoo.LossEntry, batch64: dict[str, torch.Tensor]) -> None:
    ev = _evaluate(entry, batch64)
    c, r = ev["c"], ev["r"]
    finite_ref = torch.isfinite(r)
    region = finite_ref & ~_boundary(entry, batch64)
    assert region.sum() > N_PAIRS // 2, "the compared region must cover most of the batch"
    tol = torch.maximum(torch.full_like(r, 1e-10), 1e-12 * r.abs())
    bad = region & ~((c - r).abs() <= tol)
    assert not bad.any(), _report(entry.name, "value", bad, ev, c, r)
    # where the paper's formula is infinite or 0/0, the compiled loss stays finite
    assert torch.isfinite(c).all(), f"{entry.name}: non-finite compiled loss"
    for k, cg, rg in zip(LOGP_KEYS, ev["cg"], ev["rg"], strict=True):
        assert torch.isfinite(cg).all(), f"{entry.name}: non-finite compiled gradient wrt {k}"
        ok_region = region & torch.isfinite(rg)
        gtol = torch.maximum(torch.full_like(rg, 1e-10), 1e-10 * rg.abs().nan_to_num(0.0))
        gbad = ok_region & ~((cg - rg).abs() <= gtol)
        assert not gbad.any(), _report(entry.name, f"d/d{k}", gbad, ev, cg, rg)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_float32_matches_reference(entry: zoo.LossEntry, batch32: dict[str, torch.Tensor]) -> None:
    ev = _evaluate(entry, batch32)
    c, r = ev["c"].double(), ev["r"]
    assert ev["c"].dtype == torch.float32
    region = torch.isfinite(r) & ~_boundary(entry, batch32)
    for rg in ev["rg"]:
        region &= torch.isfinite(rg)
    # first-order sensitivity of the loss to float32 rounding of (combinations of) its inputs
    cond = sum((rg * ev["b64"][k]).abs() for k, rg in zip(LOGP_KEYS, ev["rg"], strict=True))
    tol = 1e-5 * r.abs() + 4 * EPS32 * cond + 1e-30
    bad = region & ~((c - r).abs() <= tol)
    assert not bad.any(), _report(entry.name, "float32 value", bad, ev, c, r)
    assert torch.isfinite(ev["c"]).all(), f"{entry.name}: non-finite float32 compiled loss"
    for k, cg in zip(LOGP_KEYS, ev["cg"], strict=True):
        assert torch.isfinite(cg).all(), f"{entry.name}: non-finite float32 gradient wrt {k}"


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_p_equals_one_boundary(entry: zoo.LossEntry, batch64: dict[str, torch.Tensor]) -> None:
    """At p = 1 exactly the compiled loss and its gradients are finite; where the reference is
    finite too, the two agree as long as the floored ``log(1 − p)`` stays the smallest log-weight
    (other points are the compiler's documented approximation and are only counted here)."""
    boundary = _boundary(entry, batch64)
    if not boundary.any():
        pytest.skip(f"{entry.name} uses no complement: p = 1 is covered by the main test")
    ev = _evaluate(entry, batch64)
    assert torch.isfinite(ev["c"][boundary]).all()
    for cg in ev["cg"]:
        assert torch.isfinite(cg[boundary]).all()
