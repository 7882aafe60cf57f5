"""Links ``f(ρ, β)``: the convex function a DPA loss applies to its core log ratio ρ.

Every link is a small pure function ``f(rho, beta, **params) -> Tensor`` (elementwise) registered
by name in :data:`LINKS`. :func:`get_link` turns a name (plus parameters) or a user callable
``f(rho, beta)`` into a two-argument function.

At ``ρ = ±inf`` (degenerate structures) each built-in link returns its correct limit, never NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F

from dpalogic.errors import DPALogicError

LinkFn = Callable[..., torch.Tensor]


def logistic(rho: torch.Tensor, beta: float) -> torch.Tensor:
    r"""Logistic link :math:`-\log\sigma(\beta\rho)` (DPO; TRL ``loss_type="sigmoid"``).

    Computed as ``-logsigmoid`` (log space, no overflow for large ``|βρ|``). Reference: Rafailov et
    al., "Direct Preference Optimization", NeurIPS 2023, eq. 7.

    Example:
        >>> import torch
        >>> round(float(logistic(torch.tensor(0.0), 1.0)), 6)  # log 2
        0.693147
    """
    return -F.logsigmoid(beta * rho)


def cdpo(rho: torch.Tensor, beta: float, label_smoothing: float = 0.0) -> torch.Tensor:
    r"""Conservative DPO (cDPO), label smoothing ε.

    :math:`-(1-\varepsilon)\log\sigma(\beta\rho) - \varepsilon\log\sigma(-\beta\rho)`.

    Label smoothing with flip probability ε (TRL ``loss_type="sigmoid"`` with ``label_smoothing``).
    Reference: E. Mitchell, "A note on DPO with noisy preferences & relationship to IPO", 2023.

    Example:
        >>> import torch
        >>> round(float(cdpo(torch.tensor(0.0), 1.0, label_smoothing=0.1)), 6)
        0.693147
    """
    eps = float(label_smoothing)
    out = -(1.0 - eps) * F.logsigmoid(beta * rho)
    if eps:  # skip the term at ε = 0 so ρ = -inf never meets 0 * inf
        out = out - eps * F.logsigmoid(-beta * rho)
    return out


def robust(rho: torch.Tensor, beta: float, label_smoothing: float = 0.0) -> torch.Tensor:
    r"""Robust DPO, label-noise rate ε.

    :math:`((1-\varepsilon)(-\log\sigma(\beta\rho)) + \varepsilon\log\sigma(-\beta\rho))
    / (1-2\varepsilon)`.

    An unbiased estimate of the clean-label loss under flip rate ε < 1/2
    (TRL ``loss_type="robust"``).
    Reference: Chowdhury et al., "Provably Robust DPO", ICML 2024, eq. 6.

    Example:
        >>> import torch
        >>> round(float(robust(torch.tensor(0.0), 1.0, label_smoothing=0.1)), 6)
        0.693147
    """
    eps = float(label_smoothing)
    if not 0.0 <= eps < 0.5:
        raise DPALogicError(f"robust link needs 0 <= label_smoothing < 0.5, got {eps}")
    out = -(1.0 - eps) * F.logsigmoid(beta * rho)
    if eps:
        out = out + eps * F.logsigmoid(-beta * rho)
    return out / (1.0 - 2.0 * eps)


def hinge(rho: torch.Tensor, beta: float) -> torch.Tensor:
    r"""Hinge link :math:`\max(0, 1 - \beta\rho)` (SLiC; TRL ``loss_type="hinge"``).

    Reference: Zhao et al., "SLiC-HF: Sequence Likelihood Calibration with Human Feedback", 2023.

    Example:
        >>> import torch
        >>> float(hinge(torch.tensor(0.5), 1.0))
        0.5
    """
    return torch.relu(1.0 - beta * rho)


def hinge_margin(rho: torch.Tensor, beta: float, delta: float = 1.0) -> torch.Tensor:
    r"""Margin hinge :math:`\max(0, \delta - \rho)` (β unused; SLiC's calibration loss, margin δ).

    Reference: Zhao et al., "Calibrating Sequence Likelihood Improves Conditional Language
    Generation", ICLR 2023.

    Example:
        >>> import torch
        >>> float(hinge_margin(torch.tensor(0.25), 1.0, delta=1.0))
        0.75
    """
    return torch.relu(delta - rho)


def squared(rho: torch.Tensor, beta: float) -> torch.Tensor:
    r"""Squared link :math:`(\rho - \frac{1}{2\beta})^2` (IPO; TRL ``loss_type="ipo"``; β is τ).

    Reference: Azar et al., "A General Theoretical Paradigm to Understand Learning from Human
    Preferences", AISTATS 2024, eq. 17.

    Example:
        >>> import torch
        >>> float(squared(torch.tensor(0.5), 1.0))
        0.0
    """
    return (rho - 1.0 / (2.0 * beta)) ** 2


#: Link registry: name → function ``f(rho, beta, **params)``. Aliases use TRL/paper names.
LINKS: dict[str, LinkFn] = {
    "logistic": logistic,
    "sigmoid": logistic,
    "cdpo": cdpo,
    "robust": robust,
    "hinge": hinge,
    "slic": hinge,
    "hinge_margin": hinge_margin,
    "squared": squared,
    "ipo": squared,
}


def link_name(link: str | Callable[..., torch.Tensor]) -> str:
    """A printable name for a link (the registry name or the callable's ``__name__``)."""
    if isinstance(link, str):
        return link
    return getattr(link, "__name__", None) or getattr(
        getattr(link, "func", None), "__name__", "link"
    )


def get_link(
    link: str | Callable[..., torch.Tensor], **params: float
) -> Callable[[torch.Tensor, float], torch.Tensor]:
    """Resolve a link name (with its parameters, e.g. ``label_smoothing``, ``delta``) or callable.

    Example:
        >>> import torch
        >>> f = get_link("cdpo", label_smoothing=0.1)
        >>> round(float(f(torch.tensor(0.0), 1.0)), 6)
        0.693147
    """
    if callable(link):
        if params:
            return partial(link, **params)
        return link
    if not isinstance(link, str) or link not in LINKS:
        raise DPALogicError(f"unknown link {link!r}; known links: {', '.join(sorted(LINKS))}")
    fn = LINKS[link]
    if params:
        import inspect

        allowed = set(inspect.signature(fn).parameters) - {"rho", "beta"}
        bad = set(params) - allowed
        if bad:
            raise DPALogicError(
                f"link {link!r} takes no parameter {sorted(bad)[0]!r}"
                + (f" (it takes {', '.join(sorted(allowed))})" if allowed else "")
            )
        return partial(fn, **params)
    return fn
