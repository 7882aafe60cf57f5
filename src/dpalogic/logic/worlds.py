"""Worlds (truth assignments) and world sets, represented as bit masks.

Conventions (docs/ARCHITECTURE.md): over variables ``v_0 … v_{n-1}`` a *world* is an int ``w`` in
``[0, 2^n)`` with ``v_i`` true iff ``(w >> i) & 1``; a *world set* is an int of ``2^n`` bits with
world ``w`` in the set iff ``(mask >> w) & 1``. Boolean connectives become bitwise operations on
these masks, so evaluating a formula on all worlds at once costs a handful of integer operations.

Example:
    >>> from dpalogic.logic import parse, world_set, NO_REF, world_names
    >>> world_names(world_set(parse("M(x,yw)"), NO_REF), NO_REF)
    ['TT', 'TF']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from dpalogic.errors import UnknownVariableError
from dpalogic.logic.formula import (
    BOT,
    TOP,
    And,
    Atom,
    Const,
    Formula,
    Iff,
    Implies,
    Not,
    Or,
    Xor,
)

Variables = tuple[Atom, ...]

NO_REF: Variables = (Atom("M", "yw"), Atom("M", "yl"))
WITH_REF: Variables = (Atom("M", "yw"), Atom("M", "yl"), Atom("Ref", "yw"), Atom("Ref", "yl"))

_COPY_RE = re.compile(r"^(M|Ref)(\d+)$")


def _pred_key(pred: str) -> tuple[int, int, str]:
    if pred == "M":
        return (0, 0, "")
    if pred == "Ref":
        return (1, 0, "")
    m = _COPY_RE.match(pred)
    if m:
        return (2 if m.group(1) == "M" else 3, int(m.group(2)), "")
    return (4, 0, pred)


def standard_order(atoms: Iterable[Atom]) -> Variables:
    """Sort atoms: ``M``, ``Ref``, copies ``M2…``, ``Ref2…``, then other predicates alphabetically;
    within a predicate ``yw`` before ``yl``."""
    return tuple(sorted(set(atoms), key=lambda a: (_pred_key(a.pred), a.out != "yw")))


def vocabulary(atoms: Iterable[Atom], *, base: Sequence[Atom] = NO_REF) -> Variables:
    """The variables for a set of atoms: *base* plus both outputs of every predicate mentioned."""
    preds = {a.pred for a in atoms} | {a.pred for a in base}
    return standard_order(Atom(p, o) for p in preds for o in ("yw", "yl"))


def full_mask(n: int) -> int:
    """The set of all ``2^n`` worlds over *n* variables."""
    return (1 << (1 << n)) - 1


@lru_cache(maxsize=64)
def variable_mask(i: int, n: int) -> int:
    """The set of worlds (over *n* variables) in which variable *i* is true."""
    return sum(1 << w for w in range(1 << n) if (w >> i) & 1)


def world_set(f: Formula, variables: Sequence[Atom]) -> int:
    """The set of worlds over *variables* that satisfy *f*, as a bit mask."""
    variables = tuple(variables)
    index = {a: i for i, a in enumerate(variables)}
    n = len(variables)
    full = full_mask(n)

    def go(g: Formula) -> int:
        if isinstance(g, Atom):
            if g not in index:
                known = ", ".join(map(str, variables))
                raise UnknownVariableError(f"unknown variable {g}; known variables: {known}")
            return variable_mask(index[g], n)
        if isinstance(g, Const):
            return full if g.value else 0
        vals = [go(c) for c in g.children]
        if isinstance(g, Not):
            return full ^ vals[0]
        if isinstance(g, And):
            out = full
            for v in vals:
                out &= v
            return out
        if isinstance(g, Or):
            out = 0
            for v in vals:
                out |= v
            return out
        if isinstance(g, Implies):
            return (full ^ vals[0]) | vals[1]
        if isinstance(g, Iff):
            return full ^ (vals[0] ^ vals[1])
        if isinstance(g, Xor):
            out = 0
            for v in vals:
                out ^= v
            return out
        raise TypeError(f"not a formula node: {g!r}")

    return go(f)


def worlds_of(mask: int) -> list[int]:
    """The worlds in a world set, ascending."""
    out = []
    w = 0
    while mask:
        if mask & 1:
            out.append(w)
        mask >>= 1
        w += 1
    return out


def world_bits(w: int, n: int) -> str:
    """A world as a bit string whose i-th character is the truth of variable i (``"10"`` = TF)."""
    return "".join("1" if (w >> i) & 1 else "0" for i in range(n))


def world_name(w: int, n: int) -> str:
    """A world as T/F letters in variable order (the paper's ``TF`` for M(x,yw)=T, M(x,yl)=F)."""
    return "".join("T" if (w >> i) & 1 else "F" for i in range(n))


def paper_order(worlds: Iterable[int], n: int) -> list[int]:
    """Worlds in the paper's reading order: TT, TF, FT, FF (first variable most significant,
    true before false)."""
    return sorted(worlds, key=lambda w: [1 - ((w >> i) & 1) for i in range(n)])


def world_names(mask: int, variables: Sequence[Atom]) -> list[str]:
    """Names (T/F letters) of the worlds in a set, in the paper's order (TT, TF, FT, FF)."""
    n = len(variables)
    return [world_name(w, n) for w in paper_order(worlds_of(mask), n)]


def parse_world(name: str, n: int) -> int:
    """Inverse of :func:`world_name` / :func:`world_bits`: ``"TF"`` or ``"10"`` → world int."""
    name = name.strip()
    if len(name) != n or any(c not in "TF10" for c in name):
        raise UnknownVariableError(f"world {name!r} is not {n} letters of T/F (or 1/0)")
    return sum(1 << i for i, c in enumerate(name) if c in "T1")


def mask_of_worlds(names: Iterable[str | int], variables: Sequence[Atom]) -> int:
    """A world set from world names (``"TF"``/``"10"``) or world ints."""
    n = len(variables)
    mask = 0
    for name in names:
        w = name if isinstance(name, int) else parse_world(name, n)
        if not 0 <= w < (1 << n):
            raise UnknownVariableError(f"world {w} out of range for {n} variables")
        mask |= 1 << w
    return mask


def lift_mask(mask: int, old: Sequence[Atom], new: Sequence[Atom]) -> int:
    """The same world set over a larger (or reordered) vocabulary; variables absent from *old*
    are free (both values allowed)."""
    old, new = tuple(old), tuple(new)
    if old == new:
        return mask
    missing = [a for a in old if a not in new]
    if missing:
        raise UnknownVariableError(f"cannot lift: {', '.join(map(str, missing))} not in target")
    pos = [new.index(a) for a in old]
    out = 0
    for w in range(1 << len(new)):
        w_old = sum(1 << j for j, p in enumerate(pos) if (w >> p) & 1)
        if (mask >> w_old) & 1:
            out |= 1 << w
    return out


def permute_mask(mask: int, variables: Sequence[Atom], mapping: dict[Atom, Atom]) -> int:
    """Rename variables by *mapping* (a permutation of *variables*) and return the new world set."""
    variables = tuple(variables)
    perm = [variables.index(mapping.get(a, a)) for a in variables]
    out = 0
    for w in worlds_of(mask):
        w2 = sum(1 << perm[i] for i in range(len(variables)) if (w >> i) & 1)
        out |= 1 << w2
    return out


def entails(a: Formula, b: Formula, variables: Sequence[Atom] | None = None) -> bool:
    """``a ⊨ b``: every world satisfying *a* satisfies *b*."""
    vs = tuple(variables) if variables else vocabulary(a.atoms() | b.atoms(), base=())
    return world_set(a, vs) & ~world_set(b, vs) == 0


def equivalent(a: Formula, b: Formula, variables: Sequence[Atom] | None = None) -> bool:
    """``a ≡ b``: the same world set."""
    vs = tuple(variables) if variables else vocabulary(a.atoms() | b.atoms(), base=())
    return world_set(a, vs) == world_set(b, vs)


def satisfiable(f: Formula, variables: Sequence[Atom] | None = None) -> bool:
    """Whether some world satisfies *f*."""
    vs = tuple(variables) if variables else vocabulary(f.atoms(), base=())
    return world_set(f, vs) != 0


# --------------------------------------------------------------------------------------------
# Short readable formulas for world sets
# --------------------------------------------------------------------------------------------


def formula_of(mask: int, variables: Sequence[Atom], *, implications: bool = True) -> Formula:
    """A short formula whose world set is *mask*.

    The smaller of sympy's minimal sum-of-products and product-of-sums forms (by atom count; SOP on
    ties). With *implications*, a disjunction with negated disjuncts is read as an implication,
    ``¬a ∨ ¬b ∨ c`` ↦ ``Implies(And(a, b), c)`` — the way the paper writes its programs.
    """
    return _formula_of(mask, tuple(variables), implications)


@lru_cache(maxsize=4096)
def _formula_of(mask: int, variables: Variables, implications: bool) -> Formula:
    import sympy
    from sympy.logic import POSform, SOPform

    n = len(variables)
    full = full_mask(n)
    if not 0 <= mask <= full:
        raise ValueError(f"mask {mask} out of range for {n} variables")
    if mask == 0:
        return BOT
    if mask == full:
        return TOP
    # Only the variables the set depends on take part in the minimisation.
    used = [i for i in range(n) if _depends_on(mask, i, n)]
    symbols = sympy.symbols(f"v0:{n}")
    minterms = sorted({tuple((w >> i) & 1 for i in used) for w in worlds_of(mask)})
    syms = [symbols[i] for i in used]
    sop = _from_sympy(SOPform(syms, [list(m) for m in minterms]), symbols, variables)
    pos = _from_sympy(POSform(syms, [list(m) for m in minterms]), symbols, variables)
    best = pos if pos.size() < sop.size() else sop
    parity = _parity_form(mask, used, variables)
    if parity is not None and parity.size() < best.size():
        return parity
    return _as_implication(best) if implications else best


def _parity_form(mask: int, used: list[int], variables: Variables) -> Formula | None:
    """``Xor(a, b, …)`` (or ``Iff(a, b)``) when the set is the parity of the variables it uses."""
    if len(used) < 2:
        return None
    n = len(variables)
    odd = 0
    for i in used:
        odd ^= variable_mask(i, n)
    atoms = [variables[i] for i in used]
    if mask == odd:
        return Xor(*atoms)
    if mask == full_mask(n) ^ odd and len(used) == 2:
        return Iff(*atoms)
    return None


def _depends_on(mask: int, i: int, n: int) -> bool:
    vm = variable_mask(i, n)
    hi = mask & vm
    lo = mask & ~vm
    return (hi >> (1 << i)) != lo


def _from_sympy(expr: object, symbols: Sequence[object], variables: Variables) -> Formula:
    import sympy

    index = {s: i for i, s in enumerate(symbols)}
    if expr is sympy.true:
        return TOP
    if expr is sympy.false:
        return BOT
    if isinstance(expr, sympy.Symbol):
        return variables[index[expr]]
    args = [_from_sympy(a, symbols, variables) for a in expr.args]  # type: ignore[attr-defined]
    if isinstance(expr, sympy.Not):
        return Not(args[0])
    key = lambda f: _sort_key(f, variables)  # noqa: E731
    if isinstance(expr, sympy.And):
        return And(*sorted(args, key=key))
    if isinstance(expr, sympy.Or):
        return Or(*sorted(args, key=key))
    raise TypeError(f"unexpected sympy node {expr!r}")


def _sort_key(f: Formula, variables: Variables) -> tuple[int, int, tuple[int, ...]]:
    """Order for printing: positive literals in variable order, then negations, then compounds."""
    if isinstance(f, Atom):
        return (0, variables.index(f), ())
    if isinstance(f, Not) and isinstance(f.arg, Atom):
        return (1, variables.index(f.arg), ())
    return (2, f.size(), tuple(variables.index(a) for a in sorted(f.atoms(), key=variables.index)))


def _as_implication(f: Formula) -> Formula:
    if not isinstance(f, Or):
        return f
    negs = [a.arg for a in f.args if isinstance(a, Not)]
    rest = [a for a in f.args if not isinstance(a, Not)]
    if not negs or not rest:
        return f
    antecedent = negs[0] if len(negs) == 1 else And(*negs)
    consequent = rest[0] if len(rest) == 1 else Or(*rest)
    return Implies(antecedent, consequent)
