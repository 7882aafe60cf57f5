"""The exact census of all ``4^(2^n)`` preference structures (issue #5).

``census()`` counts, over every structure of ``NO_REF`` (n = 2, 256 structures), how many are
degenerate, policy-independent, swap-antisymmetric and preference-monotone (certified, refuted,
undecided), and every combination of these. ``census(reference=True)`` does the same over
``WITH_REF`` (n = 4, 4,294,967,296 structures) with the bulk engine of
:mod:`dpalogic.landscape._census_engine`.

Conventions (as in the issue): ``antisymmetric`` and the ``monotone`` counts exclude degenerate
and policy-independent structures; a structure is *monotone* once it is certified.

For n = 2 every structure is decided one by one by :func:`dpalogic.landscape.properties.analyze`.
For n = 4 the engine prunes by corners and faces of the cube, certifies or refutes in bulk and
decides the remaining distinct polynomials exactly (docs/landscape.md has the method); the
65,536 antisymmetric structures (``✗ = swap(✓)``) are run through the same pipeline one by one to
split the antisymmetric counts.

Example:
    >>> r = census()
    >>> r.total, r.degenerate, r.to_json()["monotone"]["undecided"]
    (256, 46, 0)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dpalogic.errors import DPALogicError

__all__ = ["CLASSES", "MONOTONE_STATES", "CensusResult", "census", "swap_mask"]

#: the three mutually exclusive classes of a structure
CLASSES = ("degenerate", "policy-independent", "proper")
#: the monotonicity verdicts; "n/a" for degenerate and policy-independent structures
MONOTONE_STATES = ("n/a", "certified", "refuted", "undecided")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CensusResult:
    """The counts of one census.

    ``antisymmetric``, ``monotone_*`` and ``antisymmetric_monotone`` count only structures that
    are neither degenerate nor policy-independent. ``combinations`` maps ``(class, antisymmetric,
    monotone)`` — class in :data:`CLASSES`, antisymmetric a bool, monotone in
    :data:`MONOTONE_STATES` — to its count; together they partition all ``total`` structures.
    ``details`` holds method statistics (engine stages for n = 4).
    """

    n: int
    total: int
    degenerate: int
    policy_independent: int
    antisymmetric: int
    monotone_certified: int
    monotone_refuted: int
    monotone_undecided: int
    antisymmetric_monotone: int
    combinations: tuple[tuple[str, bool, str, int], ...]
    seconds: float
    method: str
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def monotone(self) -> int:
        """Certified preference-monotone structures."""
        return self.monotone_certified

    @property
    def proper(self) -> int:
        """Structures that are neither degenerate nor policy-independent."""
        return self.total - self.degenerate - self.policy_independent

    def to_json(self) -> dict[str, Any]:
        """The JSON form printed by ``dpalogic census --json``."""
        return {
            "n": self.n,
            "total": self.total,
            "degenerate": self.degenerate,
            "policy_independent": self.policy_independent,
            "antisymmetric": self.antisymmetric,
            "monotone": {
                "certified": self.monotone_certified,
                "refuted": self.monotone_refuted,
                "undecided": self.monotone_undecided,
            },
            "antisymmetric_monotone": self.antisymmetric_monotone,
            "combinations": [
                {"class": c, "antisymmetric": a, "monotone": m, "count": k}
                for c, a, m, k in self.combinations
            ],
            "seconds": round(self.seconds, 3),
            "method": self.method,
            "details": self.details,
        }


def swap_mask(mask: int, n: int) -> int:
    """The world set with ``y_w`` and ``y_l`` exchanged, for ``NO_REF`` (n = 2) or ``WITH_REF``
    (n = 4): world bits ``(Mw, Ml[, Rw, Rl])`` become ``(Ml, Mw[, Rl, Rw])``."""
    out = 0
    for w in range(1 << n):
        if (mask >> w) & 1:
            s = ((w & 1) << 1) | ((w >> 1) & 1)
            if n == 4:
                s |= (((w >> 2) & 1) << 3) | (((w >> 3) & 1) << 2)
            out |= 1 << s
    return out


def _combinations(counts: dict[tuple[str, bool, str], int]) -> tuple[tuple[str, bool, str, int],
                                                                       ...]:
    rows = []
    for cls in CLASSES:
        for anti in (True, False):
            for mono in MONOTONE_STATES:
                k = counts.get((cls, anti, mono), 0)
                if k:
                    rows.append((cls, anti, mono, k))
    return tuple(rows)


def _result(n: int, total: int, counts: dict[tuple[str, bool, str], int], seconds: float,
            method: str, details: dict[str, Any]) -> CensusResult:
    def count(cls: str | None = None, anti: bool | None = None, mono: str | None = None) -> int:
        return sum(k for (c, a, m), k in counts.items()
                   if (cls is None or c == cls) and (anti is None or a == anti)
                   and (mono is None or m == mono))

    if count() != total:  # pragma: no cover - a bug guard
        raise AssertionError(f"census combinations sum to {count()}, not {total}")
    return CensusResult(
        n=n,
        total=total,
        degenerate=count("degenerate"),
        policy_independent=count("policy-independent"),
        antisymmetric=count("proper", True),
        monotone_certified=count("proper", None, "certified"),
        monotone_refuted=count("proper", None, "refuted"),
        monotone_undecided=count("proper", None, "undecided"),
        antisymmetric_monotone=count("proper", True, "certified"),
        combinations=_combinations(counts),
        seconds=seconds,
        method=method,
        details=details,
    )


def _census_no_ref(progress: Progress | None) -> CensusResult:
    from dpalogic.landscape.properties import analyze
    from dpalogic.logic import NO_REF, PreferenceStructure

    start = time.perf_counter()
    counts: dict[tuple[str, bool, str], int] = {}
    for i in range(256):
        p = analyze(PreferenceStructure(NO_REF, i & 15, i >> 4))
        cls = ("degenerate" if p.degenerate
               else "policy-independent" if p.policy_independent else "proper")
        mono = p.monotone if cls == "proper" else "n/a"
        key = (cls, bool(p.antisymmetric), mono)
        counts[key] = counts.get(key, 0) + 1
        if progress:
            progress("structures", i + 1, 256)
    return _result(2, 256, counts, time.perf_counter() - start,
                   "per structure: dpalogic.landscape.properties.analyze", {})


def _census_with_ref(progress: Progress | None, workers: int) -> CensusResult:
    from dpalogic.landscape import _census_engine as engine

    start = time.perf_counter()
    res = engine.full_run(workers=workers, progress=progress)
    # the antisymmetric structures: ✗ = swap(✓), one per ✓
    tops = np.arange(1 << 16, dtype=np.int64)
    perm = np.array([swap_mask(1 << w, 4).bit_length() - 1 for w in range(16)])
    bottoms = np.zeros_like(tops)
    for w in range(16):
        bottoms |= ((tops >> w) & 1) << perm[w]
    codes = engine.statuses(tops, bottoms, workers=workers)
    degenerate = (tops == 0) | (bottoms == 0) | (tops == bottoms)
    if progress:
        progress("antisymmetric", 1 << 16, 1 << 16)
    anti: dict[tuple[str, str], int] = {}
    for cls, mono, mask in (
        ("degenerate", "n/a", degenerate),
        ("policy-independent", "n/a", ~degenerate & (codes == engine.ZERO)),
        ("proper", "certified", ~degenerate & (codes == engine.CERTIFIED)),
        ("proper", "refuted", ~degenerate & (codes == engine.REFUTED)),
        ("proper", "undecided", ~degenerate & (codes == engine.UNDECIDED)),
    ):
        anti[(cls, mono)] = int(mask.sum())
    totals = {
        ("degenerate", "n/a"): res.degenerate,
        ("policy-independent", "n/a"): res.zero - res.degenerate,
        ("proper", "certified"): res.certified,
        ("proper", "refuted"): res.refuted,
        ("proper", "undecided"): res.undecided,
    }
    counts: dict[tuple[str, bool, str], int] = {}
    for key, total in totals.items():
        counts[(key[0], True, key[1])] = anti[key]
        counts[(key[0], False, key[1])] = total - anti[key]
        if total < anti[key]:  # pragma: no cover - a bug guard
            raise AssertionError(f"antisymmetric count exceeds total for {key}")
    details = {
        "candidates_after_corner_and_face_tests": res.candidates,
        "certified_by_bernstein_in_bulk": res.certified_bernstein,
        "refuted_on_grid_in_bulk": res.grid_refuted,
        "structures_decided_exactly": res.pending_structures,
        "distinct_polynomials_decided_exactly": res.pending_polynomials,
        "exact_stages_on_symmetry_classes": res.exact_stages,
        "seconds_bulk": round(res.seconds_bulk, 3),
        "seconds_exact": round(res.seconds_exact, 3),
        "workers": workers,
    }
    return _result(4, res.total, counts, time.perf_counter() - start,
                   "corner/face pruning, bulk Bernstein certificate and grid refutation, exact "
                   "decision of the remaining distinct polynomials (docs/landscape.md)", details)


def census(
    reference: bool = False,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> CensusResult:
    """Count every property and combination over all structures of ``NO_REF`` or ``WITH_REF``.

    Args:
        reference: False for n = 2 (256 structures, decided one by one), True for n = 4
            (4,294,967,296 structures, the bulk engine).
        progress: optional ``progress(phase, done, total)`` callback.
        workers: worker processes for n = 4 (default: the number of CPUs); ignored for n = 2.

    Raises:
        DPALogicError: ``workers`` < 1.
    """
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise DPALogicError(f"workers must be at least 1, got {workers}")
    if reference:
        return _census_with_ref(progress, workers)
    return _census_no_ref(progress)
