"""The published losses, written as their papers write them, decompile to the structures of
SEMANTICS.md and the zoo, and compile back exactly."""

from __future__ import annotations

import pytest

from dpalogic import zoo
from dpalogic.decompiler import decompile
from dpalogic.decompiler.examples import PAPER_LOSSES, PaperLoss
from dpalogic.logic import NO_REF, equivalent, one_hot, one_true, parse, standard_order

from .conftest import assert_round_trip

BY_NAME = {e.name: e for e in PAPER_LOSSES}

#: ✓ / ✗ over (M(x,yw), M(x,yl)) from SEMANTICS §3.
SEMANTICS_NO_REF = {
    "CE": (["TT", "TF"], ["FT", "FF"]),
    "CEUnl": (["TF"], ["TT", "FT", "FF"]),
    "CPO": (["TT", "TF"], ["TT", "FT"]),
    "ORPO": (["TF"], ["FT"]),
    "SLiC-HF": (["TT", "TF"], ["TT", "FT"]),
    "RRHF": (["TT", "TF"], ["TT", "FT"]),
}


@pytest.mark.parametrize("entry", PAPER_LOSSES, ids=lambda e: e.name)
def test_structure_matches_zoo(entry: PaperLoss) -> None:
    s = decompile(entry.text).structure
    z = zoo.get(entry.zoo).structure
    V = standard_order(set(s.variables) | set(z.variables))
    assert s.lift(V) == z.lift(V)


@pytest.mark.parametrize("entry", PAPER_LOSSES, ids=lambda e: e.name)
def test_round_trip_exact(entry: PaperLoss) -> None:
    result = decompile(entry.text)
    assert_round_trip(result, entry.params)


@pytest.mark.parametrize("name", sorted(SEMANTICS_NO_REF))
def test_no_reference_worlds_match_semantics(name: str) -> None:
    s = decompile(BY_NAME[name].text).structure
    assert s.variables == NO_REF
    top, bottom = SEMANTICS_NO_REF[name]
    assert sorted(s.top_names()) == sorted(top)
    assert sorted(s.bottom_names()) == sorted(bottom)


def test_dpo_core_formula() -> None:
    s = decompile(BY_NAME["DPO"].text).structure
    P, _, _ = s.canonical()
    want = parse("Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))")
    assert equivalent(P, want, s.variables)
    assert s.top_names() and set(s.top_names()) != set(s.bottom_names())


def test_orpo_one_hot_and_cpo_one_true() -> None:
    orpo = decompile(BY_NAME["ORPO"].text).structure
    cpo = decompile(BY_NAME["CPO"].text).structure
    assert equivalent(orpo.canonical()[1], one_hot(), NO_REF)
    assert equivalent(cpo.canonical()[1], one_true(), NO_REF)
    assert equivalent(cpo.canonical()[2], parse("And(M(x,yw),M(x,yl))"), NO_REF)


def test_links_betas_and_stripped_parts() -> None:
    dpo = decompile(BY_NAME["DPO"].text)
    assert (dpo.link, str(dpo.beta)) == ("logistic", "beta")
    ipo = decompile(BY_NAME["IPO"].text)
    assert (ipo.link, str(ipo.beta)) == ("squared", "tau")
    slic = decompile(BY_NAME["SLiC-HF"].text)
    assert slic.link == "hinge_margin" and str(slic.terms[0].link_params["delta"]) == "delta"
    assert [(r.name, str(r.weight)) for r in slic.regularizers] == [("sft", "lam")]
    cdpo = decompile(BY_NAME["cDPO"].text)
    assert cdpo.link == "cdpo" and str(cdpo.terms[0].link_params["label_smoothing"]) == "eps"
    simpo = decompile(BY_NAME["SimPO"].text)
    kinds = {s.kind for s in simpo.all_stripped()}
    assert {"length-normalization", "margin"} <= kinds
    assert str(simpo.terms[0].margin) == "-gamma/beta"
    orpo = decompile(BY_NAME["ORPO"].text)
    assert [(r.name, r.length_normalize) for r in orpo.regularizers] == [("sft", True)]
    assert str(orpo.terms[0].weight) == "lam"


def test_dpop_copies_and_regularizer_reading() -> None:
    text = BY_NAME["DPOP"].text
    copies = decompile(text)
    s = copies.structure
    assert {str(v) for v in s.used_variables()} == {
        "M(x,yw)",
        "M(x,yl)",
        "Ref(x,yw)",
        "Ref(x,yl)",
        "M2(x,yw)",
        "Ref2(x,yw)",
    }
    assert copies.terms[0].rho_text() == "log p_w p2_w r_l / (p_l r_w r2_w)"
    kinds = [x.kind for x in copies.all_stripped()]
    assert "approximation" in kinds and kinds.count("copy") == 2
    exact = decompile(text, penalties="regularizer")
    assert exact.structure == zoo.get("DPOP").structure
    assert [(n, str(lam)) for n, lam in exact.terms[0].inside] == [("dpop", "lam")]
    assert_round_trip(exact, {"beta": 0.1, "lam": 5.0})
    assert_round_trip(copies, {"beta": 0.3, "lam": 1.0}, seed=3)
