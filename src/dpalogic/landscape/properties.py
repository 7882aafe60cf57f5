"""Exact properties of a preference structure (SEMANTICS.md §6), each with its deciding method.

A structure ``(✓, ✗)`` over variables ``v_0 … v_{n-1}`` defines ``ρ = log WMC(✓) − log WMC(✗)``.
Atoms are bound to *weights*: every ``M``-atom (and copy ``M2, M3, …``) on ``y_w`` to ``p_w`` and on
``y_l`` to ``p_l`` (copies are tied to the model, their default binding); every ``Ref``-atom (and
copy) to ``r_w`` / ``r_l``; any other predicate ``P`` to its own weights ``P_w`` / ``P_l``. With
``d_j`` atoms tied to weight ``x_j``, ``WMC`` is a polynomial of degree ``d_j`` in ``x_j`` whose
*scaled Bernstein* coefficients are integers (the number of worlds of the set with a given count of
true atoms per weight); see :mod:`dpalogic.landscape._census_poly`.

Properties (all decided exactly, integers or fractions, never floats):

- **degenerate** — ``✓ = ∅`` (infinite loss), ``✗ = ∅`` (zero loss) or ``✓ = ✗`` (constant).
- **policy-independent** — not degenerate and ρ does not depend on the tuned model at all. On the
  open cube ``WMC(✓), WMC(✗) > 0``, so ``∂ρ/∂p = N_p / (WMC(✓)·WMC(✗))`` with
  ``N_p = ∂_p WMC(✓)·WMC(✗) − WMC(✓)·∂_p WMC(✗)``; ρ is independent of ``p_w, p_l`` iff both
  ``N_p`` vanish identically, i.e. all their integer coefficients are 0. Without copies this is the
  same as the cofactor criterion ``T_m·B_{m'} = T_{m'}·B_m`` for all M-assignments ``m, m'``
  (``T_m, B_m`` the slices of ✓, ✗ as polynomials in the other weights; tested in the test suite
  and on all 4^16 structures by the census).
- **antisymmetric** — exchanging ``y_w`` and ``y_l`` in every atom maps ✓ onto ✗ (a bit permutation
  of the world masks; vocabularies that are not closed under the exchange are lifted first).
- **preference-monotone** — not degenerate, not policy-independent, ``∂ρ/∂p_w ≥ 0`` and
  ``∂ρ/∂p_l ≤ 0`` on the whole open cube: ``N_{p_w} ≥ 0`` and ``−N_{p_l} ≥ 0``. Without copies,
  ``N_{p_w} = A1·B0 − A0·B1`` (SEMANTICS.md §6) does not involve ``p_w``. Each inequality is
  *certified* when all Bernstein coefficients are ≥ 0, *refuted* with a witness point of the open
  cube (exactly evaluated) when a coefficient at a corner is negative, and otherwise decided by
  exact Bernstein subdivision; what remains is *undecided* (none among the 4^16 structures over
  ``WITH_REF``, see docs/landscape.md).

Example:
    >>> from dpalogic.logic import structure
    >>> p = analyze(structure("Implies(M(x,yl), M(x,yw))", PC="Xor(M(x,yl), M(x,yw))"))  # ORPO
    >>> p.antisymmetric, p.monotone
    (True, 'certified')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from dpalogic.landscape import _census_poly as poly

__all__ = [
    "PROPERTY_CHECKS",
    "MonotoneWitness",
    "Properties",
    "analyze",
    "check",
    "derivative_numerator_at",
    "property_names",
    "weight_names",
]

_M_RE = re.compile(r"^M\d*$")
_REF_RE = re.compile(r"^Ref\d*$")


class _AtomLike(Protocol):
    pred: str
    out: str


class _StructureLike(Protocol):
    variables: tuple[Any, ...]
    top: int
    bottom: int


def _weight_key(atom: _AtomLike) -> tuple[str, str]:
    """The weight an atom is bound to: ("M", out), ("Ref", out) or (pred, out)."""
    if _M_RE.match(atom.pred):
        return ("M", atom.out)
    if _REF_RE.match(atom.pred):
        return ("Ref", atom.out)
    return (atom.pred, atom.out)


def _weight_name(key: tuple[str, str]) -> str:
    pred, out = key
    side = "w" if out == "yw" else "l"
    if pred == "M":
        return f"p_{side}"
    if pred == "Ref":
        return f"r_{side}"
    return f"{pred}_{side}"


def weight_names(variables: Sequence[_AtomLike]) -> tuple[str, ...]:
    """The weights ρ depends on, in order of first appearance (``p_w``, ``p_l``, ``r_w``, …)."""
    return tuple(_weight_name(k) for k in _axes(tuple((a.pred, a.out) for a in variables))[0])


@lru_cache(maxsize=256)
def _axes(
    atoms: tuple[tuple[str, str], ...],
) -> tuple[tuple[tuple[str, str], ...], tuple[int, ...], tuple[int, ...]]:
    """(weight keys, axis of each variable, degree of each axis)."""

    class _A:
        def __init__(self, pred: str, out: str) -> None:
            self.pred, self.out = pred, out

    keys: list[tuple[str, str]] = []
    axis_of: list[int] = []
    for pred, out in atoms:
        k = _weight_key(_A(pred, out))
        if k not in keys:
            keys.append(k)
        axis_of.append(keys.index(k))
    degrees = tuple(axis_of.count(j) for j in range(len(keys)))
    return tuple(keys), tuple(axis_of), degrees


def _wmc_array(mask: int, axis_of: tuple[int, ...], degrees: tuple[int, ...]) -> np.ndarray:
    """Scaled-Bernstein coefficients of WMC(mask): worlds counted by true atoms per weight."""
    c = poly.zeros(tuple(d + 1 for d in degrees))
    n = len(axis_of)
    for w in range(1 << n):
        if (mask >> w) & 1:
            idx = [0] * len(degrees)
            for i in range(n):
                if (w >> i) & 1:
                    idx[axis_of[i]] += 1
            c[tuple(idx)] += 1
    return c


def _numerator(top: np.ndarray, bottom: np.ndarray, axis: int) -> np.ndarray:
    """N = ∂T·B − T·∂B along ``axis`` (the numerator of ∂ρ/∂x_axis)."""
    return poly.multiply(poly.derivative(top, axis), bottom) - poly.multiply(
        top, poly.derivative(bottom, axis)
    )


def _swap_masks(variables: tuple[_AtomLike, ...], top: int, bottom: int) -> tuple[int, int]:
    """(swap(✓), ✗) over a vocabulary closed under y_w ↔ y_l (lifting when needed)."""
    names = [(a.pred, a.out) for a in variables]
    union = list(names)
    for pred, out in names:
        other = (pred, "yl" if out == "yw" else "yw")
        if other not in union:
            union.append(other)
    n, m = len(names), len(union)
    if m > n:  # lift: the new variables are free
        def lift(mask: int) -> int:
            low = (1 << n) - 1
            return sum(1 << w for w in range(1 << m) if (mask >> (w & low)) & 1)

        top, bottom = lift(top), lift(bottom)
    perm = [union.index((p, "yl" if o == "yw" else "yw")) for p, o in union]
    swapped = 0
    for w in range(1 << m):
        if (top >> w) & 1:
            w2 = 0
            for i in range(m):
                if (w >> i) & 1:
                    w2 |= 1 << perm[i]
            swapped |= 1 << w2
    return swapped, bottom


@dataclass(frozen=True)
class MonotoneWitness:
    """A point of the open cube where ρ moves the wrong way, verified exactly.

    ``direction`` is ``"p_w"`` (there ∂ρ/∂p_w < 0) or ``"p_l"`` (there ∂ρ/∂p_l > 0);
    ``point`` maps every weight name to a fraction in (0, 1); ``numerator`` is the exact value of
    ``N = ∂T·B − T·∂B`` (same sign as ∂ρ/∂direction) at the point.
    """

    direction: str
    point: tuple[tuple[str, Fraction], ...]
    numerator: Fraction

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (fractions as strings)."""
        return {
            "direction": self.direction,
            "point": {k: str(v) for k, v in self.point},
            "numerator": str(self.numerator),
        }


@dataclass(frozen=True)
class Properties:
    """The exact properties of one structure and how each was decided.

    ``monotone`` is ``"certified"``, ``"refuted"`` (``witness`` set), ``"undecided"`` or ``"n/a"``
    (degenerate or policy-independent). ``monotone_w`` / ``monotone_l`` give the verdict on each
    direction separately (``"certified"`` also when ρ does not involve that weight).
    ``methods`` maps each property name to the method string that decided it.
    """

    degeneracy: str | None
    policy_independent: bool
    antisymmetric: bool
    monotone: str
    monotone_w: str
    monotone_l: str
    witness: MonotoneWitness | None = None
    methods: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    subdivision_boxes: int = 0

    @property
    def degenerate(self) -> bool:
        """✓ = ∅, ✗ = ∅ or ✓ = ✗."""
        return self.degeneracy is not None

    @property
    def preference_monotone(self) -> bool:
        """Certified preference-monotone (not degenerate, not policy-independent)."""
        return self.monotone == "certified"

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "degeneracy": self.degeneracy,
            "degenerate": self.degenerate,
            "policy_independent": self.policy_independent,
            "antisymmetric": self.antisymmetric,
            "monotone": self.monotone,
            "monotone_w": self.monotone_w,
            "monotone_l": self.monotone_l,
            "witness": None if self.witness is None else self.witness.as_dict(),
            "methods": dict(self.methods),
        }


def _degeneracy(top: int, bottom: int) -> str | None:
    if top == 0:
        return "empty-top"
    if bottom == 0:
        return "empty-bottom"
    if top == bottom:
        return "top-equals-bottom"
    return None


def derivative_numerator_at(
    structure: _StructureLike, direction: str, point: dict[str, Fraction]
) -> Fraction:
    """``∂WMC(✓)·WMC(✗) − WMC(✓)·∂WMC(✗)`` with respect to weight *direction* at *point*.

    Computed directly from the worlds (product rule on every world weight), independently of the
    Bernstein machinery; used to verify witnesses. *point* maps weight names to fractions.
    """
    variables = tuple(structure.variables)
    names = [_weight_name(_weight_key(a)) for a in variables]
    n = len(variables)

    def sums(mask: int) -> tuple[Fraction, Fraction]:
        val, der = Fraction(0), Fraction(0)
        for w in range(1 << n):
            if not (mask >> w) & 1:
                continue
            factors = []
            for i in range(n):
                x = point[names[i]]
                t = (w >> i) & 1
                slope = (1 if t else -1) if names[i] == direction else 0
                factors.append((x if t else 1 - x, slope))
            prod = Fraction(1)
            for f, _ in factors:
                prod *= f
            val += prod
            for j, (_f, dj) in enumerate(factors):
                if dj:
                    rest = Fraction(1)
                    for i2, (f2, _) in enumerate(factors):
                        if i2 != j:
                            rest *= f2
                    der += dj * rest
        return val, der

    t, dt = sums(structure.top)
    b, db = sums(structure.bottom)
    return dt * b - t * db


@lru_cache(maxsize=65536)
def _analyze_cached(atoms: tuple[tuple[str, str], ...], top: int, bottom: int) -> Properties:
    keys, axis_of, degrees = _axes(atoms)
    methods: dict[str, str] = {"degeneracy": "world-set comparison of the ✓ and ✗ masks"}
    degeneracy = _degeneracy(top, bottom)

    class _V:
        def __init__(self, pred: str, out: str) -> None:
            self.pred, self.out = pred, out

    variables = tuple(_V(p, o) for p, o in atoms)
    sw, bot = _swap_masks(variables, top, bottom)
    antisymmetric = sw == bot
    methods["antisymmetric"] = "bit permutation y_w ↔ y_l of the ✓ mask compared with the ✗ mask"

    if degeneracy is not None:
        methods["policy_independent"] = "n/a (degenerate)"
        methods["monotone"] = "n/a (degenerate)"
        return Properties(degeneracy, False, antisymmetric, "n/a", "n/a", "n/a", None, methods)

    tarr = _wmc_array(top, axis_of, degrees)
    barr = _wmc_array(bottom, axis_of, degrees)
    m_axes = {k[1]: j for j, k in enumerate(keys) if k[0] == "M"}
    nums = {out: _numerator(tarr, barr, j) for out, j in m_axes.items()}
    pi = all(all(v == 0 for v in num.flat) for num in nums.values())
    methods["policy_independent"] = (
        "exact polynomial identity: the numerators of ∂ρ/∂p_w and ∂ρ/∂p_l (integer Bernstein "
        "coefficients of ∂T·B − T·∂B) " + ("all vanish" if pi else "do not all vanish")
    )
    if pi:
        methods["monotone"] = "n/a (policy-independent)"
        return Properties(None, True, antisymmetric, "n/a", "n/a", "n/a", None, methods)

    verdicts: dict[str, poly.Decision] = {}
    for out, sign in (("yw", 1), ("yl", -1)):
        if out not in nums:
            verdicts[out] = poly.Decision("certified", "weight absent")
            continue
        verdicts[out] = poly.decide_nonnegative(poly.drop_constant_axes(sign * nums[out]))
    dw, dl = verdicts["yw"], verdicts["yl"]
    witness = None
    boxes = dw.boxes + dl.boxes
    for out, dec in (("yw", dw), ("yl", dl)):
        if dec.status == "refuted":
            assert dec.witness is not None and dec.value is not None
            direction = "p_w" if out == "yw" else "p_l"
            point = {_weight_name(k): x for k, x in zip(keys, dec.witness, strict=True)}
            value = derivative_numerator_at(_Struct(variables, top, bottom), direction, point)
            sign = 1 if out == "yw" else -1
            if not (sign * value < 0):  # pragma: no cover - a bug guard
                raise AssertionError(f"witness {point} failed exact verification")
            witness = MonotoneWitness(direction, tuple(point.items()), value)
            break
    if witness is not None:
        status = "refuted"
    elif dw.status == "certified" and dl.status == "certified":
        status = "certified"
    else:
        status = "undecided"
    methods["monotone"] = f"p_w: {dw.method}; p_l: {dl.method}"
    return Properties(None, False, antisymmetric, status, dw.status, dl.status, witness, methods,
                      boxes)


@dataclass(frozen=True)
class _Struct:
    variables: tuple[Any, ...]
    top: int
    bottom: int


def analyze(structure: _StructureLike) -> Properties:
    """Decide every property of *structure* exactly (see the module docstring for the math).

    Example:
        >>> from dpalogic.logic import PreferenceStructure, NO_REF
        >>> p = analyze(PreferenceStructure.from_worlds(0b1100, 0b0011, NO_REF))  # ρ = logit(p_l)
        >>> p.monotone, p.witness.direction
        ('refuted', 'p_l')
    """
    atoms = tuple((a.pred, a.out) for a in structure.variables)
    return _analyze_cached(atoms, int(structure.top), int(structure.bottom))


def _is_degenerate(s: _StructureLike) -> bool:
    return analyze(s).degenerate


PROPERTY_CHECKS: dict[str, Callable[[_StructureLike], bool]] = {
    "degenerate": _is_degenerate,
    "non-degenerate": lambda s: not analyze(s).degenerate,
    "policy-independent": lambda s: analyze(s).policy_independent,
    "antisymmetric": lambda s: analyze(s).antisymmetric,
    "preference-monotone": lambda s: analyze(s).monotone == "certified",
}
"""Named yes/no filters (``dpalogic between A B --where NAME``); monotone means *certified*."""


def property_names() -> tuple[str, ...]:
    """The names accepted by :func:`check` and ``--where``."""
    return tuple(PROPERTY_CHECKS)


def check(structure: _StructureLike, name: str) -> bool:
    """Evaluate the named property; an unknown name is a :class:`~dpalogic.errors.DPALogicError`."""
    from dpalogic.errors import DPALogicError

    try:
        fn = PROPERTY_CHECKS[name]
    except KeyError:
        known = ", ".join(PROPERTY_CHECKS)
        raise DPALogicError(f"unknown property {name!r}; known properties: {known}") from None
    return fn(structure)
