"""The exact census: wall time for n = 2 and n = 4, throughput, and a projection for n = 5.

One command::

    .venv/bin/python benchmarks/bench_census.py             # full n = 4 census (about a minute)
    .venv/bin/python benchmarks/bench_census.py --quick     # n = 4 bulk on 1/10 of the blocks

Baseline, measured in the same run: the direct per-structure method
(:func:`dpalogic.landscape.properties.analyze` on uniformly random n = 4 structures, cache
cleared), whose mean time per structure × 4^16 projects the direct census; the engine's measured
wall time is reported as a ratio against it.

"Pair operations": the direct evaluation of both derivative numerators of one n = 4 structure
combines its four cells pairwise (✓ cell × ✗ cell: 4 × 4 = 16 products of r-polynomials), so the
census does the work of ``16 · 4^16`` pair operations; the effective rate is that over the wall
time. The bulk pass really performs ``13`` table look-ups per surviving structure (9 positions, the
centre being two), reported as its own rate.

n = 5 projection (a fifth proposition with its own weight, e.g. ``Ref2`` or ``Mref``): the
same decomposition has 8 cells (the r-worlds of three non-M atoms), the same per-cell corner test
(``K`` = 123 of 256 cells survive) and 12 face pairs (the edges of the 3-cube of r-worlds)
instead of 4. Projected candidates = ``K^8 · d^12`` with ``d`` the measured density of the face
table, times the ratio actual / ``K^4 · d^4`` observed at n = 4 (the face conditions are
positively correlated); projected time = candidates × the measured per-candidate cost of the n = 4
bulk and exact stages (which also assumes that 4-variable polynomials cost as much as 3-variable
ones — optimistic). The naive projection is the baseline's time per structure × 4^32.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from dpalogic.landscape import _census_engine as engine
from dpalogic.landscape.census import census
from dpalogic.landscape.properties import _analyze_cached, analyze
from dpalogic.logic import WITH_REF, PreferenceStructure

TOTAL4 = 1 << 32
TOTAL5 = 1 << 64


def cpu_model() -> str:
    """The CPU model name (from /proc/cpuinfo where available)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not Linux
        pass
    return platform.processor() or platform.machine()


def human(seconds: float) -> str:
    """Seconds as s / min / h / days / years."""
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:.2f} s"


@dataclass
class Measurement:
    """Everything the benchmark (and docs/landscape.md) reports."""

    n2_seconds: float
    n4_seconds: float
    n4_projected: bool  # True in --quick mode (bulk pass on a sample of blocks, extrapolated)
    n4_result: Any
    baseline_per_structure: float
    baseline_sample: int
    workers: int
    candidates: int
    bulk_seconds: float
    exact_seconds: float
    edge_density: float
    n5_candidates: float
    n5_seconds: float
    n5_naive_seconds: float

    @property
    def baseline_n4(self) -> float:
        """The direct method's projected n = 4 census time."""
        return self.baseline_per_structure * TOTAL4


def _baseline(sample: int, seed: int = 0) -> float:
    rng = random.Random(seed)
    structs = [PreferenceStructure(WITH_REF, rng.getrandbits(16), rng.getrandbits(16))
               for _ in range(sample)]
    _analyze_cached.cache_clear()
    start = time.perf_counter()
    for s in structs:
        analyze(s)
    return (time.perf_counter() - start) / sample


def measure(quick: bool = False, workers: int | None = None) -> Measurement:
    """Run the timings (full n = 4 census unless *quick*)."""
    workers = workers or os.cpu_count() or 1
    def n2_run() -> float:
        _analyze_cached.cache_clear()
        return _timed(lambda: census())[0]

    n2 = min(n2_run() for _ in range(3))
    baseline = _baseline(200 if quick else 1000)
    edge = engine.edge_ok()
    sub = edge[np.ix_(engine.K, engine.K)]
    density = float(sub.mean())
    paths = sub.astype(np.int64) @ sub.astype(np.int64)
    candidates_formula = int((paths**2).sum())  # Σ_{c0,c3} (#c1 with both faces ok)²
    if quick:
        blocks = list(range(0, len(engine.K), 10))
        start = time.perf_counter()
        tally = engine.Tally()
        for i0 in blocks:
            tally.merge(engine.run_c0(i0))
        part = time.perf_counter() - start
        scale = candidates_formula / max(tally.candidates, 1)
        bulk = part * scale
        exact = 0.0
        n4 = bulk
        result = None
        workers = 1
        candidates = candidates_formula
    else:
        n4, result = _timed(lambda: census(reference=True, workers=workers))
        bulk = result.details["seconds_bulk"]
        exact = result.details["seconds_exact"]
        candidates = result.details["candidates_after_corner_and_face_tests"]
    k = len(engine.K)
    correlation = candidates / (k**4 * density**4)
    n5_candidates = k**8 * density**12 * correlation
    per_candidate = (bulk + exact) / candidates
    return Measurement(
        n2_seconds=n2, n4_seconds=n4, n4_projected=quick, n4_result=result,
        baseline_per_structure=baseline, baseline_sample=200 if quick else 1000, workers=workers,
        candidates=candidates, bulk_seconds=bulk, exact_seconds=exact, edge_density=density,
        n5_candidates=n5_candidates, n5_seconds=n5_candidates * per_candidate,
        n5_naive_seconds=baseline * TOTAL5,
    )


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def report(m: Measurement) -> str:
    """The benchmark's printed report."""
    lines = [
        f"machine: {cpu_model()}, {os.cpu_count()} logical CPUs; workers = {m.workers}",
        f"n = 2 census (256 structures, per structure): {m.n2_seconds * 1000:.1f} ms",
        f"baseline: direct per-structure method, {m.baseline_per_structure * 1e6:.0f} µs per "
        f"structure (mean of {m.baseline_sample} random n = 4 structures) → n = 4 census "
        f"projected {human(m.baseline_n4)}",
        ("n = 4 census (bulk pass, one process, on 1/10 of the blocks, extrapolated; exact "
         "stage not run): "
         if m.n4_projected else "n = 4 census (4,294,967,296 structures), measured: ")
        + f"{m.n4_seconds:.1f} s  (bulk {m.bulk_seconds:.1f} s, exact {m.exact_seconds:.1f} s)",
        f"ratio: baseline / engine = {m.baseline_n4 / m.n4_seconds:,.0f}×",
        f"effective pair operations: 16 · 4^16 / wall = {16 * TOTAL4 / m.n4_seconds:.3g} per s "
        f"({16 * TOTAL4 / m.n4_seconds / m.workers:.3g} per s per worker)",
        f"bulk pass: {m.candidates:,} candidates after corner + face pruning "
        f"({m.candidates / TOTAL4:.3%} of all), {13 * m.candidates / m.bulk_seconds:.3g} table "
        f"look-ups per s",
        f"n = 5 projection: face-table density d = {m.edge_density:.3f}; candidates ≈ K^8·d^12·c "
        f"= {m.n5_candidates:.3g}; time ≈ {human(m.n5_seconds)} at the n = 4 per-candidate cost "
        f"(naive per-structure method: {human(m.n5_naive_seconds)}; "
        f"ratio {m.n5_naive_seconds / m.n5_seconds:.3g}×)",
    ]
    if m.n4_result is not None:
        r = m.n4_result
        lines.append(f"n = 4 counts: certified {r.monotone_certified:,}, undecided "
                     f"{r.monotone_undecided:,}, antisymmetric ∧ monotone "
                     f"{r.antisymmetric_monotone:,}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                                        help="n = 4: bulk pass on every 10th block, extrapolated")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    print(report(measure(quick=args.quick, workers=args.workers)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
