"""Brute-force reference semantics: ρ by plain float64 enumeration of worlds (for tests).

This is the definition of SEMANTICS §2–3 executed literally — every world, products of ``p`` and
``1 − p``, a plain sum — with no simplification and no log-space tricks, so it is only accurate for
moderate log-probabilities. The compiler is tested against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def brute_force_wmc(mask: int, probs: Sequence[Any]) -> np.ndarray:
    """``WMC`` of a world set by enumeration; ``probs[i]`` is the probability of variable ``i``.

    Example:
        >>> float(brute_force_wmc(0b1000, [0.5, 0.2]))  # world TT only: 0.5 * 0.2
        0.1
    """
    ps = [np.asarray(p, dtype=np.float64) for p in probs]
    total = np.zeros(np.broadcast(*ps).shape if ps else (), dtype=np.float64)
    for w in range(1 << len(ps)):
        if (mask >> w) & 1:
            weight = np.ones_like(total)
            for i, p in enumerate(ps):
                weight = weight * (p if (w >> i) & 1 else 1.0 - p)
            total = total + weight
    return total


def brute_force_rho(structure: Any, logps: Sequence[Any]) -> np.ndarray:
    """ρ = log WMC(✓) − log WMC(✗) by float64 enumeration; ``logps[i]`` is ``log p`` of variable i.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> import math
        >>> v = (NS(pred="M", out="yw"), NS(pred="M", out="yl"))
        >>> s = NS(variables=v, top=0b0010, bottom=0b0100)   # ORPO: TF / FT
        >>> r = brute_force_rho(s, [math.log(0.5), math.log(0.2)])
        >>> round(float(r), 6) == round(math.log(0.5 * 0.8 / (0.2 * 0.5)), 6)
        True
    """
    probs = [np.exp(np.asarray(a, dtype=np.float64)) for a in logps]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(brute_force_wmc(int(structure.top), probs)) - np.log(
            brute_force_wmc(int(structure.bottom), probs)
        )
