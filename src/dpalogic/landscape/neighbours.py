"""Immediate neighbours of a loss and intervals between two losses.

In the bit-vector view of :mod:`dpalogic.landscape.order` the lattice over ``n`` variables is
the Boolean lattice on ``2·2^n`` bits: per world, one bit says "in ✓" and one says "not in ✗".
Hence

* a loss has exactly ``2·2^n`` immediate neighbours: for each world, add it to / remove it from
  ✓, and add it to / remove it from ✗ (one step changes the state of one world);
* the interval ``[A, B] = {X : A ≤ X ≤ B}`` is non-empty iff ``A ≤ B`` and has exactly

      |[A, B]| = Π_w |[state_A(w), state_B(w)]|       (each factor 1, 2 or 4)

  members, i.e. ``2^k`` with ``k`` the number of bits where A and B differ. Members are
  enumerated lazily (``interval[i]`` is computed directly from ``i``), so intervals with
  billions of members are cheap to count, slice and filter.

Example:
    >>> from dpalogic.logic import PreferenceStructure, NO_REF
    >>> S = lambda t, b: PreferenceStructure.from_worlds(t, b, NO_REF)
    >>> ceunl, ce = S(0b0010, 0b1101), S(0b1010, 0b0101)
    >>> len(interval(ceunl, ce))
    4
    >>> len(neighbours(ce).more_constrained), len(neighbours(ce).less_constrained)
    (4, 4)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Literal

from dpalogic.errors import DPALogicError
from dpalogic.landscape.order import (
    WorldState,
    align,
    code,
    compare,
    from_code,
    state_of,
    world_label,
    world_order,
)

if TYPE_CHECKING:  # pragma: no cover
    from dpalogic.logic import Atom, PreferenceStructure

__all__ = [
    "Interval",
    "Neighbourhood",
    "Step",
    "interval",
    "neighbours",
    "resolve_predicates",
]

Direction = Literal["more", "less"]


@dataclass(frozen=True)
class Step:
    """One move to an immediate neighbour: the state of ``world`` changes from ``before``."""

    world: int
    world_name: str
    before: WorldState
    after: WorldState
    direction: Direction  # "more": the neighbour is more constrained, "less": less constrained
    structure: PreferenceStructure

    @property
    def change(self) -> str:
        """E.g. ``add TT to ✓`` / ``remove FF from ✗``."""
        in_top = self.after in (WorldState.TOP, WorldState.BOTH)
        was_top = self.before in (WorldState.TOP, WorldState.BOTH)
        if in_top != was_top:
            verb, prep = ("add", "to") if in_top else ("remove", "from")
            return f"{verb} {self.world_name} {prep} ✓"
        in_bottom = self.after in (WorldState.BOTTOM, WorldState.BOTH)
        return (f"{'add' if in_bottom else 'remove'} {self.world_name} "
                f"{'to' if in_bottom else 'from'} ✗")

    def __str__(self) -> str:
        return f"{self.change} ({self.before.label} → {self.after.label})"


@dataclass(frozen=True)
class Neighbourhood:
    """The immediate lower (more constrained) and upper (less constrained) neighbours."""

    structure: PreferenceStructure
    more_constrained: tuple[Step, ...]
    less_constrained: tuple[Step, ...]

    def __iter__(self) -> Iterator[Step]:
        yield from self.more_constrained
        yield from self.less_constrained

    def __len__(self) -> int:
        return len(self.more_constrained) + len(self.less_constrained)


def neighbours(structure: PreferenceStructure) -> Neighbourhood:
    """Every loss one step more or less constrained than ``structure`` (changing one world).

    Over ``n`` variables there are exactly ``2·2^n`` of them: for a world in state ``✗ only``
    the two upper neighbours are ``neither`` and ``both``; for ``✓ only`` the two lower ones
    are ``neither`` and ``both``; ``neither``/``both`` have one of each.
    """
    variables = tuple(structure.variables)
    width = 1 << len(variables)
    c = code(structure)
    more: list[Step] = []
    less: list[Step] = []
    for w in world_order(variables):
        before = state_of(structure, w)
        for bit in (w, width + w):
            other = from_code(c ^ (1 << bit), variables)
            step = Step(w, world_label(w, variables), before, state_of(other, w),
                        "less" if not (c >> bit) & 1 else "more", other)
            (less if step.direction == "less" else more).append(step)
    return Neighbourhood(structure, tuple(more), tuple(less))


# --------------------------------------------------------------------------- intervals


def resolve_predicates(
    where: Sequence[str | Callable[[PreferenceStructure], bool]],
) -> list[Callable[[PreferenceStructure], bool]]:
    """Turn property names (``PROPERTY_CHECKS`` keys, optionally ``not-`` prefixed) into checks."""
    checks: list[Callable[[PreferenceStructure], bool]] = []
    table: dict[str, Callable[[PreferenceStructure], bool]] | None = None
    for item in where:
        if callable(item):
            checks.append(item)
            continue
        if table is None:
            try:
                from dpalogic.landscape.properties import PROPERTY_CHECKS
            except ImportError as err:  # pragma: no cover - properties land separately
                raise DPALogicError("property filters need dpalogic.landscape.properties") from err
            table = dict(PROPERTY_CHECKS)
        name = item.strip().lower()
        negate = name.startswith("not-") and name[4:] in table
        key = name[4:] if negate else name
        if key not in table:
            known = ", ".join(sorted(table))
            raise DPALogicError(f"unknown property {item!r}; known properties: {known}")
        check = table[key]
        checks.append((lambda s, _c=check: not _c(s)) if negate else check)
    return checks


class Interval(Sequence["PreferenceStructure"]):
    """The losses ``X`` with ``lower ≤ X ≤ upper``, counted exactly and enumerated lazily.

    Member ``i`` sets the free bits of ``upper`` that ``lower`` lacks according to the binary
    digits of ``i``, so ``interval[0] == lower`` and ``interval[-1] == upper``.
    """

    def __init__(self, lower: PreferenceStructure, upper: PreferenceStructure) -> None:
        lo, hi = align(lower, upper)
        cmp = compare(lo, hi, ("lower", "upper"))
        if cmp.not_a_le_b:
            raise DPALogicError(f"empty interval: lower is not at least as constrained as upper "
                                f"({cmp.not_a_le_b[0]})")
        self.lower: PreferenceStructure = lo
        self.upper: PreferenceStructure = hi
        self.variables: tuple[Atom, ...] = tuple(lo.variables)
        self._base = code(lo)
        free = code(hi) & ~self._base
        self._free_bits = [b for b in range(free.bit_length()) if (free >> b) & 1]

    def choices(self) -> list[tuple[str, tuple[WorldState, ...]]]:
        """Per world, the states allowed in the interval (most constrained first)."""
        out = []
        order = [WorldState.BOTTOM, WorldState.NEITHER, WorldState.BOTH, WorldState.TOP]
        lo_codes = self._world_code(self.lower)
        hi_codes = self._world_code(self.upper)
        for w in world_order(self.variables):
            allowed = tuple(
                st for st in order
                if (_STATE_BITS[st] & ~hi_codes[w]) == 0 and (lo_codes[w] & ~_STATE_BITS[st]) == 0
            )
            out.append((world_label(w, self.variables), allowed))
        return out

    def _world_code(self, s: PreferenceStructure) -> dict[int, int]:
        return {w: _STATE_BITS[state_of(s, w)] for w in range(1 << len(self.variables))}

    @property
    def count(self) -> int:
        """Exact size: the product over worlds of the number of states each may take."""
        total = 1
        for _, allowed in self.choices():
            total *= len(allowed)
        return total

    def __len__(self) -> int:
        return 1 << len(self._free_bits)

    def _member_code(self, index: int) -> int:
        value = self._base
        for k, bit in enumerate(self._free_bits):
            if (index >> k) & 1:
                value |= 1 << bit
        return value

    def __getitem__(self, index: int) -> PreferenceStructure:  # type: ignore[override]
        if isinstance(index, slice):
            raise TypeError("use itertools.islice on an Interval")
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("interval index out of range")
        return from_code(self._member_code(index), self.variables)

    def __iter__(self) -> Iterator[PreferenceStructure]:
        for i in range(len(self)):
            yield from_code(self._member_code(i), self.variables)

    def __contains__(self, item: object) -> bool:
        try:
            lo, hi, x = align(self.lower, self.upper, item)  # type: ignore[arg-type]
        except (AttributeError, TypeError):
            return False
        cx = code(x)
        return (code(lo) & ~cx) == 0 and (cx & ~code(hi)) == 0

    def where(
        self,
        *properties: str | Callable[[PreferenceStructure], bool],
        limit: int | None = None,
    ) -> Iterator[PreferenceStructure]:
        """Lazily yield the members having every property (names from ``PROPERTY_CHECKS``).

        A name may be prefixed ``not-`` to negate it. ``limit`` stops after that many matches.
        """
        checks = resolve_predicates(list(properties))
        matches = (x for x in self if all(check(x) for check in checks))
        return islice(matches, limit) if limit is not None else matches

    def __repr__(self) -> str:
        return f"Interval(count={len(self)}, variables={len(self.variables)})"


_STATE_BITS = {  # (in ✓) | (not in ✗) << 1: the per-world diamond as a 2-bit subset order
    WorldState.BOTTOM: 0b00,
    WorldState.NEITHER: 0b10,
    WorldState.BOTH: 0b01,
    WorldState.TOP: 0b11,
}


def interval(lower: PreferenceStructure, upper: PreferenceStructure) -> Interval:
    """All losses ``X`` with ``lower ≤ X ≤ upper`` (lower at least as constrained as ``X``).

    Raises:
        DPALogicError: when ``lower`` is not at least as constrained as ``upper``, naming a
            world that breaks the order.
    """
    return Interval(lower, upper)
