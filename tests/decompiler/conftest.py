"""Shared helpers for the decompiler tests: random log-prob batches and the round-trip check."""

from __future__ import annotations

from typing import Any

import torch

from dpalogic.decompiler import Decompiled

KEYS = (
    "policy_chosen_logps",
    "policy_rejected_logps",
    "reference_chosen_logps",
    "reference_rejected_logps",
)


def batch(seed: int = 0, size: int = 7) -> dict[str, torch.Tensor]:
    """Random float64 log-probs in [-6, -0.02] and lengths in [1, 30] (leaves with grad)."""
    g = torch.Generator().manual_seed(seed)
    out = {
        k: (-(torch.rand(size, generator=g, dtype=torch.float64) * 6 + 0.02)).requires_grad_()
        for k in KEYS
    }
    out["chosen_lengths"] = torch.randint(1, 31, (size,), generator=g).double()
    out["rejected_lengths"] = torch.randint(1, 31, (size,), generator=g).double()
    return out


def assert_round_trip(result: Decompiled, params: dict[str, Any], seed: int = 0) -> None:
    """Compiled result == the input loss, values and gradients, float64, 1e-10."""
    kw = batch(seed)
    want = result.evaluate_source(**kw, **params)
    got = result.compile(**params)(**kw)
    assert want.shape == got.shape
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)
    leaves = [kw[k] for k in KEYS]
    gw = torch.autograd.grad(want.sum(), leaves, allow_unused=True)
    gg = torch.autograd.grad(got.sum(), leaves, allow_unused=True)
    for k, a, b in zip(KEYS, gw, gg, strict=True):
        a = torch.zeros_like(kw[k]) if a is None else a
        b = torch.zeros_like(kw[k]) if b is None else b
        torch.testing.assert_close(b, a, rtol=1e-10, atol=1e-10, msg=f"gradient wrt {k}")
