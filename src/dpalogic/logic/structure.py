"""Preference structures ``(P, P_C, P_A)`` and their semantics, the world sets ``(✓, ✗)``.

SEMANTICS.md §3: a structure determines

    ✓ = (P ∧ P_C) ∨ P_A        (counted for the winner: numerator of ρ)
    ✗ = (¬P ∧ P_C) ∨ P_A       (counted against: denominator of ρ)

and the loss ``ρ = log WMC(✓) − log WMC(✗)``, ``ℓ = f(ρ, β)``. The pair ``(✓, ✗)`` *is* the
semantics; the triple is one readable way of writing it. Every structure has the canonical triple
``P = Implies(✗, ✓)``, ``P_C = Or(✓, ✗)``, ``P_A = And(✓, ✗)``.

Example:
    >>> from dpalogic.logic import structure
    >>> s = structure("Implies(M(x,yl),M(x,yw))", PC="XOR(M(x,yl),M(x,yw))")   # ORPO
    >>> s.top_names(), s.bottom_names()
    (['TF'], ['FT'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from dpalogic.errors import DPALogicError
from dpalogic.logic.formula import BOT, TOP, Atom, Formula, atoms_of
from dpalogic.logic.parser import parse
from dpalogic.logic.printer import to_paper
from dpalogic.logic.worlds import (
    NO_REF,
    Variables,
    formula_of,
    full_mask,
    lift_mask,
    mask_of_worlds,
    paper_order,
    permute_mask,
    standard_order,
    vocabulary,
    world_bits,
    world_name,
    world_set,
    worlds_of,
)

#: The four states of a world in a structure.
STATES = ("neither", "✓", "✗", "both")


@dataclass(frozen=True, eq=False)
class PreferenceStructure:
    """A preference structure: the world sets ✓ (``top``) and ✗ (``bottom``) over ``variables``.

    ``P``, ``PC`` and ``PA`` keep the formulas as the user wrote them (for display only); equality
    and hashing use ``(variables, top, bottom)`` alone.
    """

    variables: Variables
    top: int
    bottom: int
    P: Formula | None = field(default=None, compare=False)
    PC: Formula | None = field(default=None, compare=False)
    PA: Formula | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        full = full_mask(len(self.variables))
        if len(set(self.variables)) != len(self.variables):
            raise DPALogicError("structure variables must be distinct")
        for label, mask in (("top", self.top), ("bottom", self.bottom)):
            if not isinstance(mask, int) or not 0 <= mask <= full:
                raise DPALogicError(
                    f"{label} world set {mask!r} out of range for {self.n} variables"
                )

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_triple(
        cls,
        P: Formula | str,
        PC: Formula | str | None = None,
        PA: Formula | str | None = None,
        variables: Sequence[Atom] | None = None,
    ) -> PreferenceStructure:
        """The structure of a triple ``(P, P_C, P_A)``; ``P_C`` defaults to ⊤ and ``P_A`` to ⊥.

        *variables* default to ``M(x,yw), M(x,yl)`` plus both outputs of every predicate mentioned.
        """
        p = parse(P)
        pc = TOP if PC is None else parse(PC)
        pa = BOT if PA is None else parse(PA)
        vs = tuple(variables) if variables is not None else vocabulary(atoms_of((p, pc, pa)))
        full = full_mask(len(vs))
        mp, mc, ma = world_set(p, vs), world_set(pc, vs), world_set(pa, vs)
        top = (mp & mc) | ma
        bottom = ((full ^ mp) & mc) | ma
        return cls(vs, top, bottom, p, pc, pa)

    @classmethod
    def from_worlds(
        cls,
        top: int | Sequence[str | int],
        bottom: int | Sequence[str | int],
        variables: Sequence[Atom] = NO_REF,
    ) -> PreferenceStructure:
        """The structure with the given ✓ and ✗ sets: masks, or lists of world names (``"TF"``,
        ``"10"``) or world ints."""
        vs = tuple(variables)
        t = top if isinstance(top, int) else mask_of_worlds(top, vs)
        b = bottom if isinstance(bottom, int) else mask_of_worlds(bottom, vs)
        return cls(vs, t, b)

    # -- basic views ---------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of variables."""
        return len(self.variables)

    @property
    def mentions_reference(self) -> bool:
        """Whether ✓ or ✗ depends on a ``Ref`` proposition (then ρ needs reference log-probs)."""
        return any(a.pred == "Ref" for a in self.used_variables())

    def used_variables(self) -> Variables:
        """The variables on which ✓ or ✗ actually depends."""
        from dpalogic.logic.worlds import _depends_on

        return tuple(
            a
            for i, a in enumerate(self.variables)
            if _depends_on(self.top, i, self.n) or _depends_on(self.bottom, i, self.n)
        )

    def top_worlds(self) -> list[int]:
        """The ✓ worlds, ascending."""
        return worlds_of(self.top)

    def bottom_worlds(self) -> list[int]:
        """The ✗ worlds, ascending."""
        return worlds_of(self.bottom)

    def top_names(self) -> list[str]:
        """The ✓ worlds as T/F names, in the paper's order (TT, TF, FT, FF)."""
        return [world_name(w, self.n) for w in paper_order(self.top_worlds(), self.n)]

    def bottom_names(self) -> list[str]:
        """The ✗ worlds as T/F names, in the paper's order."""
        return [world_name(w, self.n) for w in paper_order(self.bottom_worlds(), self.n)]

    def top_bits(self) -> list[str]:
        """The ✓ worlds as bit strings (i-th char = truth of ``variables[i]``), paper order."""
        return [world_bits(w, self.n) for w in paper_order(self.top_worlds(), self.n)]

    def bottom_bits(self) -> list[str]:
        """The ✗ worlds as bit strings, paper order."""
        return [world_bits(w, self.n) for w in paper_order(self.bottom_worlds(), self.n)]

    def state(self, w: int) -> str:
        """The state of world *w*: ``"✓"``, ``"✗"``, ``"both"`` or ``"neither"``."""
        return STATES[((self.top >> w) & 1) | (((self.bottom >> w) & 1) << 1)]

    def table(self) -> list[tuple[int, str, str]]:
        """Truth table rows ``(world, T/F name, state)`` for every world, in the paper's order."""
        worlds = paper_order(range(1 << self.n), self.n)
        return [(w, world_name(w, self.n), self.state(w)) for w in worlds]

    # -- the canonical triple -------------------------------------------------------------------
    def canonical(self) -> tuple[Formula, Formula, Formula]:
        """``(P, P_C, P_A) = (Implies(✗, ✓), Or(✓, ✗), And(✓, ✗))``, each minimised."""
        full = full_mask(self.n)
        return (
            formula_of((full ^ self.bottom) | self.top, self.variables),
            formula_of(self.top | self.bottom, self.variables),
            formula_of(self.top & self.bottom, self.variables),
        )

    @property
    def region(self) -> Formula:
        """The semantic region: the canonical core formula ``P``."""
        return self.canonical()[0]

    @property
    def region_mask(self) -> int:
        """World set of the semantic region."""
        return (full_mask(self.n) ^ self.bottom) | self.top

    def written(self) -> tuple[Formula, Formula, Formula]:
        """The triple as the user wrote it when known, else the canonical one."""
        if self.P is None:
            return self.canonical()
        return (self.P, self.PC if self.PC is not None else TOP, self.PA or BOT)

    @property
    def degeneracy(self) -> str | None:
        """``"empty-top"`` (✓ = ∅: infinite loss), ``"empty-bottom"`` (✗ = ∅: zero loss),
        ``"top-equals-bottom"`` (constant loss) or ``None``."""
        if self.top == 0:
            return "empty-top"
        if self.bottom == 0:
            return "empty-bottom"
        if self.top == self.bottom:
            return "top-equals-bottom"
        return None

    @property
    def is_degenerate(self) -> bool:
        """Whether the structure is degenerate (see :attr:`degeneracy`)."""
        return self.degeneracy is not None

    # -- transformations -------------------------------------------------------------------------
    def lift(self, variables: Sequence[Atom]) -> PreferenceStructure:
        """The same structure over a larger vocabulary (extra variables unconstrained)."""
        vs = tuple(variables)
        return PreferenceStructure(
            vs,
            lift_mask(self.top, self.variables, vs),
            lift_mask(self.bottom, self.variables, vs),
            self.P,
            self.PC,
            self.PA,
        )

    def swap(self) -> PreferenceStructure:
        """Exchange ``yw`` and ``yl`` in every proposition."""
        mapping = {a: a.swapped() for a in self.variables}
        missing = [b for b in mapping.values() if b not in self.variables]
        if missing:
            return self.lift(standard_order(set(self.variables) | set(missing))).swap()
        return PreferenceStructure(
            self.variables,
            permute_mask(self.top, self.variables, mapping),
            permute_mask(self.bottom, self.variables, mapping),
        )

    def negate(self) -> PreferenceStructure:
        """Exchange ✓ and ✗ (the loss of ``Not(P)`` under the same constraints): ρ ↦ −ρ."""
        return PreferenceStructure(self.variables, self.bottom, self.top)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PreferenceStructure):
            return NotImplemented
        return (self.variables, self.top, self.bottom) == (
            other.variables,
            other.top,
            other.bottom,
        )

    def __hash__(self) -> int:
        return hash((self.variables, self.top, self.bottom))

    def __repr__(self) -> str:
        p, pc, pa = (to_paper(f) for f in self.written())
        return f"PreferenceStructure(P={p}, PC={pc}, PA={pa})"


def structure(
    P: Formula | str,
    PC: Formula | str | None = None,
    PA: Formula | str | None = None,
    *,
    variables: Sequence[Atom] | None = None,
) -> PreferenceStructure:
    """Build a preference structure from formulas or strings (paper or infix notation).

    Example:
        >>> from dpalogic.logic import structure
        >>> cpo = structure("Implies(M(x,yl),M(x,yw))", PC="Or(M(x,yl),M(x,yw))",
        ...                 PA="And(M(x,yw),M(x,yl))")
        >>> cpo.top_names(), cpo.bottom_names()
        (['TT', 'TF'], ['TT', 'FT'])
    """
    return PreferenceStructure.from_triple(P, PC, PA, variables)


def one_true() -> Formula:
    """The "one-true" conditioning constraint ``Or(M(x,yl), M(x,yw))``."""
    return parse("Or(M(x,yl),M(x,yw))")


def one_hot() -> Formula:
    """The "one-hot" conditioning constraint ``XOR(M(x,yl), M(x,yw))``."""
    return parse("XOR(M(x,yl),M(x,yw))")


__all__ = ["STATES", "PreferenceStructure", "one_hot", "one_true", "structure"]
