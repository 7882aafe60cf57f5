"""Hasse diagrams as figures in the paper's style, rendered with graphviz.

Most constrained losses on the left (``rankdir=LR``), an arrow ``A → B`` for each covering pair
(A more constrained than B), each semantic region drawn as a box (a graphviz cluster) labelled
with its core formula, published losses filled and in bold, novel ones plain.

Example:
    >>> from dpalogic.logic import PreferenceStructure
    >>> from dpalogic.landscape.lattice import hasse
    >>> S = PreferenceStructure.from_worlds
    >>> d = hasse({"CPO": S(["TT", "TF"], ["TT", "FT"]), "cCPO": S(["TT", "TF"], ["FT"])},
    ...           published={"CPO"})
    >>> "rankdir=LR" in to_dot(d).source
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dpalogic.errors import DPALogicError
from dpalogic.landscape.lattice import HasseDiagram, describe_worlds

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = ["FORMATS", "render", "to_dot"]

#: Output formats :func:`render` accepts (by file suffix).
FORMATS = ("svg", "png", "pdf", "dot", "gv")

_PUBLISHED_FILL = "#cfe2f3"
_REGION_FILL = "#f7f7f7"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(diagram: HasseDiagram, *, title: str | None = None,
           show_worlds: bool | None = None) -> graphviz.Digraph:
    """The diagram as a ``graphviz.Digraph`` (no rendering; ``.source`` is the dot text).

    Args:
        diagram: from :func:`dpalogic.landscape.lattice.hasse`.
        title: optional figure title.
        show_worlds: add a second line ``✓ … ✗ …`` to each node (default: only with ≤ 2
            variables, where the world sets are short).
    """
    import graphviz

    if show_worlds is None:
        show_worlds = len(diagram.variables) <= 2
    dot = graphviz.Digraph("lattice")
    dot.attr(rankdir="LR", compound="true", newrank="true", fontname="Helvetica",
             nodesep="0.25", ranksep="0.55")
    if title:
        dot.attr(label=title, labelloc="t", fontsize="16")
    dot.attr("node", shape="box", style="rounded", fontname="Helvetica", fontsize="12")
    dot.attr("edge", arrowsize="0.7", color="#555555")
    ids = {node.name: f"n{i}" for i, node in enumerate(diagram.nodes)}
    by_name = {node.name: node for node in diagram.nodes}
    for k, region in enumerate(diagram.regions):
        with dot.subgraph(name=f"cluster_{k}") as sub:
            from dpalogic.logic import to_unicode

            sub.attr(label=_escape(to_unicode(region.formula)), style="rounded,filled",
                     fillcolor=_REGION_FILL, color="#999999", fontsize="10",
                     fontname="Helvetica-Oblique", labeljust="l")
            for name in region.members:
                node = by_name[name]
                label = node.label
                if show_worlds:
                    s = node.structure
                    label += (f"\n✓ {describe_worlds(s.top, diagram.variables)}"
                              f"  ✗ {describe_worlds(s.bottom, diagram.variables)}")
                attrs = {"label": _escape(label)}
                if node.published:
                    attrs.update(style="rounded,filled,bold", fillcolor=_PUBLISHED_FILL,
                                 penwidth="1.6")
                else:
                    attrs.update(style="rounded,filled", fillcolor="white")
                sub.node(ids[name], **attrs)
    for a, b in diagram.edges:
        dot.edge(ids[a], ids[b])
    return dot


def render(diagram: HasseDiagram, path: str | Path, *, title: str | None = None,
           show_worlds: bool | None = None, dpi: int = 150) -> Path:
    """Write the diagram to ``path``; the format comes from the suffix (svg, png, pdf, dot).

    Raises:
        DPALogicError: for an unknown suffix, or when graphviz's ``dot`` program is missing.
    """
    import graphviz

    out = Path(path)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise DPALogicError(f"unknown figure format {out.suffix!r}; use one of "
                            + ", ".join("." + f for f in FORMATS))
    dot = to_dot(diagram, title=title, show_worlds=show_worlds)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("dot", "gv"):
        out.write_text(dot.source, encoding="utf-8")
        return out
    if fmt == "png":
        dot.attr(dpi=str(dpi))
    try:
        data = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound as err:
        raise DPALogicError("graphviz's `dot` program is not installed "
                            "(apt-get install graphviz); use --json or a .dot file") from err
    out.write_bytes(data)
    return out
