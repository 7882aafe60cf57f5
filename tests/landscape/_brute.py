"""Brute-force references for the landscape tests: explicit sets of truth assignments.

Independent of the bit-vector code under test: a structure becomes a pair of Python sets of
assignments ``frozenset({(atom, bool), ...})`` over a given vocabulary (lifting by projection).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from hypothesis import strategies as st

from dpalogic.logic import NO_REF, WITH_REF, Atom, PreferenceStructure

Assignment = frozenset[tuple[Atom, bool]]

VOCABS: tuple[tuple[Atom, ...], ...] = (
    tuple(NO_REF),
    (Atom("M", "yw"), Atom("M", "yl"), Atom("Ref", "yw")),
    (Atom("M", "yw"), Atom("M", "yl"), Atom("Ref", "yl")),
)


def assignments(variables: Sequence[Atom]) -> list[Assignment]:
    """Every truth assignment over ``variables``."""
    return [frozenset(zip(variables, values, strict=True))
            for values in itertools.product((False, True), repeat=len(variables))]


def sets(s: PreferenceStructure, variables: Sequence[Atom]
         ) -> tuple[set[Assignment], set[Assignment]]:
    """(✓, ✗) of ``s`` as sets of assignments over the (larger) vocabulary ``variables``."""
    top: set[Assignment] = set()
    bottom: set[Assignment] = set()
    for a in assignments(variables):
        truth = dict(a)
        w = sum(1 << i for i, v in enumerate(s.variables) if truth[v])
        if (s.top >> w) & 1:
            top.add(a)
        if (s.bottom >> w) & 1:
            bottom.add(a)
    return top, bottom


def union_vocab(*structures: PreferenceStructure) -> tuple[Atom, ...]:
    """All variables, in WITH_REF order (enough for the vocabularies used in these tests)."""
    atoms = set().union(*(s.variables for s in structures))
    return tuple(a for a in WITH_REF if a in atoms)


def brute_leq(a: PreferenceStructure, b: PreferenceStructure) -> bool:
    """✓_a ⊆ ✓_b and ✗_a ⊇ ✗_b, by explicit sets."""
    vs = union_vocab(a, b)
    ta, ba = sets(a, vs)
    tb, bb = sets(b, vs)
    return ta <= tb and ba >= bb


def brute_equal(a: PreferenceStructure, b: PreferenceStructure) -> bool:
    """Same (✓, ✗) after lifting."""
    vs = union_vocab(a, b)
    return sets(a, vs) == sets(b, vs)


@st.composite
def structures(draw: st.DrawFn, vocabs: Sequence[tuple[Atom, ...]] = (tuple(NO_REF),)
               ) -> PreferenceStructure:
    """A random structure over one of ``vocabs``."""
    vs = draw(st.sampled_from(list(vocabs)))
    full = (1 << (1 << len(vs))) - 1
    return PreferenceStructure.from_worlds(draw(st.integers(0, full)), draw(st.integers(0, full)),
                                           vs)
