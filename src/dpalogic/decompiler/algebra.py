"""The algebra of decompilation: log-linear ρ → integer powers of factors → world sets.

SEMANTICS §5: a multilinear polynomial in the weights is the WMC of a world set iff its value at
every Boolean corner is 0 or 1; the set is the corners where it is 1. Repeated factors become
copies (``M2``, ``Ref2``, …) so that each side is multilinear.
"""

from __future__ import annotations

import re
from collections import defaultdict
from fractions import Fraction
from math import gcd, lcm

import sympy

from dpalogic.errors import DecompileError
from dpalogic.logic import Atom, standard_order, vocabulary, world_name

from .symbols import LENGTH_OF, LENGTHS, atom_of, prob, prob_symbols

LogTerms = dict[sympy.Expr, sympy.Expr]


def expand_logs(z: sympy.Expr) -> sympy.Expr:
    """Split logs of products/quotients/powers into sums and distribute coefficients."""
    return sympy.expand(sympy.expand_log(z, force=True), log=False)


def length_normalise(z: sympy.Expr) -> tuple[sympy.Expr, bool]:
    """Undo length normalisation: if the weight-dependent part of *z* divides log-probabilities by
    ``len_w``/``len_l``, substitute ``p ↦ p^len`` (so ``log p / len ↦ log p``) and return
    ``(z', True)``. Raises when lengths remain afterwards (normalisation not uniform)."""
    z = expand_logs(z)
    dep = [s for s in sympy.Add.make_args(z) if prob_symbols(s)]
    if not any(s.free_symbols & set(LENGTHS) for s in dep):
        return z, False
    subs = {}
    for p in prob_symbols(z):
        a = atom_of(p)
        assert a is not None
        subs[p] = p ** LENGTH_OF[a.out]
    z2 = expand_logs(sympy.powsimp(z.xreplace(subs), force=True))
    bad = [s for s in sympy.Add.make_args(z2) if prob_symbols(s) and s.free_symbols & set(LENGTHS)]
    if bad:
        raise DecompileError(
            f"length normalisation is not uniform: after dividing every log-probability by its "
            f"length, {bad[0]} still depends on a length (a structure normalises all weights of "
            f"an output alike)"
        )
    return z2, True


def _culprit(part: sympy.Expr, syms: set[sympy.Symbol]) -> sympy.Expr:
    for node in sympy.preorder_traversal(part):
        if (
            node.is_Pow
            and (node.base.free_symbols & syms)
            and not (node.exp.is_Integer and node.exp > 0)
        ):
            return node
        if isinstance(node, sympy.Function) and node.free_symbols & syms:
            return node
    return part


def decompose(z: sympy.Expr) -> tuple[LogTerms, sympy.Expr, list[tuple[sympy.Expr, sympy.Expr]]]:
    """Write *z* as ``Σ c_f log f + const + penalties``.

    Returns ``(logs, const, penalties)``: ``logs`` maps each irreducible polynomial factor ``f``
    (sign-normalised to be positive on the open cube) to its total coefficient; ``const`` is the
    part free of weights (it may depend on lengths and hyperparameters); ``penalties`` are
    ``(coefficient, Max/Min(...))`` pieces (DPOP's penalty) left for the caller.
    """
    z = expand_logs(z)
    logs: LogTerms = defaultdict(lambda: sympy.S.Zero)
    const = sympy.S.Zero
    penalties: list[tuple[sympy.Expr, sympy.Expr]] = []
    for s in sympy.Add.make_args(z):
        ps = prob_symbols(s)
        if not ps:
            const += s
            continue
        coeff, core = s.as_independent(*ps, as_Add=False)
        if isinstance(core, sympy.log):
            const += _add_log(logs, core.args[0], coeff)
        elif isinstance(core, sympy.Max | sympy.Min):
            penalties.append((coeff, core))
        else:
            raise DecompileError(
                f"{core} is not a logarithm of probabilities: inside a link ρ must be a sum of "
                f"logs of polynomials in the weights (non-multilinear or transcendental terms "
                f"cannot be turned into copies)"
            )
    return {f: c for f, c in logs.items() if c != 0}, const, penalties


def _add_log(logs: LogTerms, q: sympy.Expr, coeff: sympy.Expr) -> sympy.Expr:
    """Add ``coeff·log(q)`` to *logs* factor by factor; returns the constant ``coeff·log(c)``."""
    syms = prob_symbols(q)
    num, den = sympy.fraction(sympy.together(q))
    const = sympy.S.Zero
    for part, sign in ((num, 1), (den, -1)):
        if not part.free_symbols & syms:
            const += sign * coeff * sympy.log(part)
            continue
        if not part.is_polynomial(*syms):
            bad = _culprit(part, syms)
            raise DecompileError(
                f"{bad} is not multilinear in the weights: a preference structure's weighted model "
                f"count is a multilinear polynomial in p, r, 1-p, …, and {bad} cannot be turned "
                f"into "
                f"copies (only integer powers can)"
            )
        c, factors = sympy.factor_list(sympy.expand(part), *sorted(syms, key=str))
        center = {s: sympy.Rational(1, 2) for s in syms}
        fixed = []
        for f, k in factors:
            if f.subs(center) < 0:
                f, c = -f, c * (-1) ** k
            fixed.append((f, k))
        if c < 0:  # a factor that changes sign on the cube: keep the sign with the factor, so the
            # corner test names the world that gets a negative coefficient
            i = next((i for i, (_, k) in enumerate(fixed) if k % 2), None)
            if i is None:
                raise DecompileError(f"log of a negative quantity {part}")
            fixed[i], c = (-fixed[i][0], fixed[i][1]), -c
        for f, k in fixed:
            logs[f] += sign * coeff * k
        if c != 1:
            const += sign * coeff * sympy.log(c)
    return const


def _rational(x: sympy.Expr) -> Fraction | None:
    x = sympy.simplify(x)
    if x.free_symbols:
        return None
    if x.is_Rational:
        return Fraction(int(x.p), int(x.q))
    if x.is_Float or x.is_Number:
        f = Fraction(float(x)).limit_denominator(10_000)
        if abs(float(f) - float(x)) <= 1e-12 * max(1.0, abs(float(x))):
            return f
    return None


def integer_scale(
    coeffs: dict[sympy.Expr, sympy.Expr], what: str = "ρ"
) -> tuple[sympy.Expr, dict[sympy.Expr, int]]:
    """Factor the coefficients as ``β · n_f`` with integers ``n_f`` of gcd 1 and ``β`` positive.

    Raises when two coefficients are not in a rational ratio (e.g. ``β`` and ``β·λ``).
    """
    items = sorted(coeffs.items(), key=lambda kv: sympy.default_sort_key(kv[0]))
    ref_f, ref = items[0]
    ratios: dict[sympy.Expr, Fraction] = {}
    for f, c in items:
        r = _rational(c / ref)
        if r is None:
            raise DecompileError(
                f"the coefficients {ref} of log({ref_f}) and {c} of log({f}) in {what} are not in "
                f"an integer ratio: a structure needs integer powers of its factors (copies); "
                f"give the "
                f"hyperparameters numeric values"
            )
        ratios[f] = r
    den = lcm(*(r.denominator for r in ratios.values()))
    nums = {f: int(r * den) for f, r in ratios.items()}
    g = gcd(*nums.values())
    ints = {f: v // g for f, v in nums.items()}
    beta = sympy.nsimplify(ref * g / den) if ref.is_Rational else ref * sympy.Rational(g, den)
    beta = sympy.simplify(beta)
    from .core import _sign

    if _sign(beta) < 0:
        beta, ints = -beta, {f: -v for f, v in ints.items()}
    return beta, ints


def _next_copy(atom: Atom) -> Atom:
    m = re.fullmatch(r"(.*?)(\d*)", atom.pred)
    assert m is not None
    base, num = m.group(1), m.group(2)
    return Atom(f"{base}{int(num) + 1 if num else 2}", atom.out)


def side_polynomial(factors: list[tuple[sympy.Expr, int]], copies: list[str]) -> sympy.Expr:
    """The product of ``f^k`` with repeated variables renamed to copies (appends to *copies*)."""
    used: set[Atom] = set()
    out = sympy.S.One
    order = sorted(factors, key=lambda fk: (len(fk[0].free_symbols), sympy.default_sort_key(fk[0])))
    for f, k in order:
        for _ in range(k):
            ren = {}
            for s in sorted(prob_symbols(f), key=str):
                a = atom_of(s)
                assert a is not None
                b = a
                while b in used:
                    b = _next_copy(b)
                used.add(b)
                if b != a:
                    ren[s] = prob(b)
                    copies.append(f"{b} (copy of {a})")
            out = out * f.xreplace(ren)
    return sympy.expand(out)


def _assignment(w: int, variables: tuple[Atom, ...]) -> str:
    return ", ".join(f"{a}={(w >> i) & 1}" for i, a in enumerate(variables))


def world_mask(poly: sympy.Expr, variables: tuple[Atom, ...], side: str, shown: str) -> int:
    """The world set whose WMC is *poly*, or a :class:`DecompileError` naming the bad world."""
    syms = sorted(prob_symbols(poly), key=str)
    own = standard_order(atom_of(s) for s in syms)  # type: ignore[misc]
    sym_of = {atom_of(s): s for s in syms}
    if syms:
        P = sympy.Poly(poly, *syms)
        for s in syms:
            if P.degree(s) > 1:
                raise DecompileError(
                    f"the {side} {shown} is not multilinear in {s} (degree {P.degree(s)}): "
                    f"a non-multilinear term cannot be turned into copies here"
                )
        terms = [(tuple(mon), coef) for mon, coef in P.terms()]
    else:
        terms = [((), poly)]
    # value at each corner of the polynomial's own variables
    values: dict[int, sympy.Expr] = {}
    for w in range(1 << len(own)):
        point = {sym_of[a]: (w >> i) & 1 for i, a in enumerate(own)}
        v = sympy.S.Zero
        for mon, coef in terms:
            if all(point[syms[j]] for j, e in enumerate(mon) if e):
                v += coef
        if v not in (0, 1):
            name = world_name(w, len(own))
            assign = _assignment(w, own)
            if v == 2 or (v.is_Integer and v > 1):
                why = f"is counted {'twice' if v == 2 else f'{v} times'}"
            else:
                why = f"gets coefficient {v}"
            raise DecompileError(
                f"world {name} ({assign}) {why} in the {side} {shown}: a preference structure "
                f"counts "
                f"each world 0 or 1 times, so no structure expresses this loss"
            )
        values[w] = v
    mask = 0
    index = {a: variables.index(a) for a in own}
    for world in range(1 << len(variables)):
        w = sum(((world >> index[a]) & 1) << i for i, a in enumerate(own))
        if values[w] == 1:
            mask |= 1 << world
    return mask


def variables_for(*polys: sympy.Expr) -> tuple[Atom, ...]:
    """``M(x,yw), M(x,yl)`` plus both outputs of every predicate the polynomials mention."""
    atoms = [atom_of(s) for p in polys for s in prob_symbols(p)]
    return vocabulary([a for a in atoms if a is not None])
