"""Order, meet and join against brute-force set computations (SEMANTICS §4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from dpalogic.errors import DPALogicError
from dpalogic.landscape.order import (
    Relation,
    WorldState,
    bottom_element,
    code,
    compare,
    from_code,
    is_leq,
    is_less,
    join,
    meet,
    rank,
    state_of,
    top_element,
)
from dpalogic.logic import NO_REF, WITH_REF, PreferenceStructure
from tests.landscape._brute import VOCABS, brute_equal, brute_leq, sets, structures, union_vocab

S = PreferenceStructure.from_worlds
CE = S(["TT", "TF"], ["FT", "FF"])
CEUNL = S(["TF"], ["TT", "FT", "FF"])
CPO = S(["TT", "TF"], ["TT", "FT"])
ORPO = S(["TF"], ["FT"])
CCPO = S(["TT", "TF"], ["FT"])
UNCPO = S(["TT", "TF", "FF"], ["FT"])


@settings(max_examples=300, deadline=None)
@given(structures(VOCABS), structures(VOCABS))
def test_compare_agrees_with_brute_force(a: PreferenceStructure, b: PreferenceStructure) -> None:
    le, ge, eq = brute_leq(a, b), brute_leq(b, a), brute_equal(a, b)
    expected = (Relation.EQUAL if eq else Relation.MORE_CONSTRAINED if le
                else Relation.LESS_CONSTRAINED if ge else Relation.INCOMPARABLE)
    result = compare(a, b)
    assert result.relation is expected
    assert is_leq(a, b) == le
    assert is_less(a, b) == (le and not eq)
    # witnesses: non-empty exactly when that direction fails, and each one really breaks it
    assert (not result.not_a_le_b) == le
    assert (not result.not_b_le_a) == ge
    vs = result.variables
    for wit in result.not_a_le_b:
        x = result.a if wit.inside == "A" else result.b
        y = result.b if wit.inside == "A" else result.a
        mask_x = x.top if wit.side == "✓" else x.bottom
        mask_y = y.top if wit.side == "✓" else y.bottom
        assert (mask_x >> wit.world) & 1 and not (mask_y >> wit.world) & 1
    assert len(vs) == len(union_vocab(a, b))


@settings(max_examples=200, deadline=None)
@given(structures(VOCABS), structures(VOCABS))
def test_meet_and_join_are_set_operations(a: PreferenceStructure, b: PreferenceStructure) -> None:
    vs = union_vocab(a, b)
    (ta, ba), (tb, bb) = sets(a, vs), sets(b, vs)
    assert sets(meet(a, b), vs) == (ta & tb, ba | bb)
    assert sets(join(a, b), vs) == (ta | tb, ba & bb)
    m, j = meet(a, b), join(a, b)
    assert is_leq(m, a) and is_leq(m, b) and is_leq(a, j) and is_leq(b, j)


@settings(max_examples=100, deadline=None)
@given(structures(), structures(), structures())
def test_meet_is_greatest_lower_bound(a: PreferenceStructure, b: PreferenceStructure,
                                      c: PreferenceStructure) -> None:
    if is_leq(c, a) and is_leq(c, b):
        assert is_leq(c, meet(a, b))
    if is_leq(a, c) and is_leq(b, c):
        assert is_leq(join(a, b), c)


def test_code_roundtrip_and_extremes() -> None:
    for t in range(16):
        for b in range(16):
            s = S(t, b, NO_REF)
            assert from_code(code(s), NO_REF) == s
    bot, top = bottom_element(NO_REF), top_element(NO_REF)
    assert (bot.top, bot.bottom) == (0, 0b1111)
    assert (top.top, top.bottom) == (0b1111, 0)
    assert rank(bot) == 0 and rank(top) == 8
    assert rank(bottom_element(WITH_REF)) == 0 and rank(top_element(WITH_REF)) == 32


def test_paper_relations() -> None:
    """CPO and ORPO → cCPO → unCPO; CEUnl → CE (SEMANTICS §4)."""
    assert compare(CPO, CCPO).relation is Relation.MORE_CONSTRAINED
    assert compare(ORPO, CCPO).relation is Relation.MORE_CONSTRAINED
    assert compare(CCPO, UNCPO).relation is Relation.MORE_CONSTRAINED
    assert compare(UNCPO, CPO).relation is Relation.LESS_CONSTRAINED
    assert compare(CPO, ORPO).relation is Relation.INCOMPARABLE
    assert compare(CEUNL, CE).relation is Relation.MORE_CONSTRAINED
    assert meet(CPO, ORPO) == S(["TF"], ["TT", "FT"])  # cUNL
    assert join(CPO, ORPO) == CCPO


def test_reason_names_the_world() -> None:
    r = compare(CPO, ORPO, ("CPO", "ORPO"))
    assert r.relation is Relation.INCOMPARABLE
    assert "TT" in r.reason and "CPO" in r.reason and "ORPO" in r.reason
    assert "world TT is in ✓_CPO but not in ✓_ORPO" in r.reason
    r = compare(CCPO, CPO, ("cCPO", "CPO"))
    assert r.relation is Relation.LESS_CONSTRAINED
    assert "world TT is in ✗_CPO but not in ✗_cCPO" in r.reason
    assert r.to_dict()["relation"] == "less-constrained"


def test_compare_lifts_different_vocabularies() -> None:
    dpo = PreferenceStructure.from_triple(
        "Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))",
        PC="Or(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        PA="And(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
    )
    assert tuple(compare(CPO, dpo).variables) == tuple(WITH_REF)
    assert compare(CPO, CPO.lift(WITH_REF)).relation is Relation.EQUAL


def test_state_of() -> None:
    assert [state_of(CPO, w) for w in (3, 1, 2, 0)] == [
        WorldState.BOTH, WorldState.TOP, WorldState.BOTTOM, WorldState.NEITHER]


def test_empty_meet_is_an_error() -> None:
    with pytest.raises(DPALogicError):
        meet()
    with pytest.raises(DPALogicError):
        join()
