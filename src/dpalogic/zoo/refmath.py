"""Plain-torch building blocks for the zoo's *reference* implementations.

The reference implementations transcribe each paper's formula directly, so that the compiler can
be tested against something it does not share code with. Nothing here imports
:mod:`dpalogic.compiler`. The only deliberate numerical care is ``log(1 - p)`` via ``expm1``
(exact near ``p = 1``); it is *not* clamped, so a reference returns ``±inf`` where the paper's
formula is infinite (e.g. ``-log(1 - p_l)`` at ``p_l = 1``) — the tests compare on the finite region
and check separately that the compiled loss stays finite there.

Example:
    >>> import torch
    >>> from dpalogic.zoo.refmath import log1m, logistic
    >>> float(log1m(torch.tensor(0.0)))
    -inf
    >>> round(float(logistic(torch.tensor(0.0), 1.0)), 6)
    0.693147
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F


def log1m(a: torch.Tensor) -> torch.Tensor:
    """``log(1 - exp(a))`` for a log-probability ``a``; ``-inf`` at ``a = 0`` (no clamping)."""
    # Two branches (Mächler 2012): log(-expm1(a)) near 0 where 1 - e^a cancels, log1p(-e^a) far
    # from 0 where expm1(a) rounds to -1. Each branch only sees inputs it handles (no NaN grads).
    near = a > -0.6931471805599453
    a_near = torch.where(near, a, torch.full_like(a, -1.0))
    a_far = torch.where(near, torch.full_like(a, -1.0), a)
    return torch.where(near, torch.log(-torch.expm1(a_near)), torch.log1p(-torch.exp(a_far)))


def logistic(rho: torch.Tensor, beta: float) -> torch.Tensor:
    """DPO's link ``-log σ(β ρ)``."""
    return -F.logsigmoid(beta * rho)


def hinge(rho: torch.Tensor, beta: float, margin: float) -> torch.Tensor:
    """SLiC's hinge ``max(0, δ - β ρ)``."""
    return torch.relu(margin - beta * rho)


def squared(rho: torch.Tensor, beta: float) -> torch.Tensor:
    """IPO's squared link ``(ρ - 1/(2β))²``."""
    return (rho - 1.0 / (2.0 * beta)) ** 2


def conservative(rho: torch.Tensor, beta: float, eps: float) -> torch.Tensor:
    """cDPO's label-smoothed link ``-(1-ε) log σ(βρ) - ε log σ(-βρ)``."""
    return -(1.0 - eps) * F.logsigmoid(beta * rho) - eps * F.logsigmoid(-beta * rho)


def robust(rho: torch.Tensor, beta: float, eps: float) -> torch.Tensor:
    """rDPO's unbiased link ``[-(1-ε) log σ(βρ) + ε log σ(-βρ)] / (1 - 2ε)``."""
    return (-(1.0 - eps) * F.logsigmoid(beta * rho) + eps * F.logsigmoid(-beta * rho)) / (
        1.0 - 2.0 * eps
    )


def logps(
    p: Mapping[str, Any], t: Mapping[str, Any], *, reference: bool = False
) -> tuple[torch.Tensor, ...]:
    """The log-probabilities a paper's formula uses: ``(lw, ll)`` or ``(lw, ll, rw, rl)``.

    With ``p["length_normalize"]`` every chosen log-prob is divided by ``chosen_lengths`` and every
    rejected one by ``rejected_lengths`` (the per-token average of SimPO/ORPO/RRHF).
    """
    names = ["policy_chosen_logps", "policy_rejected_logps"]
    if reference:
        names += ["reference_chosen_logps", "reference_rejected_logps"]
    vals = [torch.as_tensor(t[n]) for n in names]
    if p.get("length_normalize"):
        lc = torch.as_tensor(t["chosen_lengths"], dtype=vals[0].dtype)
        lr = torch.as_tensor(t["rejected_lengths"], dtype=vals[0].dtype)
        vals = [v / (lc if "chosen" in n else lr) for v, n in zip(vals, names, strict=True)]
    return tuple(vals)


def nll(p: Mapping[str, Any], t: Mapping[str, Any]) -> torch.Tensor:
    """The SFT term ``sft_weight · (-log p_w)`` (per-token average when length-normalised)."""
    lw = logps(p, t)[0]
    return -float(p.get("sft_weight", 0.0)) * lw
