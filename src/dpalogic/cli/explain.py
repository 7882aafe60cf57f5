"""``dpalogic explain``: a structure, its truth table, its semantic region and ρ in closed form.

A thin shell over :func:`dpalogic.api.resolve` and :func:`dpalogic.compiler.closed_form`.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from dpalogic.compiler.closed_form import closed_form
from dpalogic.logic import to_paper, world_bits


def explain_data(program: str, pc: str | None = None, pa: str | None = None) -> dict[str, Any]:
    """The JSON view of a loss: name, variables, written P/PC/PA, ✓ and ✗ worlds, ρ, region.

    ``top``/``bottom`` are bit strings whose i-th character is the truth of ``variables[i]``.

    Example:
        >>> d = explain_data("Implies(M(x,yl),M(x,yw)); PC=XOR(M(x,yl),M(x,yw))")
        >>> d["top"], d["bottom"], d["rho"]
        (['10'], ['01'], 'log p_w (1 − p_l) / (p_l (1 − p_w))')
    """
    from dpalogic import api

    s = api.resolve(program, PC=pc, PA=pa)
    name = api.loss_name(program) if pc is None and pa is None else None
    p, c, a = s.written()
    return {
        "name": name,
        "variables": [to_paper(v) for v in s.variables],
        "P": to_paper(p),
        "PC": to_paper(c),
        "PA": to_paper(a),
        "top": s.top_bits(),
        "bottom": s.bottom_bits(),
        "rho": closed_form(s),
        "region": to_paper(s.region),
        "degeneracy": s.degeneracy,
    }


_STATE_STYLE = {"✓": "green", "✗": "red", "both": "yellow", "neither": "dim"}


def _print_rich(program: str, pc: str | None, pa: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from dpalogic import api

    s = api.resolve(program, PC=pc, PA=pa)
    d = explain_data(program, pc, pa)
    console = Console(highlight=False, soft_wrap=True)
    title = d["name"] or program
    console.print(f"[bold]{title}[/bold]")
    console.print(f"  P  = {d['P']}")
    console.print(f"  PC = {d['PC']}")
    console.print(f"  PA = {d['PA']}")
    table = Table(title="worlds", show_lines=False)
    table.add_column("world")
    for v in d["variables"]:
        table.add_column(v, justify="center")
    table.add_column("state", justify="center")
    for w, wname, state in s.table():
        bits = world_bits(w, s.n)
        style = _STATE_STYLE[state]
        table.add_row(
            wname,
            *("T" if b == "1" else "F" for b in bits),
            f"[{style}]{state}[/{style}]",
        )
    console.print(table)
    console.print(f"✓ = {{{', '.join(s.top_names())}}}   ✗ = {{{', '.join(s.bottom_names())}}}")
    console.print(f"region: {d['region']}")
    console.print(f"ρ = {d['rho']}")
    if d["degeneracy"]:
        console.print(f"[yellow]degenerate: {d['degeneracy']}[/yellow]")


def register(app: typer.Typer) -> None:
    """Add ``explain`` to *app*."""

    @app.command("explain")
    def explain(
        program: str = typer.Argument(
            ..., help="A zoo loss name (e.g. DPO) or a program 'P[; PC=...][; PA=...]'."
        ),
        pc: str | None = typer.Option(None, "--pc", help="Conditioning constraint P_C."),
        pa: str | None = typer.Option(None, "--pa", help="Additive constraint P_A."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Show a loss as a preference structure: truth table, region and ρ in closed form."""
        if as_json:
            print(json.dumps(explain_data(program, pc, pa), ensure_ascii=False))
        else:
            _print_rich(program, pc, pa)
