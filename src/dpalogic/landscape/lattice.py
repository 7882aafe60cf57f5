"""Hasse diagrams of sets of losses and their semantic regions (SEMANTICS §4).

The Hasse diagram of a finite set of losses is the covering relation of the order restricted to
the set: an edge ``A → B`` when A is more constrained than B and no other loss of the set lies
strictly between them. Losses are grouped into *semantic regions* by their canonical core
formula ``P = Implies(✗, ✓)`` (SEMANTICS §3), as in the paper's lattice figures.

Example:
    >>> from dpalogic.logic import PreferenceStructure, NO_REF
    >>> S = lambda t, b: PreferenceStructure.from_worlds(t, b, NO_REF)
    >>> d = hasse({"CPO": S(0b1010, 0b1100), "ORPO": S(0b0010, 0b0100),
    ...            "cCPO": S(0b1010, 0b0100), "unCPO": S(0b1011, 0b0100)})
    >>> sorted(d.edges)
    [('CPO', 'cCPO'), ('ORPO', 'cCPO'), ('cCPO', 'unCPO')]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dpalogic.errors import DPALogicError
from dpalogic.landscape.order import align, code, rank, world_label, world_order

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from dpalogic.logic import Atom, Formula, PreferenceStructure

__all__ = [
    "HasseDiagram",
    "Node",
    "Region",
    "covers",
    "describe_worlds",
    "hasse",
    "reference_version",
    "region_mask",
]


@dataclass(frozen=True)
class Node:
    """One loss of a diagram; ``structure`` is lifted to the diagram's variables.

    ``aliases`` are further input names that denote the very same (✓, ✗) pair.
    """

    name: str
    structure: PreferenceStructure
    aliases: tuple[str, ...] = ()
    published: bool = False

    @property
    def label(self) -> str:
        """``name`` followed by ``= alias`` for each alias."""
        return " = ".join((self.name, *self.aliases))


@dataclass(frozen=True)
class Region:
    """A semantic region: the losses sharing the canonical core formula ``P``."""

    mask: int
    formula: Formula
    members: tuple[str, ...]

    @property
    def label(self) -> str:
        """The region's formula in the paper's notation."""
        from dpalogic.logic import to_paper

        return to_paper(self.formula)


@dataclass(frozen=True)
class HasseDiagram:
    """Nodes, covering edges ``(more_constrained, less_constrained)`` and semantic regions."""

    variables: tuple[Atom, ...]
    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str], ...]
    regions: tuple[Region, ...]

    def node(self, name: str) -> Node:
        """The node called ``name`` (or having ``name`` as an alias)."""
        for n in self.nodes:
            if name == n.name or name in n.aliases:
                return n
        raise DPALogicError(f"no loss called {name!r} in this diagram")

    def to_json(self) -> dict[str, Any]:
        """``{"nodes": [...], "edges": [[more, less], ...], "regions": {formula: [...]}, ...}``.

        ``structures`` gives, per node, its ✓/✗ worlds (bit strings, ARCHITECTURE.md), rank,
        region, aliases and whether it is a published loss.
        """
        from dpalogic.logic import to_paper

        region_of = {m: r for r in self.regions for m in r.members}
        n = len(self.variables)
        bits = ["".join("1" if (w >> i) & 1 else "0" for i in range(n)) for w in range(1 << n)]
        return {
            "variables": [to_paper(v) for v in self.variables],
            "nodes": [node.name for node in self.nodes],
            "edges": [[a, b] for a, b in self.edges],
            "regions": {r.label: list(r.members) for r in self.regions},
            "structures": {
                node.name: {
                    "top": [bits[w] for w in range(1 << n) if (node.structure.top >> w) & 1],
                    "bottom": [bits[w] for w in range(1 << n) if (node.structure.bottom >> w) & 1],
                    "rank": rank(node.structure),
                    "region": region_of[node.name].label,
                    "aliases": list(node.aliases),
                    "published": node.published,
                }
                for node in self.nodes
            },
        }

    def to_networkx(self) -> nx.DiGraph:
        """A ``networkx.DiGraph`` with the covering edges; node attributes as in :meth:`to_json`."""
        import networkx as nx

        graph = nx.DiGraph()
        region_of = {m: r.label for r in self.regions for m in r.members}
        for node in self.nodes:
            graph.add_node(node.name, structure=node.structure, aliases=node.aliases,
                           published=node.published, region=region_of[node.name])
        graph.add_edges_from(self.edges)
        return graph


def region_mask(structure: PreferenceStructure) -> int:
    """World set of the canonical core formula ``P = Implies(✗, ✓)`` = ``¬✗ ∨ ✓``."""
    full = (1 << (1 << len(structure.variables))) - 1
    return (full & ~structure.bottom) | structure.top


def covers(codes: list[int]) -> list[tuple[int, int]]:
    """Covering pairs ``(i, j)``: ``codes[i] < codes[j]`` with no code strictly between.

    Uses index bitsets: ``up[i]`` = the elements strictly above ``i``; the covers of ``i`` are
    ``up[i]`` minus everything strictly above some element of ``up[i]``.
    """
    k = len(codes)
    up = [0] * k
    for i, ci in enumerate(codes):
        for j, cj in enumerate(codes):
            if i != j and (ci & ~cj) == 0 and ci != cj:
                up[i] |= 1 << j
    out: list[tuple[int, int]] = []
    for i in range(k):
        above = 0
        rest = up[i]
        while rest:
            j = (rest & -rest).bit_length() - 1
            above |= up[j]
            rest &= rest - 1
        minimal = up[i] & ~above
        while minimal:
            j = (minimal & -minimal).bit_length() - 1
            out.append((i, j))
            minimal &= minimal - 1
    return out


def hasse(
    items: Mapping[str, PreferenceStructure] | Iterable[tuple[str, PreferenceStructure]],
    *,
    published: Collection[str] | Callable[[str], bool] = (),
) -> HasseDiagram:
    """The Hasse diagram (covering relation) and semantic regions of a set of named losses.

    Args:
        items: ``name → structure`` (or ``(name, structure)`` pairs), in display order. All
            structures are lifted to the union of their variables. Names denoting the same
            (✓, ✗) pair are merged into one node (the first name wins, the rest are aliases).
        published: names (or a predicate on names) of published losses, marked in figures.

    Returns:
        A :class:`HasseDiagram` whose edges go from the more constrained to the less
        constrained loss, and whose regions group losses by canonical ``P``.
    """
    from dpalogic.logic import formula_of

    pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
    if not pairs:
        raise DPALogicError("a lattice needs at least one loss")
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise DPALogicError(f"loss {dup!r} is given twice")
    lifted = align(*(s for _, s in pairs))
    variables = tuple(lifted[0].variables)
    is_published = published if callable(published) else (lambda n, _p=set(published): n in _p)

    by_code: dict[int, int] = {}
    groups: list[list[str]] = []
    structures: list[PreferenceStructure] = []
    for name, s in zip(names, lifted, strict=True):
        c = code(s)
        if c in by_code:
            groups[by_code[c]].append(name)
        else:
            by_code[c] = len(groups)
            groups.append([name])
            structures.append(s)
    nodes = tuple(
        Node(g[0], s, tuple(g[1:]), any(is_published(n) for n in g))
        for g, s in zip(groups, structures, strict=True)
    )
    codes = [code(s) for s in structures]
    edges = tuple((nodes[i].name, nodes[j].name) for i, j in covers(codes))

    region_members: dict[int, list[str]] = {}
    for node in nodes:
        region_members.setdefault(region_mask(node.structure), []).append(node.name)
    regions = tuple(
        Region(mask, formula_of(mask, variables), tuple(members))
        for mask, members in region_members.items()
    )
    return HasseDiagram(variables, nodes, edges, regions)


def reference_version(structure: PreferenceStructure) -> PreferenceStructure:
    """The reference version of a no-reference loss (SEMANTICS §3, "Reference versions").

    ``✓' = ✓ ∧ Ref(x,yl)`` and ``✗' = ✗ ∧ Ref(x,yw)``, so ``ρ' = ρ − log(r_w / r_l)``; the
    reference version of CPO is DPO. A structure that already mentions ``Ref`` is returned
    unchanged. The map preserves the order exactly, so a lattice and its reference version are
    isomorphic.
    """
    from dpalogic.logic import WITH_REF, Atom, standard_order

    if any(v.pred == "Ref" for v in structure.variables):
        return structure
    variables = tuple(standard_order(set(structure.variables) | set(WITH_REF)))
    s = structure.lift(variables)
    ref_w = variables.index(Atom("Ref", "yw"))
    ref_l = variables.index(Atom("Ref", "yl"))
    with_ref_w = with_ref_l = 0
    for w in range(1 << len(variables)):
        if (w >> ref_w) & 1:
            with_ref_w |= 1 << w
        if (w >> ref_l) & 1:
            with_ref_l |= 1 << w
    from dpalogic.logic import PreferenceStructure

    return PreferenceStructure.from_worlds(s.top & with_ref_l, s.bottom & with_ref_w, variables)


def describe_worlds(mask: int, variables: tuple[Atom, ...]) -> str:
    """``{TT, TF}``-style listing of a world set (bit strings outside ``NO_REF``)."""
    worlds = [world_label(w, variables) for w in world_order(variables) if (mask >> w) & 1]
    return "{" + ", ".join(worlds) + "}" if worlds else "∅"
