"""The order on losses: compare, meet and join of preference structures (SEMANTICS §4).

Loss A is *more constrained* than loss B (``A → B``, written ``A < B`` here) when

    ✓_A ⊆ ✓_B   and   ✗_A ⊇ ✗_B      (and A ≠ B),

so that ℓ_A ≥ ℓ_B for every model and every example (WMC is monotone in the world set). The
most constrained loss (✓ = ∅, ✗ = every world) is the bottom of the lattice, the least
constrained one (✓ = every world, ✗ = ∅) is the top.

Bit-vector view used throughout this package: over ``n`` variables a structure is the
``2·2^n``-bit vector ``code = ✓ | (¬✗ << 2^n)``; then ``A ≤ B`` iff ``code_A ⊆ code_B`` bitwise,
``meet`` is bitwise and, ``join`` is bitwise or, and the lattice is the Boolean lattice of
``2^(n+1)`` atoms. Per world the four states form a diamond::

    ✗ only  <  neither, both  <  ✓ only

Structures over different vocabularies are compared after lifting both to the union of their
variables (in :func:`dpalogic.logic.standard_order`); lifting never changes the loss.

Example:
    >>> from dpalogic.logic import PreferenceStructure, NO_REF
    >>> cpo = PreferenceStructure.from_worlds(0b1010, 0b1100, NO_REF)   # ✓ TT,TF  ✗ TT,FT
    >>> ccpo = PreferenceStructure.from_worlds(0b1010, 0b0100, NO_REF)  # ✓ TT,TF  ✗ FT
    >>> compare(cpo, ccpo).relation
    <Relation.MORE_CONSTRAINED: 'more-constrained'>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dpalogic.errors import DPALogicError

if TYPE_CHECKING:  # pragma: no cover
    from dpalogic.logic import Atom, PreferenceStructure

__all__ = [
    "Comparison",
    "Relation",
    "Witness",
    "WorldState",
    "align",
    "bottom_element",
    "code",
    "common_variables",
    "compare",
    "from_code",
    "is_leq",
    "is_less",
    "join",
    "meet",
    "rank",
    "state_of",
    "top_element",
    "world_label",
    "world_order",
]

class Relation(enum.Enum):
    """How loss A relates to loss B."""

    MORE_CONSTRAINED = "more-constrained"  # A → B: ✓_A ⊆ ✓_B, ✗_A ⊇ ✗_B, A ≠ B
    LESS_CONSTRAINED = "less-constrained"  # B → A
    EQUAL = "equal"  # same (✓, ✗) after lifting
    INCOMPARABLE = "incomparable"

    @property
    def symbol(self) -> str:
        """``<``, ``>``, ``=`` or ``∥`` (``<`` reads "more constrained than")."""
        return {"more-constrained": "<", "less-constrained": ">", "equal": "=",
                "incomparable": "∥"}[self.value]


class WorldState(enum.Enum):
    """The state of one world in a structure: which side(s) of the ratio count it."""

    BOTTOM = "✗"  # counted against only
    NEITHER = "·"  # not counted
    BOTH = "✓✗"  # counted on both sides
    TOP = "✓"  # counted for only

    @property
    def label(self) -> str:
        """Human words: ``✓ only``, ``✗ only``, ``both``, ``neither``."""
        return {"✗": "✗ only", "·": "neither", "✓✗": "both", "✓": "✓ only"}[self.value]


def world_label(world: int, variables: Sequence[Atom]) -> str:
    """Display name of a world: T/F letters in variable order (the paper's ``TF`` over ``NO_REF``).

    >>> from dpalogic.logic import NO_REF
    >>> world_label(0b01, NO_REF)
    'TF'
    """
    from dpalogic.logic import world_name

    return world_name(world, len(variables))


def world_order(variables: Sequence[Atom]) -> list[int]:
    """Worlds in display order: the paper's ``TT, TF, FT, FF`` over ``NO_REF``, else ascending."""
    from dpalogic.logic import NO_REF

    if tuple(variables) == tuple(NO_REF):
        return [0b11, 0b01, 0b10, 0b00]
    return list(range(1 << len(variables)))


def state_of(structure: PreferenceStructure, world: int) -> WorldState:
    """The :class:`WorldState` of ``world`` in ``structure``."""
    in_top = (structure.top >> world) & 1
    in_bottom = (structure.bottom >> world) & 1
    if in_top and in_bottom:
        return WorldState.BOTH
    if in_top:
        return WorldState.TOP
    if in_bottom:
        return WorldState.BOTTOM
    return WorldState.NEITHER


# --------------------------------------------------------------------------- vocabularies


def common_variables(*structures: PreferenceStructure) -> tuple[Atom, ...]:
    """The union of the structures' variables, in the standard order."""
    from dpalogic.logic import standard_order

    if not structures:
        raise DPALogicError("no structures given")
    first = tuple(structures[0].variables)
    if all(tuple(s.variables) == first for s in structures):
        return first
    atoms: set[Atom] = set()
    for s in structures:
        atoms.update(s.variables)
    return tuple(standard_order(atoms))


def align(*structures: PreferenceStructure) -> tuple[PreferenceStructure, ...]:
    """Lift every structure to :func:`common_variables` (a no-op when they already agree)."""
    variables = common_variables(*structures)
    return tuple(s if tuple(s.variables) == variables else s.lift(variables) for s in structures)


# --------------------------------------------------------------------------- bit-vector view


def _full(n: int) -> int:
    return (1 << (1 << n)) - 1


def code(structure: PreferenceStructure) -> int:
    """The order-embedding bit vector ``✓ | (¬✗ << 2^n)`` (``A ≤ B`` iff ``code(A) ⊆ code(B)``)."""
    n = len(structure.variables)
    return structure.top | ((_full(n) & ~structure.bottom) << (1 << n))


def from_code(value: int, variables: Sequence[Atom]) -> PreferenceStructure:
    """Inverse of :func:`code` over ``variables``."""
    from dpalogic.logic import PreferenceStructure

    width = 1 << len(variables)
    full = (1 << width) - 1
    top = value & full
    bottom = full & ~(value >> width)
    return PreferenceStructure.from_worlds(top, bottom, tuple(variables))


def rank(structure: PreferenceStructure) -> int:
    """Height in the lattice: 0 for the most constrained loss, ``2^(n+1)`` for the least."""
    return code(structure).bit_count()


def bottom_element(variables: Sequence[Atom]) -> PreferenceStructure:
    """The most constrained loss: ✓ = ∅, ✗ = every world (ρ ≡ −∞)."""
    return from_code(0, variables)


def top_element(variables: Sequence[Atom]) -> PreferenceStructure:
    """The least constrained loss: ✓ = every world, ✗ = ∅ (ρ ≡ +∞, zero loss)."""
    return from_code((1 << (2 << len(variables))) - 1, variables)


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Witness:
    """A world that breaks one direction of the order.

    ``side`` is ``"✓"`` when ``world`` is in ✓ of ``inside`` but not of ``outside``, and ``"✗"``
    when it is in ✗ of ``inside`` but not of ``outside``.
    """

    world: int
    name: str
    side: str
    inside: str
    outside: str

    def __str__(self) -> str:
        side = self.side
        return f"world {self.name} is in {side}_{self.inside} but not in {side}_{self.outside}"


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`: relation, the lifted structures and the reasons."""

    relation: Relation
    a: PreferenceStructure
    b: PreferenceStructure
    variables: tuple[Atom, ...]
    #: worlds that break ``A ≤ B`` (empty iff A is at least as constrained as B)
    not_a_le_b: tuple[Witness, ...]
    #: worlds that break ``B ≤ A``
    not_b_le_a: tuple[Witness, ...]
    names: tuple[str, str] = ("A", "B")

    @property
    def reason(self) -> str:
        """One sentence saying why the relation holds, naming the world(s) that decide it."""
        a, b = self.names
        if self.relation is Relation.EQUAL:
            return f"{a} and {b} have the same ✓ and ✗ worlds"
        if self.relation is Relation.MORE_CONSTRAINED:
            return (f"{a} → {b}: ✓_{a} ⊆ ✓_{b} and ✗_{a} ⊇ ✗_{b}; "
                    f"{b} is not → {a} because {self.not_b_le_a[0]}")
        if self.relation is Relation.LESS_CONSTRAINED:
            return (f"{b} → {a}: ✓_{b} ⊆ ✓_{a} and ✗_{b} ⊇ ✗_{a}; "
                    f"{a} is not → {b} because {self.not_a_le_b[0]}")
        return (f"incomparable: {a} is not → {b} because {self.not_a_le_b[0]}, "
                f"and {b} is not → {a} because {self.not_b_le_a[0]}")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary."""
        return {
            "relation": self.relation.value,
            "reason": self.reason,
            "a": self.names[0],
            "b": self.names[1],
            "breaks_a_le_b": [str(w) for w in self.not_a_le_b],
            "breaks_b_le_a": [str(w) for w in self.not_b_le_a],
        }


def _witnesses(x: PreferenceStructure, y: PreferenceStructure, variables: tuple[Atom, ...],
               xname: str, yname: str) -> tuple[Witness, ...]:
    """Worlds breaking ``x ≤ y``: in ✓_x \\ ✓_y, or in ✗_y \\ ✗_x."""
    out: list[Witness] = []
    extra_top = x.top & ~y.top
    missing_bottom = y.bottom & ~x.bottom
    for w in range(1 << len(variables)):
        if (extra_top >> w) & 1:
            out.append(Witness(w, world_label(w, variables), "✓", xname, yname))
        if (missing_bottom >> w) & 1:
            out.append(Witness(w, world_label(w, variables), "✗", yname, xname))
    return tuple(out)


def compare(a: PreferenceStructure, b: PreferenceStructure,
            names: tuple[str, str] = ("A", "B")) -> Comparison:
    """Compare two losses under the order of SEMANTICS §4, with the worlds that decide it.

    ``Relation.MORE_CONSTRAINED`` means ``a → b`` (✓_a ⊆ ✓_b, ✗_a ⊇ ✗_b, a ≠ b), hence
    ``ℓ_a ≥ ℓ_b`` pointwise. Different vocabularies are lifted to their union first.

    >>> from dpalogic.logic import PreferenceStructure, NO_REF
    >>> ce = PreferenceStructure.from_worlds(0b1010, 0b0101, NO_REF)  # world w: bit w
    >>> ceunl = PreferenceStructure.from_worlds(0b0010, 0b1101, NO_REF)
    >>> print(compare(ceunl, ce, ("CEUnl", "CE")).reason)  # doctest: +ELLIPSIS
    CEUnl → CE: ...
    """
    la, lb = align(a, b)
    variables = tuple(la.variables)
    not_ab = _witnesses(la, lb, variables, names[0], names[1])
    not_ba = _witnesses(lb, la, variables, names[1], names[0])
    if not not_ab and not not_ba:
        relation = Relation.EQUAL
    elif not not_ab:
        relation = Relation.MORE_CONSTRAINED
    elif not not_ba:
        relation = Relation.LESS_CONSTRAINED
    else:
        relation = Relation.INCOMPARABLE
    return Comparison(relation, la, lb, variables, not_ab, not_ba, names)


def is_leq(a: PreferenceStructure, b: PreferenceStructure) -> bool:
    """``a ≤ b``: a is at least as constrained as b (✓_a ⊆ ✓_b and ✗_a ⊇ ✗_b)."""
    la, lb = align(a, b)
    return (la.top & ~lb.top) == 0 and (lb.bottom & ~la.bottom) == 0


def is_less(a: PreferenceStructure, b: PreferenceStructure) -> bool:
    """``a < b``: a is strictly more constrained than b (``a → b`` in the paper's lattice)."""
    la, lb = align(a, b)
    return is_leq(la, lb) and (la.top, la.bottom) != (lb.top, lb.bottom)


# --------------------------------------------------------------------------- meet / join


def _reduce(structures: Iterable[PreferenceStructure], *, is_meet: bool) -> PreferenceStructure:
    from dpalogic.logic import PreferenceStructure

    items = align(*structures)
    variables = tuple(items[0].variables)
    top, bottom = items[0].top, items[0].bottom
    for s in items[1:]:
        if is_meet:
            top, bottom = top & s.top, bottom | s.bottom
        else:
            top, bottom = top | s.top, bottom & s.bottom
    return PreferenceStructure.from_worlds(top, bottom, variables)


def meet(*structures: PreferenceStructure) -> PreferenceStructure:
    """Greatest lower bound: the least constrained loss that is ≤ all of them.

    ✓ = ∩ ✓_i and ✗ = ∪ ✗_i. E.g. ``meet(CPO, ORPO)`` is ✓ = {TF}, ✗ = {TT, FT} (cUNL).
    """
    if not structures:
        raise DPALogicError("meet of no structures")
    return _reduce(structures, is_meet=True)


def join(*structures: PreferenceStructure) -> PreferenceStructure:
    """Least upper bound: the most constrained loss that is ≥ all of them.

    ✓ = ∪ ✓_i and ✗ = ∩ ✗_i. E.g. ``join(CPO, ORPO)`` is ✓ = {TT, TF}, ✗ = {FT} (cCPO).
    """
    if not structures:
        raise DPALogicError("join of no structures")
    return _reduce(structures, is_meet=False)
