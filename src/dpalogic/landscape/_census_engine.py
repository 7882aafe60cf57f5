"""The bulk engine behind :func:`dpalogic.landscape.census.census` for ``WITH_REF`` (n = 4).

Decomposition (docs/landscape.md has the full derivation). World ``w = Mw + 2·Ml + 4·Rw + 8·Rl``;
its *r-world* is ``j = w >> 2`` and its M-part ``m = w & 3``. A structure ``(✓, ✗)`` is four
*cells*, one per r-world: ``cell_j = (✓ nibble at j) | (✗ nibble at j) << 4`` (256 values).

Let ``t_ab(r)`` / ``b_ab(r)`` be WMC of the ✓ / ✗ slice with ``Mw = a, Ml = b`` (a polynomial in
``r_w, r_l``). Then (SEMANTICS.md §6, split on Mw with ``q = p_l``)

    N_w = A1·B0 − A0·B1 = q² (t11 b01 − t01 b11) + q(1−q)(t11 b00 + t10 b01 − t01 b10 − t00 b11)
                          + (1−q)² (t10 b00 − t00 b10)

and ``−N_l`` likewise (split on Ml, ``p = p_w``):

    −N_l = p² (t10 b11 − t11 b10) + p(1−p)(t10 b01 + t00 b11 − t11 b00 − t01 b10)
           + (1−p)² (t00 b01 − t01 b00).

Each product ``x(r)·y(r)`` of two WMCs of r-sets has *scaled Bernstein* coefficient at
``s ∈ {0,1,2}²`` equal to the number of pairs ``(u ∈ x, v ∈ y)`` with ``u + v = s``. So both
numerators are 3×3×3 integer arrays whose entry at r-position ``s`` is a sum over r-world pairs
``j + j' = s`` of a 6-vector ``g(cell_j, cell_j')`` (three q-groups for N_w, three for −N_l):

    s = (0,0),(2,0),(0,2),(2,2): g(c_j, c_j)             (one cell)
    s = (1,0): h(c0,c1), (0,1): h(c0,c2), (2,1): h(c1,c3), (1,2): h(c2,c3)   (two cells)
    s = (1,1): h(c0,c3) + h(c1,c2)                      (four cells)

with ``h(c, c') = g(c, c') + g(c', c)``. A structure is preference-monotone iff both numerators
are ≥ 0 on the closed cube (by continuity the same as on the open cube), so a negative value at
*any* point of the closed cube refutes it. The engine prunes in three exact steps before it looks
at a single structure:

1. **corners** — the values at the 8 corners of the cube involve one cell each: of the 256 cells
   only the ``K`` (123) without a negative corner value can occur in a monotone structure;
2. **faces** — the restriction to a face ``r_l = 0`` / ``r_w = 0`` / ``r_w = 1`` / ``r_l = 1``
   involves only the two cells ``(c0, c1)`` / ``(c0, c2)`` / ``(c1, c3)`` / ``(c2, c3)``, and has
   the same form ``(g(c,c), h(c,c'), g(c',c'))`` in all four cases: one exact decision per ordered
   pair of cells gives the table ``EDGE_OK``, and only 4-cycles ``c0–c1–c3–c2–c0`` of it survive
   (19.7 M of the 2^32 structures);
3. **bulk** — the survivors are enumerated with numpy (for each ``c0``, all ``(c1, c2, c3)`` at
   once): all-zero numerators (degenerate or policy-independent), the Bernstein certificate (all
   54 coefficients ≥ 0), and a refutation at the 27 points of ``{0, ½, 1}³`` (exact integer sums).

What is left (about 2 M structures) is deduplicated to its distinct one-direction polynomials,
reduced to one representative per orbit of the cube's 48 symmetries (about 32 k), and each is
decided exactly by :func:`decide_many`: finer dyadic grids (refutation), vectorised integer
Bernstein subdivision (certificate or refutation), and, for the few hundred whose zero set touches
the cube's boundary so that subdivision stalls, the *q-discriminant reduction*:
``f = a q² + b q(1−q) + c (1−q)²`` is ≥ 0 on the cube iff ``a, c ≥ 0`` and ``b ≥ 0 ∨ 4ac − b² ≥ 0``
on the square — decided by 2-D subdivision after dividing ``4ac − b²`` by its boundary factors,
and where that stalls too, by a 2-D cylindrical algebraic decomposition
(:mod:`dpalogic.landscape._census_cad`).
Everything is exact (integers; rationals in the CAD); no floats decide anything.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from math import comb, lcm

import numpy as np

from dpalogic.landscape import _census_poly as poly

CELLS = np.arange(256)

#: status codes used by :func:`decide_many` and :func:`statuses`
ZERO, CERTIFIED, REFUTED, UNDECIDED = 0, 1, 2, 3
STATUS_NAMES = ("zero", "certified", "refuted", "undecided")

_GUARD = 1 << 52  # integer magnitudes stay far below int64 overflow


def _bits(x: np.ndarray, a: int, b: int) -> np.ndarray:
    return ((x >> (a + 2 * b)) & 1).astype(np.int8)


def pair_table() -> np.ndarray:
    """``g[c, c', k]``: the six group contributions of ✓ from cell ``c`` and ✗ from cell ``c'``.

    Groups 0..2: N_w's q², q(1−q), (1−q)² parts; groups 3..5: −N_l's p², p(1−p), (1−p)² parts.
    """
    ci, cj = np.meshgrid(CELLS, CELLS, indexing="ij")
    t, b = ci & 15, cj >> 4
    t11, t01, t10, t00 = _bits(t, 1, 1), _bits(t, 0, 1), _bits(t, 1, 0), _bits(t, 0, 0)
    b11, b01, b10, b00 = _bits(b, 1, 1), _bits(b, 0, 1), _bits(b, 1, 0), _bits(b, 0, 0)
    return np.stack(
        [
            t11 * b01 - t01 * b11,
            t11 * b00 + t10 * b01 - t01 * b10 - t00 * b11,
            t10 * b00 - t00 * b10,
            t10 * b11 - t11 * b10,
            t10 * b01 + t00 * b11 - t11 * b00 - t01 * b10,
            t00 * b01 - t01 * b00,
        ],
        axis=-1,
    ).astype(np.int8)


G = pair_table()
H = (G + G.transpose(1, 0, 2)).astype(np.int8)
DIAG = G[CELLS, CELLS]  # (256, 6)
#: cells whose four corner values (groups 0, 2, 3, 5 of the diagonal) are all ≥ 0
CORNER_OK = np.all(DIAG[:, [0, 2, 3, 5]] >= 0, axis=-1)
K = np.nonzero(CORNER_OK)[0]

#: per-cell flags for degeneracy: ✓ nibble empty, ✗ nibble empty, ✓ nibble = ✗ nibble
TOP_EMPTY = (CELLS & 15) == 0
BOTTOM_EMPTY = (CELLS >> 4) == 0
TOP_EQ_BOTTOM = (CELLS & 15) == (CELLS >> 4)

# q-group k of the 6 → index along the q axis of the (3, 3, 3) array
_QINDEX = (2, 1, 0)


# --------------------------------------------------------------------------- coefficient arrays


def cells_of(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """(N, 4) cell indices of structures given as uint16 ✓/✗ masks over WITH_REF."""
    top = np.asarray(top, dtype=np.int64)
    bottom = np.asarray(bottom, dtype=np.int64)
    return np.stack([((top >> (4 * j)) & 15) | (((bottom >> (4 * j)) & 15) << 4)
                     for j in range(4)], axis=-1)


def coefficients(c0: np.ndarray, c1: np.ndarray, c2: np.ndarray, c3: np.ndarray) -> np.ndarray:
    """(…, 9, 6) int8 coefficients: r-position ``s_rw + 3·s_rl`` × group, for broadcast cells."""
    c0, c1, c2, c3 = np.broadcast_arrays(c0, c1, c2, c3)
    pos = [
        DIAG[c0],
        H[c0, c1],
        DIAG[c1],
        H[c0, c2],
        H[c0, c3] + H[c1, c2],
        H[c1, c3],
        DIAG[c2],
        H[c2, c3],
        DIAG[c3],
    ]
    return np.stack(pos, axis=-2)


def direction_arrays(vec: np.ndarray) -> np.ndarray:
    """(N, 9, 3) one-direction slices → (N, 3, 3, 3) int64 arrays indexed ``[q, s_rw, s_rl]``.

    Entry ``[a, i, j]`` is the scaled Bernstein coefficient of ``q^a (1−q)^(2−a) · r_w^i
    (1−r_w)^(2−i) · r_l^j (1−r_l)^(2−j)``.
    """
    vec = np.asarray(vec).reshape(-1, 9, 3).astype(np.int64)
    out = np.empty((len(vec), 3, 3, 3), dtype=np.int64)
    for k in range(3):
        # position s_rw + 3 s_rl → [s_rl, s_rw] → transpose to [s_rw, s_rl]
        out[:, _QINDEX[k]] = vec[:, :, k].reshape(-1, 3, 3).transpose(0, 2, 1)
    return out


def _grid_negative(v: np.ndarray) -> np.ndarray:
    """Whether the polynomial (…, 9 positions, 3 groups) is negative at a point of {0,½,1}³.

    In the scaled basis the value at x = 0 is the index-0 coefficient, at x = 1 the last one, and
    at x = ½ the sum of all (times a positive power of ½); so each grid value's sign is the sign
    of an exact integer sum.
    """
    a = v.reshape(*v.shape[:-2], 3, 3, 3).astype(np.int16)  # (…, s_rl, s_rw, group)

    def expand(x: np.ndarray, axis: int) -> np.ndarray:
        first = np.take(x, 0, axis=axis)
        last = np.take(x, 2, axis=axis)
        return np.stack([first, last, x.sum(axis=axis)], axis=axis)

    for ax in (-1, -2, -3):
        a = expand(a, ax)
    return np.any((a < 0).reshape(*a.shape[:-3], 27), axis=-1)


# --------------------------------------------------------------------------- exact decisions


def _grid_matrix(level: int) -> np.ndarray:
    """(27, (2^level + 1)^3) integers: scaled values of the 27 basis polynomials on a grid."""
    n = 1 << level
    k = np.arange(n + 1, dtype=np.int64)
    v = np.stack([(n - k) ** 2, k * (n - k), k**2], axis=1)  # (n+1, 3): x^a (1-x)^(2-a) · n²
    return np.einsum("ia,jb,kc->abcijk", v, v, v).reshape(27, -1)


def _dyadic_refuted(polys: np.ndarray, level: int, chunk: int = 8192) -> np.ndarray:
    """Whether each (N, 3, 3, 3) polynomial is negative at a point of the grid (k / 2^level)³."""
    w = _grid_matrix(level)
    flat = polys.reshape(len(polys), 27)
    out = np.zeros(len(polys), dtype=bool)
    for s in range(0, len(polys), chunk):
        out[s:s + chunk] = (flat[s:s + chunk] @ w < 0).any(axis=1)
    return out


_SCALE3 = np.array([2, 1, 2], dtype=np.int64)  # 2 / binom(2, a): scaled → integer Bernstein
_LEFT = np.array([[4, 0, 0], [2, 2, 0], [1, 2, 1]], dtype=np.int64)  # de Casteljau at ½, ×4
_RIGHT = np.array([[1, 2, 1], [0, 2, 2], [0, 0, 4]], dtype=np.int64)


def _subdivide3(polys: np.ndarray, depth: int) -> np.ndarray:
    """Vectorised Bernstein subdivision of (N, 3, 3, 3) polynomials on the unit cube.

    Returns a status per polynomial: CERTIFIED (every box of some level has all coefficients
    ≥ 0), REFUTED (a box corner — a point of the cube — has a negative value) or UNDECIDED.
    Integer arithmetic throughout (each half-split scales by 4; gcds keep numbers small).
    """
    n = len(polys)
    status = np.full(n, UNDECIDED, dtype=np.int8)
    boxes = polys * _SCALE3[:, None, None] * _SCALE3[None, :, None] * _SCALE3[None, None, :]
    owner = np.arange(n)
    for level in range(depth + 1):
        flat = boxes.reshape(len(boxes), 27)
        ok = (flat >= 0).all(axis=1)
        corners = boxes[:, [0, 2]][:, :, [0, 2]][:, :, :, [0, 2]].reshape(len(boxes), 8)
        bad = (corners < 0).any(axis=1)
        refuted = np.zeros(n, dtype=bool)
        refuted[owner[bad]] = True
        open_ = np.zeros(n, dtype=bool)
        keep = ~ok & ~refuted[owner]
        open_[owner[keep]] = True
        status[refuted] = REFUTED
        settled = ~open_ & ~refuted & (status == UNDECIDED)
        status[settled] = CERTIFIED
        boxes, owner = boxes[keep & ~refuted[owner]], owner[keep & ~refuted[owner]]
        if len(boxes) == 0 or level == depth:
            break
        if np.abs(boxes).max() > _GUARD >> 8:  # pragma: no cover - never reached at depth ≤ 5
            break
        children = []
        for mq in (_LEFT, _RIGHT):
            x = np.einsum("ia,nabc->nibc", mq, boxes)
            for mu in (_LEFT, _RIGHT):
                y = np.einsum("jb,nibc->nijc", mu, x)
                for mv in (_LEFT, _RIGHT):
                    children.append(np.einsum("kc,nijc->nijk", mv, y))
        boxes = np.concatenate(children)
        g = np.gcd.reduce(np.abs(boxes.reshape(len(boxes), 27)), axis=1)
        g[g == 0] = 1
        boxes = boxes // g[:, None, None, None]
        owner = np.tile(owner, 8)
    return status


def _conv2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Product of two 2-D scaled-Bernstein polynomials (a 2-D convolution)."""
    out = np.zeros((x.shape[0] + y.shape[0] - 1, x.shape[1] + y.shape[1] - 1), dtype=np.int64)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            if x[i, j]:
                out[i:i + y.shape[0], j:j + y.shape[1]] += x[i, j] * y
    return out


def _divide_faces2(d: np.ndarray) -> np.ndarray:
    """Divide a 2-D scaled-Bernstein polynomial by every boundary factor x, 1 − x it has."""
    changed = True
    while changed and any(v != 0 for v in d.flat):
        changed = False
        for ax in range(2):
            n = d.shape[ax]
            if n < 2:
                continue
            if all(v == 0 for v in np.take(d, 0, axis=ax).flat):
                d, changed = np.take(d, range(1, n), axis=ax), True
            elif all(v == 0 for v in np.take(d, n - 1, axis=ax).flat):
                d, changed = np.take(d, range(n - 1), axis=ax), True
    return d


def _int_bernstein2(c: np.ndarray) -> np.ndarray:
    """Scaled → ordinary Bernstein coefficients times a positive integer."""
    out = c.astype(np.int64)
    for ax in range(2):
        d = c.shape[ax] - 1
        m = 1
        for i in range(d + 1):
            m = lcm(m, comb(d, i))
        f = np.array([m // comb(d, i) for i in range(d + 1)], dtype=np.int64)
        out = out * (f[:, None] if ax == 0 else f[None, :])
    return out


def _split2(b: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """de Casteljau at ½ along *axis*, both halves scaled by 2^degree (exact integers)."""
    d = b.shape[axis] - 1
    rows = [np.take(b, i, axis=axis) for i in range(d + 1)]
    left, right, cur = [rows[0]], [rows[-1]], rows
    for _ in range(d):
        cur = [cur[i] + cur[i + 1] for i in range(len(cur) - 1)]
        left.append(cur[0])
        right.append(cur[-1])
    left = [x * 2 ** (d - k) for k, x in enumerate(left)]
    right = [x * 2 ** (d - k) for k, x in enumerate(right)]
    right.reverse()
    return np.stack(left, axis=axis), np.stack(right, axis=axis)


def _corners2(x: np.ndarray) -> list[int]:
    return [x[0, 0], x[0, -1], x[-1, 0], x[-1, -1]]


_face_cache: dict[bytes, str] = {}


def _decide2(x: np.ndarray) -> str:
    """Exact status of a 2-D scaled-Bernstein polynomial (shape (3, 3)) via ``_census_poly``."""
    key = np.asarray(x, dtype=np.int64).tobytes() + bytes(x.shape)
    if key not in _face_cache:
        obj = poly.zeros(x.shape)
        for idx in np.ndindex(*x.shape):
            obj[idx] = int(x[idx])
        _face_cache[key] = poly.decide_nonnegative(obj).status
    return _face_cache[key]


def _discriminant_decide(f: np.ndarray, max_boxes: int = 64) -> int:
    """Decide ``f ≥ 0`` on the cube for one (3, 3, 3) polynomial by the q-discriminant reduction.

    ``f = a q² + b q(1−q) + c (1−q)²`` (``a = f[2]``, ``b = f[1]``, ``c = f[0]``, polynomials in
    the other two variables) is ≥ 0 for all ``q`` at a point iff ``a ≥ 0``, ``c ≥ 0`` and
    ``b ≥ 0 ∨ D ≥ 0`` with ``D = 4ac − b²``. With ``a, c ≥ 0`` settled, a point where ``b < 0``
    and ``D < 0`` refutes (the quadratic in ``x = q/(1−q)`` dips below 0 at ``x = −b/2a``, or for
    large ``x`` when ``a = 0``); boxes where ``b``'s or ``D``'s Bernstein coefficients are all
    ≥ 0 are settled. ``D`` is divided by its boundary factors first (positive inside; the zeros
    on the square's edges are what stalls subdivision). Exact integers (int64 under a magnitude
    guard; past it, or past ``max_boxes`` boxes, the answer is UNDECIDED).
    """
    c, b, a = f[0], f[1], f[2]
    sa, sc = _decide2(a), _decide2(c)
    if "refuted" in (sa, sc):
        return REFUTED
    if "undecided" in (sa, sc):
        return UNDECIDED
    d = 4 * _conv2(a, c) - _conv2(b, b)
    if (d >= 0).all() or (b >= 0).all():
        return CERTIFIED
    queue = deque([(_int_bernstein2(b), _int_bernstein2(_divide_faces2(d)), 0)])
    visited = 0
    while queue:
        bb, dd, depth = queue.popleft()
        visited += 1
        if (bb >= 0).all() or (dd >= 0).all():
            continue
        for cb, cd in zip(_corners2(bb), _corners2(dd), strict=True):
            if cb < 0 and cd < 0:
                return REFUTED
        if visited >= max_boxes or max(np.abs(bb).max(), np.abs(dd).max()) > _GUARD:
            return UNDECIDED
        ax = depth % 2
        (lb, rb), (ld, rd) = _split2(bb, ax), _split2(dd, ax)
        queue.append((lb, ld, depth + 1))
        queue.append((rb, rd, depth + 1))
    return CERTIFIED


def decide_one(f: np.ndarray) -> int:
    """Exact status of one (3, 3, 3) polynomial: CERTIFIED, REFUTED or UNDECIDED.

    First the q-discriminant reduction with 2-D subdivision (:func:`_discriminant_decide`, a
    small box budget), then, if that stalls, the same reduction decided by a 2-D cylindrical
    algebraic decomposition (:mod:`dpalogic.landscape._census_cad`), which always answers.
    """
    return _decide_one_how(f)[0]


def _decide_one_how(f: np.ndarray) -> tuple[int, bool]:
    """(:func:`decide_one`'s status, whether the CAD was needed)."""
    from dpalogic.landscape import _census_cad

    f = np.asarray(f, dtype=np.int64)
    s = _discriminant_decide(f)
    if s != UNDECIDED:
        return s, False
    try:
        ok, _ = _census_cad.nonnegative_quadratic_form(f)
    except ArithmeticError:  # pragma: no cover - no root-free sample found
        return UNDECIDED, True
    return (CERTIFIED if ok else REFUTED), True


#: how many distinct (symmetry-reduced) polynomials each exact stage settled (reset by full_run)
STAGE_COUNTS: Counter[str] = Counter()


def _symmetries() -> list[tuple[tuple[int, int, int], tuple[bool, bool, bool]]]:
    from itertools import permutations, product

    return [(p, f) for p in permutations(range(3)) for f in product((False, True), repeat=3)]


def canonical(polys: np.ndarray) -> np.ndarray:
    """The lexicographically least image of each (N, 3, 3, 3) polynomial under the 48 symmetries
    of the cube (axis permutations and reflections ``x ↦ 1 − x``), which preserve ``f ≥ 0``.

    All three axes have degree 2, so a symmetry permutes the coefficient array; reflecting an
    axis reverses it.
    """
    polys = np.asarray(polys, dtype=np.int64)
    n = len(polys)
    images = []
    for perm, flips in _symmetries():
        x = polys.transpose(0, *(1 + np.array(perm)))
        for ax, fl in enumerate(flips):
            if fl:
                x = np.flip(x, axis=ax + 1)
        images.append(x.reshape(n, 27))
    stack = np.stack(images)  # (48, n, 27)
    if n and (np.abs(stack).max() >= 1 << 20):  # pragma: no cover - coefficients are tiny
        raise OverflowError("coefficient too large to canonicalise")
    enc = stack + (1 << 20)  # 21 bits each, three per int64 word → 9 words
    words = [sum(enc[..., 3 * w + i] << (21 * i) for i in range(3)) for w in range(9)]
    alive = np.ones((len(images), n), dtype=bool)
    big = np.iinfo(np.int64).max
    for w in words:
        m = np.where(alive, w, big).min(axis=0)
        alive &= w == m
    pick = alive.argmax(axis=0)
    return stack[pick, np.arange(n)].reshape(n, 3, 3, 3)


def decide_many(
    polys: np.ndarray,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> np.ndarray:
    """Exact status (CERTIFIED / REFUTED / UNDECIDED) of each (N, 3, 3, 3) polynomial ≥ 0.

    The polynomials are first reduced to one representative per orbit of the cube's symmetry
    group (:func:`canonical`). Stages (cheapest first, each exact): all coefficients ≥ 0;
    negative value on the dyadic grids ``(k/4)³`` and ``(k/16)³``; vectorised Bernstein
    subdivision to depth 4; :func:`decide_one` (q-discriminant reduction, then a 2-D CAD).
    """
    polys = np.asarray(polys, dtype=np.int64).reshape(-1, 3, 3, 3)
    status = np.full(len(polys), CERTIFIED, dtype=np.int8)  # all coefficients ≥ 0
    rest = np.nonzero((polys.reshape(len(polys), 27) < 0).any(axis=1))[0]
    if len(rest) == 0:
        return status
    canon = np.concatenate([canonical(polys[rest[s:s + 65536]])
                            for s in range(0, len(rest), 65536)])
    _, first, inverse = np.unique(_void(canon.reshape(len(canon), 27)), return_index=True,
                                  return_inverse=True)
    status[rest] = _decide_distinct(canon[first], progress, workers)[inverse.ravel()]
    return status


def _decide_distinct(
    polys: np.ndarray,
    progress: Callable[[int, int], None] | None,
    workers: int,
) -> np.ndarray:
    n = len(polys)
    STAGE_COUNTS["symmetry_classes"] += n
    status = np.full(n, UNDECIDED, dtype=np.int8)
    flat = polys.reshape(n, 27)
    status[(flat >= 0).all(axis=1)] = CERTIFIED
    idx = np.nonzero(status == UNDECIDED)[0]
    for level in (2, 4):
        neg = _dyadic_refuted(polys[idx], level)
        status[idx[neg]] = REFUTED
        STAGE_COUNTS["refuted_on_dyadic_grids"] += int(neg.sum())
        idx = idx[~neg]
    for s in range(0, len(idx), 4096):
        part = idx[s:s + 4096]
        status[part] = _subdivide3(polys[part], depth=4)
    rest = np.nonzero(status == UNDECIDED)[0]
    STAGE_COUNTS["settled_by_3d_subdivision"] += len(idx) - len(rest)
    STAGE_COUNTS["discriminant_reduction"] += len(rest)
    done = n - len(rest)
    if progress:
        progress(done, n)
    if workers > 1 and len(rest) > 64:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers) as pool:
            for i, (st, cad) in zip(rest, pool.imap(_decide_one_how, polys[rest], chunksize=32),
                                    strict=True):
                status[i] = st
                STAGE_COUNTS["cad"] += cad
                done += 1
                if progress and done % 256 == 0:
                    progress(done, n)
    else:
        for i in rest:
            status[i], cad = _decide_one_how(polys[i])
            STAGE_COUNTS["cad"] += cad
            done += 1
            if progress and done % 256 == 0:
                progress(done, n)
    if progress:
        progress(n, n)
    return status


# --------------------------------------------------------------------------- the face table


def _face_polys(c: np.ndarray, cp: np.ndarray) -> np.ndarray:
    """(…, 3 r-positions, 6 groups) face polynomial built from cells ``c`` (low) and ``c'``."""
    c, cp = np.broadcast_arrays(c, cp)
    return np.stack([DIAG[c], H[c, cp], DIAG[cp]], axis=-2)


def edge_table() -> np.ndarray:
    """``EDGE_OK[c, c']`` (256 × 256 bool): the face polynomial of the pair is not refuted.

    False for every pair involving a cell outside ``K``; otherwise each direction's face
    polynomial (a (3, 3) array in ``(q, r)``) is decided exactly; a refuted face refutes every
    structure with that pair on that face, an undecided one is kept (decided later in 3-D).
    """
    ok = np.zeros((256, 256), dtype=bool)
    faces = _face_polys(K[:, None], K[None, :])  # (|K|, |K|, 3, 6)
    verdict: dict[bytes, bool] = {}
    for i, ci in enumerate(K):
        for j, cj in enumerate(K):
            good = True
            for d in range(2):
                v = faces[i, j, :, 3 * d:3 * d + 3]
                if (v >= 0).all():
                    continue
                key = v.tobytes()
                if key not in verdict:
                    arr = np.empty((3, 3), dtype=np.int64)
                    for k in range(3):
                        arr[_QINDEX[k]] = v[:, k]
                    verdict[key] = _decide2(arr) != "refuted"
                good = good and verdict[key]
            ok[ci, cj] = good
    return ok


_EDGE: np.ndarray | None = None


def edge_ok() -> np.ndarray:
    """The cached :func:`edge_table`."""
    global _EDGE
    if _EDGE is None:
        _EDGE = edge_table()
    return _EDGE


# --------------------------------------------------------------------------- the bulk pass


@dataclass
class Tally:
    """Counts accumulated by the bulk pass, plus the rows it could not settle."""

    candidates: int = 0  # structures that survived the corner and face tests
    zero: int = 0  # N_w ≡ N_l ≡ 0: degenerate or policy-independent
    degenerate: int = 0
    certified_bernstein: int = 0  # all 54 coefficients ≥ 0, not all zero
    grid_refuted: int = 0
    rows: list[np.ndarray] = field(default_factory=list)  # (m, 54) int8 rows left to decide

    def merge(self, other: Tally) -> None:
        """Add *other*'s counts and rows to this tally."""
        self.candidates += other.candidates
        self.zero += other.zero
        self.degenerate += other.degenerate
        self.certified_bernstein += other.certified_bernstein
        self.grid_refuted += other.grid_refuted
        self.rows.extend(other.rows)


def _classify(c0: np.ndarray, c1: np.ndarray, c2: np.ndarray, c3: np.ndarray) -> Tally:
    """Bulk verdicts for the structures with cells ``(c0, c1, c2, c3)`` (1-D arrays)."""
    vec = coefficients(c0, c1, c2, c3).reshape(-1, 54)
    tally = Tally(candidates=len(vec))
    nonneg = vec >= 0
    okw = nonneg[:, 0::6].all(1) & nonneg[:, 1::6].all(1) & nonneg[:, 2::6].all(1)
    okl = nonneg[:, 3::6].all(1) & nonneg[:, 4::6].all(1) & nonneg[:, 5::6].all(1)
    zero = ~(vec != 0).any(axis=1)
    cells = (c0, c1, c2, c3)
    degenerate = (np.logical_and.reduce([TOP_EMPTY[c] for c in cells])
                  | np.logical_and.reduce([BOTTOM_EMPTY[c] for c in cells])
                  | np.logical_and.reduce([TOP_EQ_BOTTOM[c] for c in cells]))
    tally.zero = int(zero.sum())
    tally.degenerate = int(degenerate.sum())
    both = okw & okl
    tally.certified_bernstein = int(both.sum()) - tally.zero
    rest = np.nonzero(~both)[0]
    if len(rest):
        v = vec[rest].reshape(-1, 9, 6)
        neg = ((~okw[rest] & _grid_negative(v[..., 0:3]))
               | (~okl[rest] & _grid_negative(v[..., 3:6])))
        tally.grid_refuted = int(neg.sum())
        left = vec[rest[~neg]]
        if len(left):
            tally.rows.append(left)
    return tally


def run_c0(i0: int) -> Tally:
    """All surviving structures whose cell 0 is ``K[i0]``."""
    e = edge_ok()
    c0 = int(K[i0])
    first = e[c0]  # c1, c2 must pair with c0
    # m[c3, c] — c can sit at positions 1 and 2 next to (c0, c3)
    m = first[None, :] & e[:, :].T
    m[~CORNER_OK] = False
    c3s = np.nonzero(m.any(axis=1))[0]
    tally = Tally()
    chunk: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    size = 0
    for c3 in c3s:
        s = np.nonzero(m[c3])[0]
        c1 = np.repeat(s, len(s))
        c2 = np.tile(s, len(s))
        chunk.append((c1, c2, np.full(len(c1), c3)))
        size += len(c1)
        if size > 200_000:
            tally.merge(_classify_chunk(c0, chunk))
            chunk, size = [], 0
    if chunk:
        tally.merge(_classify_chunk(c0, chunk))
    return tally


def _classify_chunk(c0: int, chunk: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Tally:
    c1 = np.concatenate([c[0] for c in chunk])
    c2 = np.concatenate([c[1] for c in chunk])
    c3 = np.concatenate([c[2] for c in chunk])
    return _classify(np.full(len(c1), c0), c1, c2, c3)


@dataclass
class EngineResult:
    """What :func:`full_run` found over all 4^16 structures (WITH_REF)."""

    total: int
    candidates: int  # survivors of the corner and face tests
    zero: int  # degenerate or policy-independent
    degenerate: int
    certified: int
    refuted: int
    undecided: int
    certified_bernstein: int
    grid_refuted: int
    pending_structures: int  # structures handed to the exact decision stage
    pending_polynomials: int  # distinct one-direction polynomials among them
    seconds_bulk: float = 0.0
    seconds_exact: float = 0.0
    exact_stages: dict[str, int] = field(default_factory=dict)


def _void(rows: np.ndarray) -> np.ndarray:
    rows = np.ascontiguousarray(rows)
    return rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()


def resolve_rows(
    rows: np.ndarray,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> tuple[np.ndarray, int]:
    """Statuses for (m, 54) int8 coefficient rows (neither all-zero nor settled in bulk).

    Returns ``(status per row, number of distinct one-direction polynomials decided)``.
    """
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int8), 0
    both = np.concatenate([rows.reshape(-1, 9, 6)[..., 0:3].reshape(-1, 27),
                           rows.reshape(-1, 9, 6)[..., 3:6].reshape(-1, 27)])
    _, first, inverse = np.unique(_void(both), return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    polys = direction_arrays(both[first].reshape(-1, 9, 3))
    st = decide_many(polys, progress=progress, workers=workers)
    sw, sl = st[inverse[: len(rows)]], st[inverse[len(rows):]]
    out = np.full(len(rows), UNDECIDED, dtype=np.int8)
    out[(sw == CERTIFIED) & (sl == CERTIFIED)] = CERTIFIED
    out[(sw == REFUTED) | (sl == REFUTED)] = REFUTED
    return out, len(polys)


def full_run(
    workers: int = 2,
    progress: Callable[[str, int, int], None] | None = None,
) -> EngineResult:
    """The census over all ``4^16`` structures of ``WITH_REF`` (see the module docstring).

    ``progress(phase, done, total)`` is called with phase ``"bulk"`` (per cell-0 block) and
    ``"exact"`` (per distinct polynomial).
    """
    import time

    start = time.perf_counter()
    edge_ok()
    STAGE_COUNTS.clear()
    tally = Tally()
    n = len(K)
    if workers <= 1:
        for i0 in range(n):
            tally.merge(run_c0(i0))
            if progress:
                progress("bulk", i0 + 1, n)
    else:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers) as pool:
            for done, res in enumerate(pool.imap_unordered(run_c0, range(n)), start=1):
                tally.merge(res)
                if progress:
                    progress("bulk", done, n)
    bulk = time.perf_counter() - start
    rows = np.concatenate(tally.rows) if tally.rows else np.zeros((0, 54), dtype=np.int8)
    tally.rows = []
    uniq, counts = np.unique(_void(rows), return_counts=True) if len(rows) else ([], [])
    urows = (np.frombuffer(np.asarray(uniq).tobytes(), dtype=np.int8).reshape(-1, 54)
             if len(rows) else rows)
    status, npolys = resolve_rows(
        urows, progress=(lambda d, t: progress("exact", d, t)) if progress else None,
        workers=workers)
    counts = np.asarray(counts, dtype=np.int64)
    exact_cert = int(counts[status == CERTIFIED].sum())
    undecided = int(counts[status == UNDECIDED].sum())
    certified = tally.certified_bernstein + exact_cert
    total = 1 << 32
    return EngineResult(
        total=total,
        candidates=tally.candidates,
        zero=tally.zero,
        degenerate=tally.degenerate,
        certified=certified,
        refuted=total - tally.zero - certified - undecided,
        undecided=undecided,
        certified_bernstein=tally.certified_bernstein,
        grid_refuted=tally.grid_refuted,
        pending_structures=len(rows),
        pending_polynomials=npolys,
        seconds_bulk=bulk,
        seconds_exact=time.perf_counter() - start - bulk,
        exact_stages=dict(STAGE_COUNTS),
    )


# --------------------------------------------------------------------------- per structure


def statuses(top: np.ndarray, bottom: np.ndarray, workers: int = 1) -> np.ndarray:
    """Per-structure monotonicity code for WITH_REF masks, by the census pipeline.

    ZERO (N_w ≡ N_l ≡ 0: degenerate or policy-independent), CERTIFIED, REFUTED or UNDECIDED —
    the same corner, face, bulk and exact stages as :func:`full_run`, applied to the given
    structures only (used to check the engine against :mod:`properties` and to count the
    antisymmetric structures).
    """
    cells = cells_of(top, bottom)
    e = edge_ok()
    out = np.full(len(cells), REFUTED, dtype=np.int8)
    c0, c1, c2, c3 = (cells[:, j] for j in range(4))
    vec = coefficients(c0, c1, c2, c3).reshape(-1, 54)
    zero = ~(vec != 0).any(axis=1)
    survive = (np.all(CORNER_OK[cells], axis=1) & e[c0, c1] & e[c0, c2] & e[c1, c3] & e[c2, c3])
    if np.any(zero & ~survive):  # pragma: no cover - a bug guard
        raise AssertionError("an all-zero structure failed the corner/face tests")
    out[zero] = ZERO
    idx = np.nonzero(survive & ~zero)[0]
    v = vec[idx]
    nonneg = v >= 0
    okw = nonneg.reshape(-1, 9, 6)[..., 0:3].reshape(len(v), -1).all(1)
    okl = nonneg.reshape(-1, 9, 6)[..., 3:6].reshape(len(v), -1).all(1)
    out[idx[okw & okl]] = CERTIFIED
    r = ~(okw & okl)
    v9 = v.reshape(-1, 9, 6)
    neg = r & ((~okw & _grid_negative(v9[..., 0:3])) | (~okl & _grid_negative(v9[..., 3:6])))
    pend = idx[r & ~neg]
    if len(pend):
        st, _ = resolve_rows(vec[pend], workers=workers)
        out[pend] = st
    return out
