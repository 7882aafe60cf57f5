"""Exact tensor-product polynomials on the unit box, in the *scaled Bernstein* basis.

A polynomial of degree ``d = (d_1, …, d_k)`` is stored as an integer (or
:class:`~fractions.Fraction`) numpy object array ``c`` of shape ``(d_1 + 1, …, d_k + 1)`` meaning

    f(x) = Σ_a c[a] · Π_j x_j^{a_j} (1 − x_j)^{d_j − a_j}.

The ordinary Bernstein coefficients are ``b[a] = c[a] / Π_j binom(d_j, a_j)`` — the same signs, so
"all ``c ≥ 0``" is the classic Bernstein certificate of ``f ≥ 0`` on ``[0, 1]^k``. In this basis
the weighted model count of a world set has *integer* coefficients (the number of worlds with a
given count of true atoms per weight), products are plain convolutions and derivatives are integer
stencils, so every certificate below is exact integer arithmetic. Only subdivision (de Casteljau)
and witness evaluation use fractions.

Private helper of :mod:`dpalogic.landscape.properties`.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from math import comb

import numpy as np

Point = tuple[Fraction, ...]


def zeros(shape: tuple[int, ...]) -> np.ndarray:
    """An all-zero exact coefficient array."""
    out = np.empty(shape, dtype=object)
    out.fill(0)
    return out


def multiply(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Product of two scaled-Bernstein polynomials (a convolution of their coefficient arrays)."""
    shape = tuple(a + b - 1 for a, b in zip(x.shape, y.shape, strict=True))
    out = zeros(shape)
    for idx in zip(*np.nonzero(x != 0), strict=True):
        sl = tuple(slice(i, i + n) for i, n in zip(idx, y.shape, strict=True))
        out[sl] = out[sl] + x[idx] * y
    return out


def derivative(c: np.ndarray, axis: int) -> np.ndarray:
    """∂f/∂x_axis in the scaled basis of one degree less along ``axis``.

    d/dx [x^a (1−x)^{d−a}] = a·x^{a−1}(1−x)^{d−a} − (d−a)·x^a(1−x)^{d−a−1}.
    """
    d = c.shape[axis] - 1
    if d == 0:
        shape = list(c.shape)
        return zeros(tuple(shape))  # constant along axis: derivative 0 (kept at degree 0)
    shape = list(c.shape)
    shape[axis] = d
    out = zeros(tuple(shape))
    for a in range(d + 1):
        src = np.take(c, a, axis=axis)
        if a > 0:
            idx = [slice(None)] * c.ndim
            idx[axis] = a - 1
            out[tuple(idx)] = out[tuple(idx)] + a * src
        if a < d:
            idx = [slice(None)] * c.ndim
            idx[axis] = a
            out[tuple(idx)] = out[tuple(idx)] - (d - a) * src
    return out


def evaluate(c: np.ndarray, point: Point) -> Fraction:
    """Exact value of the polynomial at ``point`` (a tuple of fractions, one per axis)."""
    total = Fraction(0)
    degs = [n - 1 for n in c.shape]
    for idx in zip(*np.nonzero(c != 0), strict=True):
        term = Fraction(c[idx])
        for a, d, x in zip(idx, degs, point, strict=True):
            term *= x**a * (1 - x) ** (d - a)
        total += term
    return total


def to_bernstein(c: np.ndarray) -> np.ndarray:
    """Ordinary Bernstein coefficients (fractions) of a scaled-basis polynomial."""
    out = zeros(c.shape)
    degs = [n - 1 for n in c.shape]
    for idx in itertools.product(*(range(n) for n in c.shape)):
        den = 1
        for a, d in zip(idx, degs, strict=True):
            den *= comb(d, a)
        out[idx] = Fraction(c[idx], den) if not isinstance(c[idx], Fraction) else c[idx] / den
    return out


def _split(b: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """de Casteljau at 1/2 along ``axis``: Bernstein coefficients of the two halves."""
    d = b.shape[axis] - 1
    rows = [np.take(b, i, axis=axis) for i in range(d + 1)]
    left, right = [rows[0]], [rows[-1]]
    cur = rows
    for _ in range(d):
        cur = [(cur[i] + cur[i + 1]) * Fraction(1, 2) for i in range(len(cur) - 1)]
        left.append(cur[0])
        right.append(cur[-1])
    right.reverse()
    return np.stack(left, axis=axis), np.stack(right, axis=axis)


def corner_indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Indices of the coefficients that equal the polynomial's values at the box corners."""
    return list(itertools.product(*((0, n - 1) if n > 1 else (0,) for n in shape)))


@dataclass(frozen=True)
class Decision:
    """Outcome of deciding ``f ≥ 0`` on the open unit box.

    ``status`` is ``"certified"`` (f ≥ 0 everywhere), ``"refuted"`` (``witness`` is a point of
    the open box with ``f(witness) = value < 0``, checked exactly) or ``"undecided"``.
    ``method`` says how: ``"identically zero"``, ``"bernstein"`` (all coefficients ≥ 0),
    ``"corner"`` (a negative corner value, witness moved inside), ``"subdivision"``.
    ``boxes`` counts the boxes visited by subdivision (0 when not needed).
    """

    status: str
    method: str
    witness: Point | None = None
    value: Fraction | None = None
    boxes: int = 0


def _interior_witness(c: np.ndarray, corner: Point) -> tuple[Point, Fraction] | None:
    """A point of the open box near ``corner`` (a point of the closed box with f < 0)."""
    eps = Fraction(1, 2)
    for _ in range(200):
        pt = tuple(
            min(max(x, eps), 1 - eps) if n > 1 else Fraction(1, 2)
            for x, n in zip(corner, c.shape, strict=True)
        )
        val = evaluate(c, pt)
        if val < 0:
            return pt, val
        eps /= 2
    return None  # pragma: no cover - continuity guarantees success long before


def drop_constant_axes(c: np.ndarray) -> np.ndarray:
    """Lower to degree 0 every degree-1 axis along which the polynomial is constant."""
    for ax in range(c.ndim):
        if c.shape[ax] == 2:
            a, b = np.take(c, 0, axis=ax), np.take(c, 1, axis=ax)
            if all(x == y for x, y in zip(a.flat, b.flat, strict=True)):
                c = np.expand_dims(a, ax)
    return c


def divide_boundary_factors(c: np.ndarray) -> np.ndarray:
    """Divide out every factor ``x_j`` or ``1 − x_j`` (positive on the open box; signs unchanged).

    In the scaled basis f = x·g exactly when every coefficient with ``a_j = 0`` vanishes, and then
    ``g[a] = f[a + e_j]``; likewise f = (1 − x)·g when every coefficient with ``a_j = d_j``
    vanishes.
    Removing them takes zeros off the faces of the box, where subdivision would otherwise stall.
    """
    changed = True
    while changed:
        changed = False
        for ax in range(c.ndim):
            n = c.shape[ax]
            if n < 2:
                continue
            lo = np.take(c, 0, axis=ax)
            hi = np.take(c, n - 1, axis=ax)
            if all(v == 0 for v in lo.flat) and any(v != 0 for v in c.flat):
                c = np.take(c, range(1, n), axis=ax)
                changed = True
            elif all(v == 0 for v in hi.flat) and any(v != 0 for v in c.flat):
                c = np.take(c, range(n - 1), axis=ax)
                changed = True
    return c


def decide_nonnegative(c: np.ndarray, max_boxes: int = 512) -> Decision:
    """Decide exactly whether the scaled-Bernstein polynomial ``c`` is ≥ 0 on the open box.

    1. all coefficients ≥ 0 → certified (the Bernstein certificate; integer test);
    2. a negative coefficient at a corner → the corner value is negative; by continuity a point
       of the open box near it is negative too — found and evaluated exactly;
    3. otherwise Bernstein subdivision with exact rationals: a sub-box with all coefficients ≥ 0
       is settled, a sub-box corner with a negative value gives a witness, else split (cycling
       through the axes) until ``max_boxes`` boxes were visited → undecided.
    """
    flat = [v for v in c.flat]
    if all(v == 0 for v in flat):
        return Decision("certified", "identically zero")
    if all(v >= 0 for v in flat):
        return Decision("certified", "bernstein")
    reduced = divide_boundary_factors(c)
    if reduced.shape != c.shape:
        dec = decide_nonnegative(reduced, max_boxes)
        if dec.status == "refuted":  # same sign, but report the original polynomial's value
            assert dec.witness is not None
            dec = Decision("refuted", dec.method, dec.witness, evaluate(c, dec.witness), dec.boxes)
        method = dec.method if dec.method.startswith("face") else f"face factors + {dec.method}"
        return Decision(dec.status, method, dec.witness, dec.value, dec.boxes)
    for idx in corner_indices(c.shape):
        if c[idx] < 0:
            corner = tuple(
                Fraction(1) if (i > 0) else Fraction(0) for i in idx
            )
            found = _interior_witness(c, corner)
            if found is not None:
                return Decision("refuted", "corner", found[0], found[1])
    # subdivision on boxes [lo, lo + width]^k with exact Bernstein coefficients
    k = c.ndim
    queue: deque[tuple[np.ndarray, Point, Fraction, int]] = deque(
        [(to_bernstein(c), tuple(Fraction(0) for _ in range(k)), Fraction(1), 0)]
    )
    boxes = 0
    axes = [ax for ax in range(k) if c.shape[ax] > 1]
    while queue:  # breadth first: shallow witnesses are found before deep dead ends
        b, lo, width, depth = queue.popleft()
        boxes += 1
        if all(v >= 0 for v in b.flat):
            continue
        for idx in corner_indices(b.shape):
            if b[idx] < 0:
                corner = tuple(
                    lo[j] + (width if idx[j] > 0 else 0) for j in range(k)
                )
                inside = all(0 < x < 1 for j, x in enumerate(corner) if c.shape[j] > 1)
                if inside:
                    pt = tuple(x if c.shape[j] > 1 else Fraction(1, 2)
                               for j, x in enumerate(corner))
                    val = evaluate(c, pt)
                    if val < 0:
                        return Decision("refuted", "subdivision", pt, val, boxes)
                found = _interior_witness(c, corner)
                if found is not None:
                    return Decision("refuted", "subdivision", found[0], found[1], boxes)
        if boxes >= max_boxes or not axes:
            return Decision("undecided", "subdivision", boxes=boxes)
        # split all free axes once (one level of the tensor grid)
        parts: list[tuple[np.ndarray, Point]] = [(b, lo)]
        half = width / 2
        for ax in axes:
            nxt = []
            for bb, ll in parts:
                left, right = _split(bb, ax)
                nxt.append((left, ll))
                nxt.append((right, tuple(x + half if j == ax else x for j, x in enumerate(ll))))
            parts = nxt
        for bb, ll in parts:
            queue.append((bb, ll, half, depth + 1))
    return Decision("certified", "subdivision", boxes=boxes)
