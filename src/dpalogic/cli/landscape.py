"""CLI commands over the loss landscape: ``lattice``, ``neighbours``, ``between``, ``compare``.

Thin shells over :mod:`dpalogic.landscape`; every loss argument is a zoo name or a program string
(``"P; PC=...; PA=..."``), resolved by :func:`dpalogic.api.resolve`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dpalogic.errors import DPALogicError

if TYPE_CHECKING:  # pragma: no cover
    from dpalogic.logic import PreferenceStructure


@dataclass(frozen=True)
class _Loss:
    """A resolved command-line loss: display name, structure, published flag."""

    name: str
    structure: PreferenceStructure
    published: bool


@lru_cache(maxsize=1)
def _zoo() -> tuple[tuple[str, str, str | None, PreferenceStructure], ...]:
    """``(name, kind, base, structure)`` for every zoo entry (empty if the zoo is unavailable)."""
    try:
        from dpalogic import zoo
    except ImportError:  # pragma: no cover - zoo lands separately
        return ()
    return tuple((e.name, e.kind, getattr(e, "base", None), e.structure) for e in zoo.entries())


def _same(a: PreferenceStructure, b: PreferenceStructure) -> bool:
    from dpalogic.landscape.order import align

    la, lb = align(a, b)
    return (la.top, la.bottom) == (lb.top, lb.bottom)


def _identical_names(s: PreferenceStructure) -> list[str]:
    """Zoo entries with exactly the same (✓, ✗) as ``s`` (after lifting), published first."""
    order = {"published": 0, "novel": 1, "reference-version": 2}
    hits = [(order.get(kind, 3), name) for name, kind, _, t in _zoo() if _same(s, t)]
    return [name for _, name in sorted(hits, key=lambda h: h[0])]


def _kind_of(name: str) -> str | None:
    return next((kind for n, kind, _, _ in _zoo() if n == name), None)


def _resolve(spec: str, *, reference: bool = False) -> _Loss:
    """Resolve a CLI argument; with ``reference``, lift it to its reference version."""
    from dpalogic.api import loss_name, resolve
    from dpalogic.landscape.lattice import reference_version

    s = resolve(spec)
    zoo_name = loss_name(spec)
    if zoo_name is None:  # a program: name it after an identical named loss when there is one
        same = _identical_names(s)
        zoo_name = same[0] if same else None
    name = zoo_name or spec.strip()
    if reference and not s.mentions_reference:
        ref = reference_version(s)
        candidates = _identical_names(ref)
        based = [n for n, kind, base, _ in _zoo() if base == zoo_name and n in candidates]
        if based:
            name = based[0]
        elif candidates:
            name = candidates[0]
        else:
            name = f"ref-{name}" if zoo_name else f"ref({name})"
        s = ref
    return _Loss(name, s, _kind_of(name) == "published")


def _worlds(mask: int, variables: Any) -> list[str]:
    from dpalogic.landscape.order import world_label, world_order

    return [world_label(w, variables) for w in world_order(variables) if (mask >> w) & 1]


def _structure_json(s: PreferenceStructure) -> dict[str, Any]:
    from dpalogic.logic import to_paper

    return {
        "variables": [to_paper(v) for v in s.variables],
        "top": _worlds(s.top, s.variables),
        "bottom": _worlds(s.bottom, s.variables),
        "named": _identical_names(s),
    }


def _fmt_worlds(mask: int, variables: Any) -> str:
    """World names for small vocabularies, a minimised formula (e.g. ``M(x,yw) ∧ Ref(x,yl)``)
    beyond three variables, where world lists get long."""
    if len(variables) > 3:
        from dpalogic.logic import formula_of, to_unicode

        return to_unicode(formula_of(mask, variables))
    names = _worlds(mask, variables)
    return ", ".join(names) if names else "∅"


def _console() -> Any:
    from rich.console import Console

    return Console()


# --------------------------------------------------------------------------- commands


def lattice(
    losses: list[str] = typer.Argument(..., help="Loss names or programs ('P; PC=...; PA=...')."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Write the figure (.svg, .png, .pdf or .dot)."),
    as_json: bool = typer.Option(False, "--json", help="Print nodes, edges and regions as JSON."),
    reference: bool = typer.Option(False, "--reference",
                                   help="Lift no-reference losses to their reference versions."),
    title: str | None = typer.Option(None, "--title", help="Figure title."),
    worlds: bool | None = typer.Option(None, "--worlds/--no-worlds",
                                       help="Show ✓/✗ worlds in the nodes (default: no-ref only)."),
) -> None:
    """Hasse diagram of the given losses: most constrained on the left, regions as boxes."""
    from dpalogic.landscape.lattice import hasse
    from dpalogic.landscape.render import render

    resolved = [_resolve(spec, reference=reference) for spec in losses]
    seen: set[str] = set()
    items = []
    for loss in resolved:
        if loss.name in seen:
            continue
        seen.add(loss.name)
        items.append((loss.name, loss.structure))
    published = {loss.name for loss in resolved if loss.published}
    diagram = hasse(items, published=published)
    if out is not None:
        path = render(diagram, out, title=title, show_worlds=worlds)
        if not as_json:
            print(f"wrote {path}")
    if as_json:
        print(json.dumps(diagram.to_json(), ensure_ascii=False, indent=2))
        return
    if out is not None:
        return
    from rich.table import Table

    from dpalogic.logic import to_unicode

    console = _console()
    table = Table(title="Hasse diagram (A → B: A more constrained than B)")
    table.add_column("region (core formula P)")
    table.add_column("loss")
    table.add_column("✓")
    table.add_column("✗")
    table.add_column("→ less constrained")
    covers: dict[str, list[str]] = {}
    for a, b in diagram.edges:
        covers.setdefault(a, []).append(b)
    for region in diagram.regions:
        for i, name in enumerate(region.members):
            node = diagram.node(name)
            table.add_row(to_unicode(region.formula) if i == 0 else "",
                          node.label + (" *" if node.published else ""),
                          _fmt_worlds(node.structure.top, diagram.variables),
                          _fmt_worlds(node.structure.bottom, diagram.variables),
                          ", ".join(covers.get(name, [])) or "—")
    console.print(table)
    console.print("* published loss")


def neighbours_command(
    loss: str = typer.Argument(..., help="A loss name or program."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The immediate neighbours of a loss: one world's state changed, one step up or down."""
    from dpalogic.landscape.neighbours import neighbours

    resolved = _resolve(loss)
    nb = neighbours(resolved.structure)

    def row(step: Any) -> dict[str, Any]:
        return {"world": step.world_name, "before": step.before.label, "after": step.after.label,
                "change": step.change, **_structure_json(step.structure)}

    if as_json:
        print(json.dumps({
            "loss": resolved.name,
            "structure": _structure_json(resolved.structure),
            "more_constrained": [row(s) for s in nb.more_constrained],
            "less_constrained": [row(s) for s in nb.less_constrained],
        }, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    s = resolved.structure
    table = Table(title=f"Neighbours of {resolved.name}  (✓ {_fmt_worlds(s.top, s.variables)}"
                        f"  ✗ {_fmt_worlds(s.bottom, s.variables)})")
    for col in ("direction", "change", "✓", "✗", "named loss"):
        table.add_column(col)
    for label, steps in (("more constrained", nb.more_constrained),
                         ("less constrained", nb.less_constrained)):
        for step in steps:
            t = step.structure
            table.add_row(label, str(step), _fmt_worlds(t.top, t.variables),
                          _fmt_worlds(t.bottom, t.variables),
                          ", ".join(_identical_names(t)) or "")
    _console().print(table)


def between(
    lower: str = typer.Argument(..., help="The more constrained end A (name or program)."),
    upper: str = typer.Argument(..., help="The less constrained end B (name or program)."),
    where: list[str] = typer.Option([], "--where", "-w",
                                    help="Keep losses with this property (repeatable; "
                                         "prefix 'not-' to negate)."),
    limit: int = typer.Option(20, "--limit", "-n", help="Show at most this many losses."),
    count_matches: bool = typer.Option(False, "--count",
                                       help="Count the matching losses exactly (enumerates)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every loss X with A ≤ X ≤ B (A at least as constrained as X): exact count + a listing."""
    from dpalogic.landscape.neighbours import interval, resolve_predicates

    if limit < 0:
        raise DPALogicError("--limit must be non-negative")
    a, b = _resolve(lower), _resolve(upper)
    iv = interval(a.structure, b.structure)
    checks = resolve_predicates(where)
    shown = list(iv.where(*checks, limit=limit))
    matching: int | None = None
    if not where:
        matching = iv.count
    elif count_matches:
        matching = sum(1 for _ in iv.where(*checks))
    if as_json:
        print(json.dumps({
            "lower": a.name, "upper": b.name, "count": iv.count, "where": list(where),
            "matching": matching,
            "per_world": {w: [st.label for st in states] for w, states in iv.choices()},
            "losses": [_structure_json(s) for s in shown],
        }, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    console = _console()
    factors = " × ".join(str(len(states)) for _, states in iv.choices())
    console.print(f"{iv.count} losses between {a.name} and {b.name} (= {factors}, one factor "
                  f"per world)")
    if where:
        text = str(matching) if matching is not None else "not counted (use --count)"
        console.print(f"matching {', '.join(where)}: {text}")
    table = Table()
    for col in ("#", "✓", "✗", "named loss"):
        table.add_column(col)
    for i, s in enumerate(shown):
        table.add_row(str(i + 1), _fmt_worlds(s.top, s.variables),
                      _fmt_worlds(s.bottom, s.variables), ", ".join(_identical_names(s)))
    console.print(table)


def compare_command(
    a: str = typer.Argument(..., help="First loss (name or program)."),
    b: str | None = typer.Argument(None, help="Second loss; omit it to list the named losses "
                                              "with the same loss function as A."),
    bind_copies: bool = typer.Option(False, "--bind-copies",
                                     help="Treat copies M2, Ref2, … as their originals."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Order (more/less constrained, equal, incomparable) and functional equivalence."""
    from dpalogic.landscape.equivalence import coincides_with, decide
    from dpalogic.landscape.order import compare, join, meet

    la = _resolve(a)
    if b is None:
        named = [(name, s) for name, _, _, s in _zoo()]
        matches = coincides_with(la.structure, named, bind_copies=bind_copies)
        if as_json:
            print(json.dumps({"loss": la.name, "structure": _structure_json(la.structure),
                              "same_loss_as": [{"name": m.name, "identical": m.identical}
                                               for m in matches]}, ensure_ascii=False, indent=2))
            return
        console = _console()
        if not matches:
            console.print(f"{la.name} coincides with no named loss")
        for m in matches:
            how = "identical ✓/✗" if m.identical else "same loss function, different worlds"
            console.print(f"{la.name} ≡ {m.name} ({how})")
        return
    lb = _resolve(b)
    cmp = compare(la.structure, lb.structure, (la.name, lb.name))
    eq = decide(la.structure, lb.structure, bind_copies=bind_copies)
    m, j = meet(la.structure, lb.structure), join(la.structure, lb.structure)
    if as_json:
        print(json.dumps({**cmp.to_dict(), "equivalence": eq.to_dict(),
                          "meet": _structure_json(m), "join": _structure_json(j)},
                         ensure_ascii=False, indent=2))
        return
    console = _console()
    console.print(f"{la.name} {cmp.relation.symbol} {lb.name}: {cmp.relation.value}")
    console.print(cmp.reason)
    verdict = "same loss function" if eq.equivalent else "different loss functions"
    console.print(f"equivalence: {verdict} — {eq.reason}")
    for label, s in (("meet", m), ("join", j)):
        named = ", ".join(_identical_names(s))
        console.print(f"{label}: ✓ {_fmt_worlds(s.top, s.variables)}  "
                      f"✗ {_fmt_worlds(s.bottom, s.variables)}" + (f"  ({named})" if named else ""))


def register(app: typer.Typer) -> None:
    """Add ``lattice``, ``neighbours``, ``between`` and ``compare`` to *app*."""
    app.command("lattice")(lattice)
    app.command("neighbours")(neighbours_command)
    app.command("between")(between)
    app.command("compare")(compare_command)
