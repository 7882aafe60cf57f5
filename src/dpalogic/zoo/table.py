"""The registry as data: one row per entry (used by ``dpalogic zoo`` and ``docs/zoo.md``).

Example:
    >>> from dpalogic.zoo.table import entry_row
    >>> from dpalogic import zoo
    >>> row = entry_row(zoo.get("ORPO"))
    >>> row["rho"], row["PC"], row["top"], row["bottom"]
    ('log p_w (1 − p_l) / (p_l (1 − p_w))', 'M(x,yw) ⊕ M(x,yl)', ['TF'], ['FT'])
"""

from __future__ import annotations

from typing import Any

from dpalogic.zoo.registry import LossEntry


def _link_name(link: Any) -> str:
    return link if isinstance(link, str) else getattr(link, "__name__", "custom")


def entry_row(entry: LossEntry) -> dict[str, Any]:
    """Everything about *entry* as JSON-ready values (ρ via the compiler's closed form, region and
    constraints from the structure's simplified canonical triple)."""
    from dpalogic.compiler import closed_form
    from dpalogic.logic import NO_REF, to_paper, to_unicode

    s = entry.structure
    P, PC, PA = s.canonical()
    no_ref = s.variables == NO_REF
    c = entry.citation
    return {
        "name": entry.name,
        "aliases": list(entry.aliases),
        "kind": entry.kind,
        "base": entry.base,
        "rho": closed_form(s),
        "rho_latex": closed_form(s, style="latex"),
        "region": to_unicode(P),
        "PC": to_unicode(PC),
        "PA": to_unicode(PA),
        "P_paper": to_paper(P),
        "PC_paper": to_paper(PC),
        "PA_paper": to_paper(PA),
        "variables": [str(v) for v in s.variables],
        "top": s.top_names() if no_ref else s.top_bits(),
        "bottom": s.bottom_names() if no_ref else s.bottom_bits(),
        "requires_reference": entry.requires_reference,
        "link": _link_name(entry.link),
        "defaults": {k: v for k, v in entry.defaults.items()},
        "regularizers": [getattr(r, "__name__", str(r)).lstrip("_") for r in entry.regularizers],
        "formula_latex": entry.formula_latex,
        "original": entry.original,
        "citation": {
            "short": c.short,
            "authors": c.authors,
            "year": c.year,
            "title": c.title,
            "venue": c.venue,
            "arxiv": c.arxiv,
        },
        "notes": entry.notes,
    }


def rows(kind: str | None = None) -> list[dict[str, Any]]:
    """One row per registered entry, in declaration order."""
    from dpalogic import zoo

    return [entry_row(e) for e in zoo.entries(kind)]
