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

Variables are independent weights by default. Copies such as ``M2`` are bound to ``M``'s
log-probs by the compiler's defaults; ``bind_copies=True`` (or explicit ``ties``) decides
equivalence under that binding: a weight shared by ``m`` variables has degree ≤ 2m in ``D``, so
the grid gets ``2m + 1`` points for it (all inside the cube, with a common denominator).

Example:
    >>> from dpalogic.logic import PreferenceStructure, NO_REF
    >>> a = PreferenceStructure.from_worlds(0b1000, 0b0010, NO_REF)   # ✓ {TT}, ✗ {TF}
    >>> b = PreferenceStructure.from_worlds(0b1100, 0b0011, NO_REF)   # ✓ M(x,yl), ✗ ¬M(x,yl)
    >>> equivalent(a, b)
    True
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
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
    "copy_ties",
    "decide",
    "equivalent",
    "kind",
    "wmc_at",
]

_GRID = (1, 2, 3)  # numerators of the grid points {1/4, 1/2, 3/4}
_SCALE = 4
_COPY_RE = re.compile(r"^(M|Ref)\d+$")


def kind(structure: PreferenceStructure) -> str:
    """``"finite"``, ``"-inf"`` (✓ = ∅), ``"+inf"`` (✗ = ∅) or ``"undefined"`` (both empty)."""
    if structure.top == 0 and structure.bottom == 0:
        return "undefined"
    if structure.top == 0:
        return "-inf"
    if structure.bottom == 0:
        return "+inf"
    return "finite"


def _world_weights(point: tuple[int, ...], denominator: int = _SCALE) -> list[int]:
    """Weights of all worlds at ``p_i = point[i] / denominator``, scaled by ``denominator^n``."""
    weights = [1]
    for k in point:
        weights = [x * (denominator - k) for x in weights] + [x * k for x in weights]
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


def copy_ties(variables: Iterable[Atom]) -> dict[Atom, Atom]:
    """The compiler's default bindings as ties: ``M2, M3, …`` → ``M`` and ``Ref2, …`` → ``Ref``."""
    from dpalogic.logic import Atom

    ties = {}
    for v in variables:
        m = _COPY_RE.match(v.pred)
        if m:
            ties[v] = Atom(m.group(1), v.out)
    return ties


def _grid(variables: tuple[Atom, ...], ties: Mapping[Atom, Atom]
          ) -> tuple[int, list[list[int]], list[int]]:
    """Denominator, per-group numerators and the group of each variable.

    Tied variables share one weight; with ``m`` variables in a group, ``T1·B2 − T2·B1`` has
    degree ≤ 2m in that weight, so ``2m + 1`` distinct points per group decide the identity.
    """
    def rep(v: Atom) -> Atom:
        seen = set()
        while v in ties and v not in seen:
            seen.add(v)
            v = ties[v]
        return v

    keys: list[Atom] = []
    group_of = []
    for v in variables:
        r = rep(v)
        if r not in keys:
            keys.append(r)
        group_of.append(keys.index(r))
    sizes = [group_of.count(g) for g in range(len(keys))]
    denominator = 2 * max(sizes) + 2
    numerators = [list(range(1, 2 * m + 2)) for m in sizes]
    return denominator, numerators, group_of


def decide(
    a: PreferenceStructure,
    b: PreferenceStructure,
    *,
    ties: Mapping[Atom, Atom] | None = None,
    bind_copies: bool = False,
) -> Equivalence:
    """Decide exactly whether ``a`` and ``b`` compile to the same loss function.

    See the module docstring for the method (integer polynomial identity on a grid) and the
    degenerate cases. Different vocabularies are lifted to their union first (lifting does not
    change ``T`` or ``B``).

    Args:
        a, b: the two structures.
        ties: variables that share one weight (``{M2(x,yw): M(x,yw)}``); the grid then has
            ``2m + 1`` points per shared weight of ``m`` variables.
        bind_copies: tie copies to their originals as the compiler does by default
            (``M2, M3, …`` → ``M``, ``Ref2, …`` → ``Ref``); adds to ``ties``.
    """
    from dpalogic.logic import to_paper

    la, lb = align(a, b)
    variables = tuple(la.variables)
    identical = (la.top, la.bottom) == (lb.top, lb.bottom)
    if identical:
        return Equivalence(True, True, "same ✓ and ✗ worlds", variables)
    ka, kb = kind(la), kind(lb)
    if ka != "finite" or kb != "finite":
        # every world weight is > 0 inside the cube, so WMC(S) ≡ 0 iff S = ∅ (ties or not)
        same = ka == kb
        text = {"-inf": "ρ ≡ −∞ (✓ = ∅)", "+inf": "ρ ≡ +∞ (✗ = ∅)",
                "undefined": "ρ = log 0/0 is undefined (✓ = ✗ = ∅)", "finite": "ρ is finite"}
        reason = (f"both degenerate: {text[ka]}" if same
                  else f"first: {text[ka]}; second: {text[kb]}")
        return Equivalence(same, False, reason, variables)
    all_ties = dict(ties or {})
    if bind_copies:
        all_ties.update(copy_ties(variables))
    denominator, numerators, group_of = _grid(variables, all_ties)
    n = 1 << len(variables)
    t1w = [w for w in range(n) if (la.top >> w) & 1]
    b1w = [w for w in range(n) if (la.bottom >> w) & 1]
    t2w = [w for w in range(n) if (lb.top >> w) & 1]
    b2w = [w for w in range(n) if (lb.bottom >> w) & 1]
    for group_point in itertools.product(*numerators):
        point = tuple(group_point[g] for g in group_of)
        weights = _world_weights(point, denominator)
        t1 = sum(weights[w] for w in t1w)
        b1 = sum(weights[w] for w in b1w)
        t2 = sum(weights[w] for w in t2w)
        b2 = sum(weights[w] for w in b2w)
        if t1 * b2 != t2 * b1:
            witness = {to_paper(v): Fraction(k, denominator)
                       for v, k in zip(variables, point, strict=True)}
            return Equivalence(
                False, False,
                "T1·B2 ≠ T2·B1 at " + ", ".join(f"{k}={v}" for k, v in witness.items()),
                variables, witness, (Fraction(t1, b1), Fraction(t2, b2)),
            )
    return Equivalence(True, False, "T1·B2 ≡ T2·B1 (same ratio, different worlds)", variables)


def equivalent(
    a: PreferenceStructure,
    b: PreferenceStructure,
    *,
    ties: Mapping[Atom, Atom] | None = None,
    bind_copies: bool = False,
) -> bool:
    """``True`` iff ``a`` and ``b`` give the same ``ρ`` (hence the same loss for any link)."""
    return decide(a, b, ties=ties, bind_copies=bind_copies).equivalent


@dataclass(frozen=True)
class Match:
    """A named loss that a structure coincides with (``identical``: same ✓ and ✗ worlds)."""

    name: str
    identical: bool


def coincides_with(
    structure: PreferenceStructure,
    named: Iterable[tuple[str, PreferenceStructure]] | None = None,
    *,
    bind_copies: bool = False,
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
        result = decide(structure, other, bind_copies=bind_copies)
        if result.equivalent:
            out.append(Match(name, result.identical))
    out.sort(key=lambda m: not m.identical)
    return out
