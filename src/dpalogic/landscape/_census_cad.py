"""Exact emptiness of ``{p_1 < 0 ∧ … ∧ p_k < 0}`` in the open unit square (a small 2-D CAD).

The last resort of the census engine (:mod:`dpalogic.landscape._census_engine`): the few
polynomials whose zero set touches the cube's boundary in a way that stalls Bernstein subdivision
are decided here, exactly, by cylindrical algebraic decomposition in two variables ``(u, v)``.

The set ``S = {p_1 < 0, …, p_k < 0} ∩ (0, 1)²`` is open. Factor every ``p_i`` into irreducible
factors over ℚ; the sign of ``p_i`` is a product of factor signs. Over an open ``u``-interval that
contains no root of the *projection* polynomials — each factor's leading coefficient in ``v``, its
discriminant in ``v``, its values at ``v = 0`` and ``v = 1``, the pairwise resultants in ``v``, and
the factors free of ``v`` — the real ``v``-roots of the factors in ``[0, 1]`` neither appear,
vanish, meet nor cross ``v = 0, 1``, so every sign condition is the same for all ``u`` of the
interval. ``S`` is open, so if it is not empty it meets such an interval; one rational sample
``u*`` per interval (between isolating intervals of the projection's real roots) and, on the line
``u = u*``, one rational sample ``v*`` between consecutive roots of the ``p_i(u*, ·)`` decide it.
Every sign is computed exactly (sympy rationals); a sample with all ``p_i < 0`` is a witness.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations, pairwise

import numpy as np
import sympy

U, V = sympy.symbols("u v")


def scaled_to_poly(c: np.ndarray) -> sympy.Poly:
    """A 2-D scaled-Bernstein coefficient array as a sympy polynomial in ``(u, v)``."""
    du, dv = c.shape[0] - 1, c.shape[1] - 1
    expr = sympy.Integer(0)
    for i in range(du + 1):
        for j in range(dv + 1):
            if c[i, j]:
                expr += int(c[i, j]) * U**i * (1 - U) ** (du - i) * V**j * (1 - V) ** (dv - j)
    return sympy.Poly(sympy.expand(expr), U, V)


def _inside_before(p: sympy.Poly, lo: sympy.Rational, hi: sympy.Rational,
                   toward_lo: bool) -> sympy.Rational:
    """A non-root of ``p`` strictly between the end ``lo`` (``toward_lo``) or ``hi`` and the
    single root of ``p`` in the isolating interval ``(lo, hi)`` (neither end a root)."""
    a, b = lo, hi
    end = lo if toward_lo else hi
    se = sympy.sign(p.eval(end))
    for _ in range(200):
        m = (a + b) / 2
        sm = sympy.sign(p.eval(m))
        if sm == 0:
            break
        if toward_lo:
            if sm == se:
                return m  # the root lies in (m, b): m is between lo and the root
            b = m
        else:
            if sm == se:
                return m
            a = m
    raise ArithmeticError("bisection failed")


def _sample_points(roots_poly: sympy.Poly) -> list[sympy.Rational]:
    """Rational non-roots of ``roots_poly`` in (0, 1), at least one in every open interval of
    (0, 1) between consecutive real roots (and the ends 0, 1)."""
    zero, one = sympy.Rational(0), sympy.Rational(1)
    if roots_poly.degree() <= 0:
        return [sympy.Rational(1, 2)]
    ivs = sorted((sympy.Rational(a), sympy.Rational(b))
                 for (a, b), _ in roots_poly.intervals(eps=sympy.Rational(1, 1 << 10),
                                                       inf=0, sup=1))
    out: list[sympy.Rational] = []
    # the region between 0 and the first root, and between the last root and 1
    if not ivs:
        return [sympy.Rational(1, 2)]
    a0, b0 = ivs[0]
    if a0 == 0 and b0 > 0 and roots_poly.eval(zero) != 0:
        out.append(_inside_before(roots_poly, a0, b0, True))
    elif a0 > 0:
        out.append(a0 / 2)
    ak, bk = ivs[-1]
    if bk == 1 and ak < 1 and roots_poly.eval(one) != 0:
        out.append(_inside_before(roots_poly, ak, bk, False))
    elif bk < 1:
        out.append((bk + 1) / 2)
    for (_, b), (a, _) in pairwise(ivs):
        out.append((a + b) / 2)
    for x in out:
        if not 0 < x < 1 or roots_poly.eval(x) == 0:
            raise ArithmeticError("sample point is a root")
    return out


def _factors(p: sympy.Poly) -> tuple[int, list[tuple[sympy.Poly, int]]]:
    coeff, facs = p.factor_list()
    return int(sympy.sign(coeff)), [(f, m) for f, m in facs if not f.is_ground]


def negative_region_empty(polys: list[sympy.Poly]) -> tuple[bool, tuple[Fraction, Fraction] | None]:
    """Whether ``{p < 0 for all p in polys} ∩ (0, 1)²`` is empty; else a rational witness.

    Returns ``(True, None)`` when empty, ``(False, (u, v))`` with every ``p(u, v) < 0`` otherwise.
    Raises ``ArithmeticError`` in the (unexpected) case that no root-free sample could be chosen.
    """
    if any(p.is_zero for p in polys):
        return True, None  # p ≡ 0 is never < 0
    facs: list[sympy.Poly] = []
    for p in polys:
        _, fl = _factors(p)
        for f, _m in fl:
            if not any(f == g or f == -g for g in facs):
                facs.append(f)
    vfac = [f for f in facs if f.degree(V) > 0]
    proj: list[sympy.Poly] = []
    for f in facs:
        if f.degree(V) == 0:
            proj.append(sympy.Poly(f.as_expr(), U))
            continue
        fv = sympy.Poly(f.as_expr(), V)
        proj.append(sympy.Poly(fv.LC(), U))
        if f.degree(V) >= 2:
            proj.append(sympy.Poly(sympy.discriminant(f.as_expr(), V), U))
        proj.append(sympy.Poly(f.as_expr().subs(V, 0), U))
        proj.append(sympy.Poly(f.as_expr().subs(V, 1), U))
    for f, g in combinations(vfac, 2):
        proj.append(sympy.Poly(sympy.resultant(f.as_expr(), g.as_expr(), V), U))
    prod = sympy.Poly(1, U)
    for q in proj:
        if not q.is_zero and q.degree() > 0:
            prod = prod * sympy.Poly(sympy.sqf_part(q.as_expr()), U)
    prod = sympy.Poly(sympy.sqf_part(prod.as_expr()), U) if prod.degree() > 0 else prod
    us = _sample_points(prod)
    for u in us:
        line = [sympy.Poly(p.as_expr().subs(U, u), V) for p in polys]
        if any(q.is_zero for q in line):
            continue
        lprod = sympy.Poly(1, V)
        for q in line:
            if q.degree() > 0:
                lprod = lprod * q
        vs = _sample_points(lprod)
        for v in vs:
            if all(q.eval(v) < 0 for q in line):
                return False, (Fraction(int(u.p), int(u.q)), Fraction(int(v.p), int(v.q)))
    return True, None


def _slice_value(c: np.ndarray, u: Fraction, v: Fraction) -> Fraction:
    """Exact value of a (3, 3) scaled-Bernstein polynomial in ``(u, v)`` at a rational point."""
    total = Fraction(0)
    for i, j in np.ndindex(3, 3):
        if c[i, j]:
            total += int(c[i, j]) * u**i * (1 - u) ** (2 - i) * v**j * (1 - v) ** (2 - j)
    return total


def _lift(f: np.ndarray, u: Fraction, v: Fraction) -> tuple[Fraction, Fraction, Fraction]:
    """A point ``(q, u, v)`` of the open cube with ``f < 0`` above a 2-D witness, verified
    exactly; ``ArithmeticError`` if none is found (it always is when the witness is right)."""
    # Above (u, v), f is the quadratic c (1−q)² + b q(1−q) + a q² in q.
    c, b, a = (_slice_value(f[k], u, v) for k in (0, 1, 2))

    def value(q: Fraction) -> Fraction:
        return c * (1 - q) ** 2 + b * q * (1 - q) + a * q**2

    candidates: list[Fraction] = []
    if a > 0:
        x = -b / (2 * a)  # minimiser of a x² + b x + c in x = q / (1 − q), when positive
        if x > 0:
            candidates.append(x / (1 + x))
    candidates += [1 - Fraction(1, 2**k) for k in range(1, 60)]
    candidates += [Fraction(1, 2**k) for k in range(1, 60)]
    for q in candidates:
        if 0 < q < 1 and value(q) < 0:
            return q, u, v
    raise ArithmeticError("witness did not verify")


def nonnegative_quadratic_form(f: np.ndarray) -> tuple[bool, tuple[Fraction, ...] | None]:
    """Exact decision of ``f ≥ 0`` on the unit cube for a (3, 3, 3) scaled-Bernstein array.

    ``f = a q² + b q(1−q) + c (1−q)²`` with ``a = f[2], b = f[1], c = f[0]`` (polynomials in
    ``u, v``) is ≥ 0 on the cube iff ``{a < 0}``, ``{c < 0}`` and ``{b < 0, 4ac − b² < 0}`` are
    empty in the open square (closure by continuity). Returns ``(True, None)`` or
    ``(False, (q, u, v))``: a point of the open cube where ``f < 0``, verified exactly.
    """
    f = np.asarray(f, dtype=np.int64)
    a, b, c = (scaled_to_poly(f[k]) for k in (2, 1, 0))
    for side in (a, c):
        empty, wit = negative_region_empty([side])
        if not empty:
            assert wit is not None
            return False, _lift(f, *wit)
    d = 4 * a * c - b * b
    empty, wit = negative_region_empty([b, d])
    if empty:
        return True, None
    assert wit is not None
    return False, _lift(f, *wit)
