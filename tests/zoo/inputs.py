"""Random and extreme inputs shared by the zoo tests (log-probabilities in [-1e4, 0])."""

from __future__ import annotations

import torch

#: Number of random pairs the numerical checks use (the acceptance criterion: 10,000).
N_PAIRS = 10_000


def extreme_logps(n: int, gen: torch.Generator, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Log-probabilities mixing every regime: exact 0 and -1e4, tiny magnitudes (p ≈ 1), long
    sequences (≈ -1e4), typical values, and a uniform sweep of [-1e4, 0]."""
    u = torch.rand(n, generator=gen, dtype=torch.float64)
    parts = [
        -torch.rand(n, generator=gen, dtype=torch.float64) * 1e4,  # whole range
        -torch.rand(n, generator=gen, dtype=torch.float64) * 30.0,  # typical
        -torch.rand(n, generator=gen, dtype=torch.float64) * 3.0,  # high-probability
        -(10.0 ** (-300.0 * torch.rand(n, generator=gen, dtype=torch.float64))),  # p -> 1
        -(10.0 ** (-16.0 + 20.0 * torch.rand(n, generator=gen, dtype=torch.float64))).clamp(
            max=1e4
        ),  # every magnitude
        -1e4 + torch.rand(n, generator=gen, dtype=torch.float64) * 10.0,  # very long sequences
        torch.zeros(n, dtype=torch.float64),  # p = 1 exactly
        torch.full((n,), -1e4, dtype=torch.float64),  # the floor of the range
    ]
    weights = torch.tensor([0.2, 0.2, 0.1, 0.1, 0.15, 0.1, 0.08, 0.07], dtype=torch.float64)
    edges = torch.cumsum(weights, 0)
    which = torch.searchsorted(edges, u * edges[-1]).clamp(max=len(parts) - 1)
    out = torch.stack(parts)[which, torch.arange(n)]
    if dtype != torch.float64:
        out = out.to(dtype)
        # float32 cannot hold |log p| below its smallest normal: those round to p = 1 exactly
        tiny = torch.finfo(dtype).tiny
        out = torch.where(out.abs() < tiny, torch.zeros_like(out), out)
    return out


def make_batch(
    n: int = N_PAIRS, seed: int = 0, dtype: torch.dtype = torch.float64
) -> dict[str, torch.Tensor]:
    """A batch of every keyword input a zoo loss may need."""
    gen = torch.Generator().manual_seed(seed)
    batch = {
        key: extreme_logps(n, gen, dtype)
        for key in (
            "policy_chosen_logps",
            "policy_rejected_logps",
            "reference_chosen_logps",
            "reference_rejected_logps",
        )
    }
    batch["chosen_lengths"] = torch.randint(1, 2049, (n,), generator=gen).to(dtype)
    batch["rejected_lengths"] = torch.randint(1, 2049, (n,), generator=gen).to(dtype)
    batch["offsets"] = (torch.randn(n, generator=gen, dtype=torch.float64) * 2.0).to(dtype)
    return batch
