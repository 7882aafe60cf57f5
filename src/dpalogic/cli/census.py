"""CLI command ``dpalogic census [--reference] [--json] [--workers N]``.

A thin shell over :func:`dpalogic.landscape.census.census`: a rich table of the counts of every
property and of their combinations (progress bar on stderr), or the JSON alone with ``--json``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from dpalogic.errors import DPALogicError

_PHASES = {
    "structures": "deciding structures",
    "bulk": "bulk pass (cell-0 blocks)",
    "exact": "exact decisions (distinct polynomials)",
    "antisymmetric": "antisymmetric structures",
}


def _run(reference: bool, workers: int | None, show_progress: bool) -> Any:
    from dpalogic.landscape.census import census

    if not show_progress:
        return census(reference, workers=workers)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(_PHASES.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)

        return census(reference, workers=workers, progress=progress)


def census_command(
    reference: bool = typer.Option(False, "--reference",
                                   help="n = 4 (M and Ref atoms, 4,294,967,296 structures) "
                                        "instead of n = 2 (256 structures)."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON only."),
    workers: int | None = typer.Option(None, "--workers", "-j",
                                       help="Worker processes for n = 4 (default: all CPUs)."),
) -> None:
    """Exact census: degenerate, policy-independent, antisymmetric, preference-monotone counts."""
    if workers is not None and workers < 1:
        raise DPALogicError(f"--workers must be at least 1, got {workers}")
    result = _run(reference, workers, show_progress=not as_json and sys.stderr.isatty())
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    summary = Table(title=f"Census of all {result.total:,} structures (n = {result.n}); "
                          f"{result.seconds:.1f} s")
    summary.add_column("property")
    summary.add_column("count", justify="right")
    summary.add_column("note")
    rows = [
        ("total", result.total, ""),
        ("degenerate", result.degenerate, "✓ = ∅, ✗ = ∅ or ✓ = ✗"),
        ("policy-independent", result.policy_independent, "not degenerate, ρ free of p_w, p_l"),
        ("proper", result.proper, "neither of the above (the counts below are among these)"),
        ("antisymmetric", result.antisymmetric, "swap y_w ↔ y_l maps ✓ onto ✗"),
        ("monotone: certified", result.monotone_certified, "preference-monotone"),
        ("monotone: refuted", result.monotone_refuted, "a witness point exists"),
        ("monotone: undecided", result.monotone_undecided, ""),
        ("antisymmetric ∧ monotone", result.antisymmetric_monotone, "the headline count"),
    ]
    for name, count, note in rows:
        summary.add_row(name, f"{count:,}", note)
    console.print(summary)
    combos = Table(title="Combinations (a partition of all structures)")
    for col in ("class", "antisymmetric", "monotone"):
        combos.add_column(col)
    combos.add_column("count", justify="right")
    for cls, anti, mono, count in result.combinations:
        combos.add_row(cls, "yes" if anti else "no", mono, f"{count:,}")
    console.print(combos)


def register(app: typer.Typer) -> None:
    """Add ``census`` to *app*."""
    app.command("census")(census_command)
