"""Preference structures: semantics (SEMANTICS.md §3), canonical triples, degeneracy."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dpalogic.errors import DPALogicError
from dpalogic.logic import (
    NO_REF,
    WITH_REF,
    PreferenceStructure,
    equivalent,
    parse,
    structure,
    world_set,
)

from .strategies import formulas

# (P, PC, PA, ✓, ✗) from SEMANTICS.md §3, worlds over (M(x,yw), M(x,yl)).
TABLE = {
    "CE": ("M(x,yw)", None, None, {"TT", "TF"}, {"FT", "FF"}),
    "CEUnl": ("And(M(x,yw),Not(M(x,yl)))", None, None, {"TF"}, {"TT", "FT", "FF"}),
    "CPO": ("Implies(M(x,yl),M(x,yw))", "Or(M(x,yl),M(x,yw))", "And(M(x,yw),M(x,yl))",
            {"TT", "TF"}, {"TT", "FT"}),
    "ORPO": ("Implies(M(x,yl),M(x,yw))", "XOR(M(x,yl),M(x,yw))", None, {"TF"}, {"FT"}),
}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_semantics_table(name: str) -> None:
    p, pc, pa, top, bottom = TABLE[name]
    s = structure(p, PC=pc, PA=pa)
    assert set(s.top_names()) == top and set(s.bottom_names()) == bottom


def test_dpo() -> None:
    core = "Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))"
    top, bottom = "M(x,yw) & Ref(x,yl)", "M(x,yl) & Ref(x,yw)"
    dpo = structure(core, PC=f"({top}) | ({bottom})", PA=f"({top}) & ({bottom})")
    assert dpo.top == world_set(parse(top), WITH_REF)
    assert dpo.bottom == world_set(parse(bottom), WITH_REF)
    P, _, _ = dpo.canonical()
    assert equivalent(P, parse(core))
    assert dpo.mentions_reference


def test_seed_novel_loss() -> None:
    s = structure(
        "Implies(And(M(x,yl),Ref(x,yw)),M(x,yw))",
        PC="Or(And(M(x,yw),Not(M(x,yl)),Ref(x,yl)),And(M(x,yl),Not(M(x,yw)),Ref(x,yw)))",
    )
    assert s.top == world_set(parse("M(x,yw) & ~M(x,yl) & Ref(x,yl)"), WITH_REF)
    assert s.bottom == world_set(parse("M(x,yl) & ~M(x,yw) & Ref(x,yw)"), WITH_REF)
    assert str(s.region) == "Implies(And(M(x,yl),Ref(x,yw)),M(x,yw))"


def brute_semantics(p, pc, pa, variables):
    top = bottom = 0
    for w in range(1 << len(variables)):
        asg = {a: bool((w >> i) & 1) for i, a in enumerate(variables)}
        vp, vc, va = p.evaluate(asg), pc.evaluate(asg), pa.evaluate(asg)
        top |= ((vp and vc) or va) << w
        bottom |= ((not vp and vc) or va) << w
    return top, bottom


@settings(max_examples=150, deadline=None)
@given(formulas, formulas, formulas)
def test_semantics_match_brute_force(p, pc, pa) -> None:
    s = PreferenceStructure.from_triple(p, pc, pa, variables=WITH_REF)
    assert (s.top, s.bottom) == brute_semantics(p, pc, pa, WITH_REF)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))
def test_canonical_triple_reproduces_the_structure(top: int, bottom: int) -> None:
    s = PreferenceStructure.from_worlds(top, bottom, WITH_REF)
    again = PreferenceStructure.from_triple(*s.canonical(), variables=WITH_REF)
    assert again == s


def test_degeneracy() -> None:
    assert PreferenceStructure.from_worlds(0, 1, NO_REF).degeneracy == "empty-top"
    assert PreferenceStructure.from_worlds(1, 0, NO_REF).degeneracy == "empty-bottom"
    assert PreferenceStructure.from_worlds(3, 3, NO_REF).degeneracy == "top-equals-bottom"
    assert PreferenceStructure.from_worlds(["TF"], ["FT"]).degeneracy is None


def test_swap_and_lift() -> None:
    orpo = structure("Implies(M(x,yl),M(x,yw))", PC="XOR(M(x,yl),M(x,yw))")
    assert orpo.swap() == orpo.negate()
    lifted = orpo.lift(WITH_REF)
    assert lifted.n == 4 and lifted.swap() == lifted.negate()
    assert not lifted.mentions_reference


def test_table_and_states() -> None:
    cpo = structure("Implies(M(x,yl),M(x,yw))", PC="Or(M(x,yl),M(x,yw))",
                    PA="And(M(x,yw),M(x,yl))")
    assert [(name, state) for _, name, state in cpo.table()] == [
        ("TT", "both"), ("TF", "✓"), ("FT", "✗"), ("FF", "neither")
    ]
    assert cpo.top_bits() == ["11", "10"]


def test_bad_masks() -> None:
    with pytest.raises(DPALogicError):
        PreferenceStructure.from_worlds(1 << 4, 0, NO_REF)
    with pytest.raises(DPALogicError):
        PreferenceStructure.from_worlds(["TX"], [], NO_REF)
