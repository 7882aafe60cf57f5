"""Functional equivalence of losses: do two structures compile to the same loss function?

Two structures ``ρ_1 = log T_1/B_1`` and ``ρ_2 = log T_2/B_2`` (``T = WMC(✓)``, ``B = WMC(✗)``,
multilinear polynomials in the weights) give the same loss for every link ``f`` and ``β`` iff
``ρ_1 ≡ ρ_2`` as functions on the open cube ``(0, 1)^n``, i.e. iff

    T_1 · B_2  ≡  T_2 · B_1          as polynomials                       (*)

when all four are non-zero. Different (✓, ✗) pairs can satisfy (*): ✓ = {TT}, ✗ = {TF} and
✓ = M(x,yl), ✗ = ¬M(x,yl) both give ``log p_l / (1 − p_l)`` (a common factor ``p_w`` cancels).

**Exact decision.** ``D = T_1 B_2 − T_2 B_1`` has degree ≤ 2 in each variable, and a polynomial
of degree ≤ 2 in each variable vanishing on a grid of 3 points per variable is zero. So (*) is
decided exactly, with integers only, by evaluating at every ``p ∈ {1/4, 1/2, 3/4}^n`` (scaled by
``4^n``: each world weight becomes a product of integers ``k`` and ``4 − k``). Every grid point
lies inside the open cube, so a point where ``D ≠ 0`` is a genuine counter-example where the two
losses differ.

**Degenerate cases** (SEMANTICS §6). ``WMC(S) ≡ 0`` iff ``S = ∅`` (world weights are linearly
independent), so: ✓ = ∅ ≠ ✗ gives ``ρ ≡ −∞``, ✗ = ∅ ≠ ✓ gives ``ρ ≡ +∞``, and ✓ = ✗ = ∅ gives the
undefined ``log 0/0``. (*) is wrong for these (``0 · B_2 ≡ T_2 · 0`` for anything), so they are
equivalent exactly to the structures of the same kind. ✓ = ✗ ≠ ∅ gives ``ρ ≡ 0`` and is handled
by (*).

Variables are treated as independent weights (copies such as ``M2`` are separate variables
here, although the compiler binds them to ``M``'s log-probs by default).

Example:
    >>> from dpalogic.logic import PreferenceStructure, NO_REF
    >>> a = PreferenceStructure.from_worlds(0b1000, 0b0010, NO_REF)   # ✓ {TT}, ✗ {TF}
    >>> b = PreferenceStructure.from_worlds(0b1100, 0b0011, NO_REF)   # ✓ M(x,yl), ✗ ¬M(x,yl)
    >>> equivalent(a, b)
    True
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from dpalogic.landscape.order import align

if TYPE_CHECKING:  # pragma: no cover
    from dpalogic.logic import Atom, PreferenceStructure

__all__ = [
    "Equivalence",
    "Match",
    "coincides_with",
    "decide",
    "equivalent",
    "kind",
    "wmc_at",
]

_GRID = (1, 2, 3)  # numerators of the grid points {1/4, 1/2, 3/4}
_SCALE = 4


def kind(structure: PreferenceStructure) -> str:
    """``"finite"``, ``"-inf"`` (✓ = ∅), ``"+inf"`` (✗ = ∅) or ``"undefined"`` (both empty)."""
    if structure.top == 0 and structure.bottom == 0:
        return "undefined"
    if structure.top == 0:
        return "-inf"
    if structure.bottom == 0:
        return "+inf"
    return "finite"


def _world_weights(point: tuple[int, ...]) -> list[int]:
    """Weights of all worlds at ``p_i = point[i] / 4``, scaled by ``4^n`` (exact integers)."""
    weights = [1]
    for k in point:
        weights = [x * (_SCALE - k) for x in weights] + [x * k for x in weights]
    return weights


def wmc_at(mask: int, point: tuple[int, ...]) -> int:
    """``4^n · WMC(mask)`` at ``p_i = point[i] / 4`` (integers ``point[i]`` in ``1..3``)."""
    weights = _world_weights(point)
    return sum(wt for w, wt in enumerate(weights) if (mask >> w) & 1)


@dataclass(frozen=True)
class Equivalence:
    """Outcome of :func:`decide`.

    ``witness`` (when not equivalent and both finite) maps each variable to a probability in
    ``(0, 1)`` where the two ``ρ`` differ, with the exact ratios ``T/B`` of both there.
    """

    equivalent: bool
    identical: bool
    reason: str
    variables: tuple[Atom, ...]
    witness: dict[str, Fraction] | None = None
    ratios: tuple[Fraction, Fraction] | None = None

    def __bool__(self) -> bool:
        return self.equivalent

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "equivalent": self.equivalent,
            "identical": self.identical,
            "reason": self.reason,
            "witness": None if self.witness is None
            else {k: str(v) for k, v in self.witness.items()},
            "ratios": None if self.ratios is None else [str(r) for r in self.ratios],
        }


def decide(a: PreferenceStructure, b: PreferenceStructure) -> Equivalence:
    """Decide exactly whether ``a`` and ``b`` compile to the same loss function.

    See the module docstring for the method (integer polynomial identity on a 3-point grid) and
    the degenerate cases. Different vocabularies are lifted to their union first (lifting does
    not change ``T`` or ``B``).
    """
    from dpalogic.logic import to_paper

    la, lb = align(a, b)
    variables = tuple(la.variables)
    identical = (la.top, la.bottom) == (lb.top, lb.bottom)
    if identical:
        return Equivalence(True, True, "same ✓ and ✗ worlds", variables)
    ka, kb = kind(la), kind(lb)
    if ka != "finite" or kb != "finite":
        same = ka == kb
        text = {"-inf": "ρ ≡ −∞ (✓ = ∅)", "+inf": "ρ ≡ +∞ (✗ = ∅)",
                "undefined": "ρ = log 0/0 is undefined (✓ = ✗ = ∅)", "finite": "ρ is finite"}
        reason = (f"both degenerate: {text[ka]}" if same
                  else f"first: {text[ka]}; second: {text[kb]}")
        return Equivalence(same, False, reason, variables)
    for point in itertools.product(_GRID, repeat=len(variables)):
        weights = _world_weights(point)
        t1 = sum(wt for w, wt in enumerate(weights) if (la.top >> w) & 1)
        b1 = sum(wt for w, wt in enumerate(weights) if (la.bottom >> w) & 1)
        t2 = sum(wt for w, wt in enumerate(weights) if (lb.top >> w) & 1)
        b2 = sum(wt for w, wt in enumerate(weights) if (lb.bottom >> w) & 1)
        if t1 * b2 != t2 * b1:
            witness = {to_paper(v): Fraction(k, _SCALE) for v, k in zip(variables, point,
                                                                        strict=True)}
            return Equivalence(
                False, False,
                "T1·B2 ≠ T2·B1 at " + ", ".join(f"{k}={v}" for k, v in witness.items()),
                variables, witness, (Fraction(t1, b1), Fraction(t2, b2)),
            )
    return Equivalence(True, False, "T1·B2 ≡ T2·B1 (same ratio, different worlds)", variables)


def equivalent(a: PreferenceStructure, b: PreferenceStructure) -> bool:
    """``True`` iff ``a`` and ``b`` give the same ``ρ`` (hence the same loss for any link)."""
    return decide(a, b).equivalent


@dataclass(frozen=True)
class Match:
    """A named loss that a structure coincides with (``identical``: same ✓ and ✗ worlds)."""

    name: str
    identical: bool


def coincides_with(
    structure: PreferenceStructure,
    named: Iterable[tuple[str, PreferenceStructure]] | None = None,
) -> list[Match]:
    """The named losses with the same loss function as ``structure`` (identical ones first).

    ``named`` defaults to every entry of the zoo (:func:`dpalogic.zoo.entries`).

    Example: ✓ = {TT, TF}, ✗ = {FT} is identical to the zoo's cCPO, so
    ``coincides_with(s)`` starts with ``Match("cCPO", identical=True)``.
    """
    if named is None:
        from dpalogic.zoo import entries

        named = [(e.name, e.structure) for e in entries()]
    out = []
    for name, other in named:
        result = decide(structure, other)
        if result.equivalent:
            out.append(Match(name, result.identical))
    out.sort(key=lambda m: not m.identical)
    return out
