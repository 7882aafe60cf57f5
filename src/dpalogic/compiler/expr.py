"""World sets → compact log-space expressions (the simplifier) and Python code generation.

A world set over variables ``v_0 … v_{n-1}`` (bit mask, see docs/ARCHITECTURE.md) is turned into an
expression for ``log WMC(set)`` built from four node kinds, all exact in log space:

- ``Lit(i, True)`` = ``a_i`` (the log-probability of ``v_i``),
  ``Lit(i, False)`` = ``log1mexp(a_i)``;
- ``Prod(terms)`` = sum of the terms' logs (a product of weights);
- ``LSE(left, right)`` = ``logaddexp`` of two disjoint, positive branches (a Shannon expansion);
- ``Compl(inner)`` = ``log1mexp(inner)`` (``1 - WMC(¬S)``), used only when ``¬S`` is a single
  product of literals, where it is exact to rounding and cheaper than expanding.

Rules, applied recursively: an empty set is ``-inf``, the full set is ``0``; variables the set does
not depend on are dropped (their weights sum to 1); a set that is a Cartesian product over disjoint
variable groups becomes a ``Prod`` of its factors; otherwise the cheapest Shannon expansion (or
complement) is chosen by a small operation-count cost model. For a ratio ✓/✗, factors that occur
identically on both sides cancel symbolically, so DPO becomes ``a_w + r_l - a_l - r_w``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

# --------------------------------------------------------------------------------------------
# expression tree


@dataclass(frozen=True, order=True)
class Lit:
    """A literal: ``log p_i`` (positive) or ``log(1 - p_i)`` (negative)."""

    var: int
    positive: bool


@dataclass(frozen=True, order=True)
class Const:
    """A constant log value: ``0.0`` (WMC 1) or ``-inf`` (WMC 0)."""

    value: float


@dataclass(frozen=True)
class Prod:
    """A product of weights: the sum of the children's logs."""

    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class LSE:
    """A sum of two disjoint weights: ``logaddexp`` of the children."""

    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compl:
    """One minus a weight: ``log1mexp`` of the child."""

    inner: Expr


Expr = Lit | Const | Prod | LSE | Compl

ZERO = Const(0.0)
NEG_INF = Const(-math.inf)


def cost(e: Expr) -> int:
    """Rough number of elementwise tensor ops to evaluate *e* (the simplifier's cost model)."""
    if isinstance(e, Const):
        return 0
    if isinstance(e, Lit):
        return 0 if e.positive else 3
    if isinstance(e, Prod):
        return sum(cost(t) for t in e.terms) + len(e.terms) - 1
    if isinstance(e, LSE):
        return cost(e.left) + cost(e.right) + 3
    return cost(e.inner) + 3


def is_product_of_literals(e: Expr) -> bool:
    """True for a literal or a ``Prod`` of literals (no sums, no complements)."""
    if isinstance(e, Lit):
        return True
    return isinstance(e, Prod) and all(isinstance(t, Lit) for t in e.terms)


def literals(e: Expr) -> set[int]:
    """Variables (indices) an expression reads."""
    if isinstance(e, Lit):
        return {e.var}
    if isinstance(e, Const):
        return set()
    if isinstance(e, Prod):
        return set().union(*(literals(t) for t in e.terms))
    if isinstance(e, LSE):
        return literals(e.left) | literals(e.right)
    return literals(e.inner)


def _sort_key(e: Expr) -> tuple:
    if isinstance(e, Lit):
        return (0, e.var, not e.positive)
    return (1, repr(e))


def prod(*terms: Expr) -> Expr:
    """Smart ``Prod``: flattens, drops ``0`` (weight 1), absorbs ``-inf``, sorts for determinism."""
    flat: list[Expr] = []
    for t in terms:
        if isinstance(t, Prod):
            flat.extend(t.terms)
        elif t == NEG_INF:
            return NEG_INF
        elif t != ZERO:
            flat.append(t)
    if not flat:
        return ZERO
    if len(flat) == 1:
        return flat[0]
    return Prod(tuple(sorted(flat, key=_sort_key)))


# --------------------------------------------------------------------------------------------
# world-set helpers (local variable groups: a sorted tuple of global indices + a mask over them)


def full_mask(k: int) -> int:
    """Mask of all ``2**k`` worlds over ``k`` variables."""
    return (1 << (1 << k)) - 1


def cofactor(mask: int, k: int, j: int, value: int) -> int:
    """The set restricted to ``v_j = value``, as a mask over the other ``k - 1`` variables."""
    out = 0
    low = (1 << j) - 1
    for w in range(1 << (k - 1)):
        world = (w & low) | (value << j) | ((w >> j) << (j + 1))
        if (mask >> world) & 1:
            out |= 1 << w
    return out


def project(mask: int, k: int, idxs: tuple[int, ...]) -> int:
    """Existential projection of the set onto local variables *idxs* (a mask over them)."""
    out = 0
    for world in range(1 << k):
        if (mask >> world) & 1:
            pw = 0
            for t, i in enumerate(idxs):
                pw |= ((world >> i) & 1) << t
            out |= 1 << pw
    return out


def depends_on(mask: int, k: int, j: int) -> bool:
    """Whether membership in the set depends on local variable *j*."""
    return cofactor(mask, k, j, 1) != cofactor(mask, k, j, 0)


def reduce_support(vars_: tuple[int, ...], mask: int) -> tuple[tuple[int, ...], int]:
    """Drop the variables the set does not depend on (their weights sum to 1)."""
    k = len(vars_)
    for j in reversed(range(k)):
        c1 = cofactor(mask, k, j, 1)
        if c1 == cofactor(mask, k, j, 0):
            return reduce_support(vars_[:j] + vars_[j + 1 :], c1)
    return vars_, mask


def factorize(vars_: tuple[int, ...], mask: int) -> list[tuple[tuple[int, ...], int]]:
    """Split a non-empty set into independent factors over disjoint variable groups.

    Returns ``[(group_vars, group_mask), ...]`` with ``set = Π group sets`` (Cartesian product);
    each group is as small as possible (the finest such decomposition).
    """
    vars_, mask = reduce_support(vars_, mask)
    k = len(vars_)
    if mask == 0 or k == 0:
        return []
    rest = tuple(range(k))
    cur_mask = mask  # over `rest`
    out: list[tuple[tuple[int, ...], int]] = []
    while rest:
        kk = len(rest)
        n_cur = bin(cur_mask).count("1")
        found: tuple[int, ...] = tuple(range(kk))
        for size in range(0, kk - 1):
            hit = False
            for combo in combinations(range(1, kk), size):
                a = (0, *combo)
                b = tuple(i for i in range(kk) if i not in a)
                pa, pb = project(cur_mask, kk, a), project(cur_mask, kk, b)
                if bin(pa).count("1") * bin(pb).count("1") == n_cur:
                    found, hit = a, True
                    break
            if hit:
                break
        out.append((tuple(vars_[rest[i]] for i in found), project(cur_mask, kk, found)))
        b = tuple(i for i in range(kk) if i not in found)
        if not b:
            break
        cur_mask = project(cur_mask, kk, b)
        rest = tuple(rest[i] for i in b)
    return out


# --------------------------------------------------------------------------------------------
# the simplifier


@lru_cache(maxsize=65536)
def compile_set(vars_: tuple[int, ...], mask: int, allow_complement: bool = True) -> Expr:
    """Compact log-space expression for ``log WMC`` of the set *mask* over the variables *vars_*.

    ``vars_`` are global variable indices (ascending); local world bit ``j`` is ``vars_[j]``.
    ``allow_complement=False`` is used when compiling a complement (no complement of a complement).
    """
    k = len(vars_)
    if mask == 0:
        return NEG_INF
    if mask == full_mask(k):
        return ZERO
    vars_, mask = reduce_support(vars_, mask)
    k = len(vars_)
    if k == 1:
        return Lit(vars_[0], mask == 0b10)
    facs = factorize(vars_, mask)
    if len(facs) > 1:
        return prod(*(compile_set(v, m) for v, m in facs))
    candidates: list[Expr] = []
    # Greedy for wide groups (keeps compile time bounded), exhaustive for the usual n <= 6.
    order = range(k) if k <= 6 else range(min(k, 2))
    for j in order:
        sub = vars_[:j] + vars_[j + 1 :]
        hi = prod(Lit(vars_[j], True), compile_set(sub, cofactor(mask, k, j, 1)))
        lo = prod(Lit(vars_[j], False), compile_set(sub, cofactor(mask, k, j, 0)))
        candidates.append(LSE(hi, lo))
    comp = compile_set(vars_, full_mask(k) & ~mask, False) if allow_complement else None
    if comp is not None and is_product_of_literals(comp):
        candidates.append(Compl(comp))
    return min(candidates, key=lambda e: (cost(e), repr(e)))


def factor_keys(mask: int, n: int) -> list[tuple[tuple[int, ...], int]]:
    """The independent factors of a non-empty set over ``n`` variables (see :func:`factorize`)."""
    return factorize(tuple(range(n)), mask)


def compile_ratio(top: int, bottom: int, n: int) -> tuple[Expr, Expr]:
    """Expressions for ``log WMC(✓)`` and ``log WMC(✗)`` with common factors cancelled.

    ``ρ = value(top_expr) - value(bottom_expr)`` exactly. Degenerate sides (empty sets) give
    ``NEG_INF``; equal sets give ``(ZERO, ZERO)``.
    """
    if top == bottom:
        return ZERO, ZERO
    if top == 0 or bottom == 0:
        return compile_full(top, n), compile_full(bottom, n)
    ft, fb = factor_keys(top, n), factor_keys(bottom, n)
    common = [f for f in ft if f in fb]
    ft = [f for f in ft if f not in common]
    fb = [f for f in fb if f not in common]
    return prod(*(compile_set(v, m) for v, m in ft)), prod(*(compile_set(v, m) for v, m in fb))


def compile_full(mask: int, n: int) -> Expr:
    """Expression for the full ``log WMC`` of a set over ``n`` variables (no cancellation)."""
    return compile_set(tuple(range(n)), mask)


# --------------------------------------------------------------------------------------------
# code generation


class _Emitter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[Expr, str] = {}
        self.count = 0

    def emit(self, e: Expr) -> str:
        if e in self.names:
            return self.names[e]
        if isinstance(e, Const):
            return "0.0" if e.value == 0 else "-math.inf"
        if isinstance(e, Lit):
            if e.positive:
                return f"x{e.var}"
            name = f"c{e.var}"
            self.lines.append(f"{name} = log1mexp(x{e.var})  # log(1 - p{e.var})")
        elif isinstance(e, Prod):
            parts = [self.emit(t) for t in e.terms]
            name = self._fresh()
            self.lines.append(f"{name} = {' + '.join(parts)}")
        elif isinstance(e, LSE):
            left, right = self.emit(e.left), self.emit(e.right)
            name = self._fresh()
            self.lines.append(f"{name} = torch.logaddexp({left}, {right})")
        else:
            inner = self.emit(e.inner)
            name = self._fresh()
            self.lines.append(f"{name} = log1mexp({inner})  # 1 - WMC of the complement")
        self.names[e] = name
        return name

    def _fresh(self) -> str:
        self.count += 1
        return f"t{self.count}"


def generate_source(
    top: Expr, bottom: Expr, n: int, fn_name: str, comments: list[str] | None = None
) -> str:
    """Python source of ``fn_name(x0, …, x{n-1}) -> (log_top, log_bottom)`` for two expressions."""
    em = _Emitter()
    t, b = em.emit(top), em.emit(bottom)
    args = ", ".join(f"x{i}" for i in range(n))
    head = [f"def {fn_name}({args}):"]
    head += [f"    # {c}" for c in comments or []]
    body = [f"    {line}" for line in em.lines]
    return "\n".join([*head, *body, f"    return {t}, {b}", ""])
