"""CLI command ``dpalogic zoo [NAME] [--kind KIND] [--trl] [--json]``: the loss registry."""

from __future__ import annotations

import json
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Add the ``zoo`` command to *app*."""

    @app.command("zoo")
    def zoo_cmd(
        name: str = typer.Argument(None, help="Show one loss (any alias, any case)."),
        kind: str = typer.Option(
            None, "--kind", help="Only 'published', 'novel' or 'reference-version' entries."
        ),
        trl: bool = typer.Option(False, "--trl", help="The classification of TRL 1.16's losses."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """List the registry of named DPA losses: name, ρ, region, P_C, P_A, citation."""
        from dpalogic import zoo
        from dpalogic.zoo.table import entry_row, rows

        if trl:
            data = _trl_rows()
            if as_json:
                print(json.dumps(data, ensure_ascii=False))
            else:
                _print_trl(data)
            return
        if name is not None:
            row = entry_row(zoo.get(name))
            if as_json:
                print(json.dumps(row, ensure_ascii=False))
            else:
                _print_entry(row)
            return
        table = rows(kind)
        if as_json:
            print(json.dumps(table, ensure_ascii=False))
        else:
            _print_table(table)


def _trl_rows() -> list[dict[str, Any]]:
    from dpalogic.zoo.trl_losses import TRL_LOSSES

    return [
        {
            "trainer": t.trainer,
            "loss_type": t.loss_type,
            "kind": t.kind,
            "terms": [
                {
                    "structure": term.structure,
                    "link": term.link if isinstance(term.link, str) else term.link.__name__,
                    "weight": term.weight,
                }
                for term in t.terms
            ],
            "length_normalize": t.length_normalize,
            "zoo": t.zoo,
            "reason": t.reason,
            "source": t.source,
        }
        for t in TRL_LOSSES
    ]


def _print_table(table: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    out = Table(title=f"dpalogic loss zoo ({len(table)} losses)")
    out.add_column("name", no_wrap=True)
    for col in ("ρ", "region (P)", "P_C", "P_A", "citation"):
        out.add_column(col, overflow="fold")
    for r in table:
        c = r["citation"]
        cite = c["short"] + (f" arXiv:{c['arxiv']}" if c["arxiv"] else "")
        out.add_row(
            escape(r["name"]), escape(r["rho"]), escape(r["region"]), escape(r["PC"]),
            escape(r["PA"]), escape(cite),
        )  # fmt: skip
    Console().print(out)


def _print_entry(r: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    c = r["citation"]
    out = Table(title=r["name"], show_header=False)
    out.add_column("field", style="bold")
    out.add_column("value", overflow="fold")
    fields = [
        ("aliases", ", ".join(r["aliases"]) or "—"),
        ("kind", r["kind"] + (f" (of {r['base']})" if r["base"] else "")),
        ("ρ", r["rho"]),
        ("P", r["P_paper"]),
        ("P_C", r["PC_paper"]),
        ("P_A", r["PA_paper"]),
        ("✓", " ".join(r["top"]) or "∅"),
        ("✗", " ".join(r["bottom"]) or "∅"),
        ("variables", ", ".join(r["variables"])),
        ("link", r["link"]),
        ("defaults", ", ".join(f"{k}={v}" for k, v in r["defaults"].items())),
        ("regularizers", ", ".join(r["regularizers"]) or "—"),
        ("reference model", "yes" if r["requires_reference"] else "no"),
        ("original", r["original"]),
        ("citation", f"{c['authors']} ({c['year']}). {c['title']}. {c['venue']}"
         + (f", arXiv:{c['arxiv']}" if c["arxiv"] else "")),
        ("notes", r["notes"] or "—"),
    ]  # fmt: skip
    for key, value in fields:
        out.add_row(key, escape(str(value)))
    Console().print(out)


def _print_trl(data: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    out = Table(title="TRL 1.16 losses, classified")
    for col in ("trainer", "loss_type", "kind"):
        out.add_column(col, no_wrap=True)
    for col in ("structure(s) · link", "why"):
        out.add_column(col, overflow="fold")
    for t in data:
        terms = " + ".join(
            (f"{x['weight']:g}·" if x["weight"] != 1 else "") + f"{x['structure']}·{x['link']}"
            for x in t["terms"]
        )
        out.add_row(
            t["trainer"], t["loss_type"], t["kind"], escape(terms or "—"), escape(t["reason"])
        )
    Console().print(out)
