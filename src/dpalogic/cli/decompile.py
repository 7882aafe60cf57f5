"""CLI command ``dpalogic decompile "EXPR" [--json]``: a loss as text → its preference structure."""

from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    """Add the ``decompile`` command to *app*."""

    @app.command("decompile", context_settings={"ignore_unknown_options": True})
    def decompile_cmd(
        expr: str = typer.Argument(
            ..., help='The loss, e.g. "-logsigmoid(beta*(logp_w - logp_l))"'
        ),
        as_json: bool = typer.Option(
            False, "--json", help="Print explain's JSON plus link/beta/stripped."
        ),
        penalties: str = typer.Option(
            "copies", help="DPOP-style penalty inside the link: 'copies' or 'regularizer'."
        ),
    ) -> None:
        """Decompile a DPA loss into its preference structure, link, β and stripped parts."""
        from dpalogic.decompiler import decompile

        result = decompile(expr, penalties=penalties)
        if as_json:
            print(json.dumps(result.to_json(), ensure_ascii=False))
            return
        _print_rich(result)


def _print_rich(result: object) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from dpalogic.decompiler import Decompiled

    assert isinstance(result, Decompiled)
    console = Console()
    for i, term in enumerate(result.terms):
        data = term.to_json()
        table = Table(
            title=f"term {i + 1}" if len(result.terms) > 1 else "decompiled", show_header=False
        )
        table.add_column("field", style="bold")
        table.add_column("value")
        for key in ("P", "PC", "PA"):
            table.add_row(key, escape(data[key]))
        table.add_row("variables", ", ".join(data["variables"]))
        names = term.structure
        table.add_row("✓", " ".join(names.top_names()))
        table.add_row("✗", " ".join(names.bottom_names()))
        table.add_row("ρ", data["rho"])
        link = data["link"] + (f" {data['link_params']}" if data["link_params"] else "")
        table.add_row("link f", link)
        table.add_row("β", data["beta"])
        if data["weight"] != "1":
            table.add_row("weight", data["weight"])
        console.print(table)
    stripped = result.all_stripped()
    if stripped:
        console.print("[bold]stripped[/bold] (kept by the compiled round trip):")
        for s in stripped:
            console.print(escape(f"  • [{s.kind}] {s.detail}"))
