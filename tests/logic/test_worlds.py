"""Worlds as bit masks: world sets, entailment, minimised formulas, lifting."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dpalogic.logic import (
    NO_REF,
    WITH_REF,
    Atom,
    entails,
    equivalent,
    formula_of,
    lift_mask,
    parse,
    satisfiable,
    standard_order,
    world_bits,
    world_names,
    world_set,
)

from .strategies import formulas


def brute_world_set(f, variables) -> int:
    mask = 0
    for w in range(1 << len(variables)):
        assignment = {a: bool((w >> i) & 1) for i, a in enumerate(variables)}
        if f.evaluate(assignment):
            mask |= 1 << w
    return mask


@settings(max_examples=200, deadline=None)
@given(formulas)
def test_world_set_matches_evaluation(f) -> None:
    assert world_set(f, WITH_REF) == brute_world_set(f, WITH_REF)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, (1 << 16) - 1))
def test_formula_of_is_exact(mask: int) -> None:
    f = formula_of(mask, WITH_REF)
    assert world_set(f, WITH_REF) == mask


def test_formula_of_reads_like_the_paper() -> None:
    dpo_p = world_set(parse("Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))"), WITH_REF)
    assert str(formula_of(dpo_p, WITH_REF)) == (
        "Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))"
    )
    one_hot = world_set(parse("XOR(M(x,yl),M(x,yw))"), NO_REF)
    assert str(formula_of(one_hot, NO_REF)) == "XOR(M(x,yw),M(x,yl))"
    assert str(formula_of(0b1010, NO_REF)) == "M(x,yw)"


def test_paper_world_names() -> None:
    assert world_names(world_set(parse("M(x,yw)"), NO_REF), NO_REF) == ["TT", "TF"]
    assert world_bits(0b01, 2) == "10"


def test_entailment_equivalence_satisfiability() -> None:
    a, b = parse("M(x,yw) & M(x,yl)"), parse("M(x,yw)")
    assert entails(a, b) and not entails(b, a)
    assert equivalent(parse("M(x,yl) -> M(x,yw)"), parse("~M(x,yl) | M(x,yw)"))
    assert not satisfiable(parse("M(x,yw) & ~M(x,yw)"))


def test_standard_order() -> None:
    atoms = [Atom("Mref", "yl"), Atom("Ref", "yl"), Atom("M2", "yw"), Atom("M", "yl"),
             Atom("M", "yw"), Atom("Ref", "yw")]
    assert [str(a) for a in standard_order(atoms)] == [
        "M(x,yw)", "M(x,yl)", "Ref(x,yw)", "Ref(x,yl)", "M2(x,yw)", "Mref(x,yl)"
    ]


@settings(max_examples=50, deadline=None)
@given(formulas)
def test_lifting_preserves_the_formula(f) -> None:
    small = tuple(a for a in WITH_REF if a in f.atoms()) or NO_REF
    lifted = lift_mask(world_set(f, small), small, WITH_REF)
    assert lifted == world_set(f, WITH_REF)


def test_every_two_variable_set_has_a_formula() -> None:
    for mask in range(16):
        assert world_set(formula_of(mask, NO_REF), NO_REF) == mask
