"""Immediate neighbours and intervals against brute force."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings

from dpalogic.errors import DPALogicError
from dpalogic.landscape.neighbours import interval, neighbours
from dpalogic.landscape.order import bottom_element, is_less, top_element
from dpalogic.logic import NO_REF, WITH_REF, PreferenceStructure
from tests.landscape._brute import brute_leq, sets, structures

S = PreferenceStructure.from_worlds
ALL_NO_REF = [S(t, b, NO_REF) for t in range(16) for b in range(16)]
CE = S(["TT", "TF"], ["FT", "FF"])
CEUNL = S(["TF"], ["TT", "FT", "FF"])
CPO = S(["TT", "TF"], ["TT", "FT"])
CCPO = S(["TT", "TF"], ["FT"])
UNCPO = S(["TT", "TF", "FF"], ["FT"])


_SETS = {x: sets(x, NO_REF) for x in ALL_NO_REF}


def _lt(a: PreferenceStructure, b: PreferenceStructure) -> bool:
    (ta, ba), (tb, bb) = _SETS[a], _SETS[b]
    return ta <= tb and ba >= bb and (ta, ba) != (tb, bb)


def _brute_covers(s: PreferenceStructure) -> tuple[set, set]:
    """Lower and upper covers of s among all 256 no-reference losses (explicit sets)."""
    below = [x for x in ALL_NO_REF if _lt(x, s)]
    above = [x for x in ALL_NO_REF if _lt(s, x)]
    lower = {x for x in below if not any(_lt(x, y) for y in below)}
    upper = {x for x in above if not any(_lt(y, x) for y in above)}
    return lower, upper


@settings(max_examples=40, deadline=None)
@given(structures())
def test_neighbours_are_the_covers(s: PreferenceStructure) -> None:
    nb = neighbours(s)
    lower, upper = _brute_covers(s)
    assert {step.structure for step in nb.more_constrained} == lower
    assert {step.structure for step in nb.less_constrained} == upper
    assert len(nb) == 8
    for step in nb:
        # exactly one world changes state
        changed = [w for w in range(4) if s.state(w) != step.structure.state(w)]
        assert changed == [step.world]
        assert is_less(step.structure, s) == (step.direction == "more")


def test_step_text() -> None:
    nb = neighbours(CCPO)
    texts = {str(step) for step in nb.less_constrained}
    assert "add FF to ✓ (neither → ✓ only)" in texts
    assert any(step.structure == UNCPO for step in nb.less_constrained)
    assert any(step.structure == CPO for step in nb.more_constrained)
    assert "add TT to ✗ (✓ only → both)" in {str(s) for s in nb.more_constrained}


@settings(max_examples=60, deadline=None)
@given(structures(), structures())
def test_interval_agrees_with_brute_force(a: PreferenceStructure, b: PreferenceStructure) -> None:
    if not brute_leq(a, b):
        with pytest.raises(DPALogicError, match="empty interval"):
            interval(a, b)
        return
    iv = interval(a, b)
    expected = {x for x in ALL_NO_REF if brute_leq(a, x) and brute_leq(x, b)}
    members = list(iv)
    assert len(members) == len(set(members))  # no repeats
    assert set(members) == expected
    assert iv.count == len(iv) == len(expected)
    assert members[0] == a and members[-1] == b
    assert all(iv[i] == members[i] for i in range(len(members)))
    assert all(x in iv for x in expected)
    assert sum(1 for x in ALL_NO_REF if x in iv) == len(expected)


def test_interval_count_is_a_product_over_worlds() -> None:
    iv = interval(CEUNL, CE)
    # TT: ✗ only → ✓ only (4 states), TF fixed, FT fixed, FF fixed
    assert [len(c) for _, c in iv.choices()] == [4, 1, 1, 1]
    assert iv.count == 4
    full = interval(bottom_element(WITH_REF), top_element(WITH_REF))
    assert full.count == len(full) == 4**16
    assert full[0] == bottom_element(WITH_REF) and full[-1] == top_element(WITH_REF)
    # lazy: the first few members of a 4.3-billion-member interval come at once
    first = list(itertools.islice(full, 5))
    assert len(set(first)) == 5
    with pytest.raises(IndexError):
        full[4**16]


def test_where_filters_with_callables_and_limit() -> None:
    iv = interval(bottom_element(NO_REF), top_element(NO_REF))
    nondegenerate = list(iv.where(lambda s: s.degeneracy is None))
    assert len(nondegenerate) == sum(1 for s in ALL_NO_REF if s.degeneracy is None)
    assert len(list(iv.where(lambda s: True, limit=3))) == 3


def test_where_unknown_property_is_an_error() -> None:
    pytest.importorskip("dpalogic.landscape.properties")
    iv = interval(CPO, CCPO)
    with pytest.raises(DPALogicError, match="unknown property"):
        list(iv.where("no-such-property"))


def test_where_named_properties() -> None:
    props = pytest.importorskip("dpalogic.landscape.properties")
    iv = interval(bottom_element(NO_REF), top_element(NO_REF))
    for name, check in props.PROPERTY_CHECKS.items():
        assert list(iv.where(name)) == [s for s in iv if check(s)]
        assert list(iv.where(f"not-{name}")) == [s for s in iv if not check(s)]
