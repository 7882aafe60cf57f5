"""Log-space numerics used by compiled losses.

Every quantity a compiled loss touches is a log-probability ``a = log p`` in ``[-inf, 0]``. The
only non-trivial primitive is ``log(1 - p) = log1mexp(a)``.

Design decision (see docs/compiler.md): ``log1mexp`` clamps its input to ``a <= -tiny`` where
``tiny`` is the smallest positive *normal* number of the dtype. Hence ``p = 1`` (``a = 0``) gives
``log(1 - p) = log(tiny)`` (about -708 in float64, -87.3 in float32) — a large but finite value —
with a zero gradient, never ``-inf``/NaN. Everything else in a compiled loss is sums and
``logaddexp`` of such terms, so values and gradients stay finite for log-probs in ``[-1e4, 0]``.
"""

from __future__ import annotations

import math
from typing import Any

import torch

#: ln 2: the switch point of the two branches of :func:`log1mexp` (Mächler 2012).
LN2 = math.log(2.0)


def tiny(dtype: torch.dtype) -> float:
    """Smallest positive normal number of a floating *dtype* (the floor of ``1 - p``)."""
    return float(torch.finfo(dtype).tiny)


class _Log1mexp(torch.autograd.Function):
    """``log(1 - exp(a))`` with a hand-written backward (few kernels, no NaN from ``where``)."""

    @staticmethod
    def forward(ctx: Any, a: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        # (old-style forward(ctx, ...): no per-call signature binding, ~10x less Python overhead)
        x = a.clamp(max=-tiny(a.dtype))
        # expm1 branch near 0 avoids the cancellation in 1 - e^a; log1p branch far from 0 keeps
        # full relative precision when e^a is tiny (Mächler 2012).
        near = torch.expm1(x).neg_().log_()
        far = torch.exp(x).neg_().log1p_()
        ctx.save_for_backward(x)
        return torch.where(x > -LN2, near, far)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        # d/da log(1 - e^a) = -1 / expm1(-a) (relative-accurate); zero where a was clamped (p = 1).
        g = grad.div(torch.expm1(x.neg())).neg_()
        big = torch.finfo(x.dtype).max
        # |g| can reach β/tiny near p = 1, beyond float32's range: saturate instead of inf.
        return g.clamp_(-big, big).masked_fill_(x >= -tiny(x.dtype), 0.0)


def log1mexp(a: torch.Tensor) -> torch.Tensor:
    r"""Stable :math:`\log(1 - e^{a})` for :math:`a \le 0`, floored at ``log(tiny)``.

    Math: ``log1mexp(a) = log(-expm1(a))`` if ``a > -ln 2`` else ``log1p(-exp(a))``; the input is
    clamped to ``a <= -tiny(dtype)`` so ``a = 0`` gives the finite value ``log(tiny)`` and a zero
    gradient. Reference: M. Mächler, "Accurately Computing log(1 − exp(−|a|))", 2012.

    Example:
        >>> import torch
        >>> from dpalogic.compiler.numerics import log1mexp
        >>> round(float(log1mexp(torch.tensor(-1e-3, dtype=torch.float64))), 6)
        -6.908255
        >>> bool(torch.isfinite(log1mexp(torch.tensor(0.0))))
        True
    """
    return _Log1mexp.apply(a)


def log1mexp_reference(a: torch.Tensor) -> torch.Tensor:
    """Plain-autograd :func:`log1mexp` (same values; used to test the custom backward)."""
    t = tiny(a.dtype)
    x = torch.where(a < -t, a, torch.full_like(a, -t))  # clamp; zero gradient from a = -tiny on
    near = x > -LN2
    # Feed each branch only inputs it handles, so the unused branch never produces inf * 0 = NaN.
    x_near = torch.where(near, x, torch.full_like(x, -1.0))
    x_far = torch.where(near, torch.full_like(x, -1.0), x)
    return torch.where(near, torch.log(-torch.expm1(x_near)), torch.log1p(-torch.exp(x_far)))
