"""Closed form of ρ: the paper's strings, and agreement of the sympy form with brute force."""

from __future__ import annotations

import math
import random

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from dpalogic.compiler import brute_force_rho, closed_form, compile_structure, rho_sympy
from dpalogic.compiler.closed_form import weight_symbols
from dpalogic.errors import DPALogicError
from dpalogic.logic import NO_REF, WITH_REF, Atom, PreferenceStructure

from .helpers import NOVEL, dpo, no_ref, seed_novel

PAPER = {  # SEMANTICS §3; l20 and sCE print their (equal) sums expanded
    "unCPO": "log (p_w p_l + 1 − p_l) / (p_l (1 − p_w))",
    "cCPO": "log p_w / (p_l (1 − p_w))",
    "cfUnl": "log (1 − p_l) / (p_l (1 − p_w))",
    "qfUnl": "log (1 − p_l) / (1 − p_w)",
    "fUnl": "log (1 − p_l) / p_l",
    "cUNL": "log p_w (1 − p_l) / p_l",
    "l20": "log (1 − p_l) / (p_w p_l + 1 − p_w)",
    "sCE": "log p_w / (p_w p_l + 1 − p_w)",
}


def test_seed_novel_loss_prints_exactly() -> None:
    assert closed_form(seed_novel()) == "log p_w r_l (1 − p_l) / (p_l r_w (1 − p_w))"


def test_dpo_and_classics() -> None:
    assert closed_form(dpo()) == "log p_w r_l / (p_l r_w)"
    assert closed_form(no_ref("TT TF", "FT FF")) == "log p_w / (1 − p_w)"
    assert closed_form(no_ref("TT TF", "TT FT")) == "log p_w / p_l"
    assert closed_form(no_ref("TF", "FT")) == "log p_w (1 − p_l) / (p_l (1 − p_w))"


@pytest.mark.parametrize("name", sorted(NOVEL))
def test_novel_losses(name: str) -> None:
    s = no_ref(*NOVEL[name])
    assert closed_form(s) == PAPER[name]
    assert compile_structure(s).closed_form() == PAPER[name]


def test_latex_and_sympy_styles() -> None:
    assert closed_form(seed_novel(), style="latex") == (
        r"\log \frac{p_{w} r_{l} (1 - p_{l})}{p_{l} r_{w} (1 - p_{w})}"
    )
    p_w, p_l = sympy.symbols("p_w p_l")
    expr = closed_form(no_ref("TF", "FT"), style="sympy")
    assert sympy.simplify(expr - sympy.log(p_w * (1 - p_l) / (p_l * (1 - p_w)))) == 0
    with pytest.raises(DPALogicError, match="style"):
        closed_form(dpo(), style="html")  # type: ignore[arg-type]


def test_degenerate() -> None:
    assert closed_form(no_ref("", "FT")) == "−∞"
    assert closed_form(no_ref("TF", "")) == "∞"
    assert closed_form(no_ref("TF", "TF")) == "0"
    assert rho_sympy(no_ref("", "FT")) == -sympy.oo
    assert rho_sympy(no_ref("TF", "")) == sympy.oo


def test_other_predicates_symbols() -> None:
    vs = (
        Atom("M", "yw"),
        Atom("M", "yl"),
        Atom("M2", "yw"),
        Atom("Ref2", "yl"),
        Atom("Mref", "yw"),
    )
    assert [s.name for s in weight_symbols(vs)] == ["p_w", "p_l", "p2_w", "r2_l", "m_w"]
    t = sum(1 << w for w in range(32) if w & 1 and w & 4)  # M(x,yw) ∧ M2(x,yw)
    b = sum(1 << w for w in range(32) if w & 2 and w & 16)  # M(x,yl) ∧ Mref(x,yw)
    assert closed_form(PreferenceStructure(vs, t, b)) == "log p_w p2_w / (p_l m_w)"
    # DPOP with copies: the paper's p_w p_w' r_l / (p_l r_w r_w')
    vs2 = (*WITH_REF, Atom("M2", "yw"), Atom("Ref2", "yw"))
    t2 = sum(1 << w for w in range(64) if w & 1 and w & 16 and w & 8)
    b2 = sum(1 << w for w in range(64) if w & 2 and w & 4 and w & 32)
    assert closed_form(PreferenceStructure(vs2, t2, b2)) == "log p_w p2_w r_l / (p_l r_w r2_w)"


@settings(max_examples=25, deadline=None)
@given(
    top=st.integers(0, (1 << 16) - 1),
    bottom=st.integers(0, (1 << 16) - 1),
    seed=st.integers(0, 10**6),
)
def test_rho_sympy_equals_brute_force(top: int, bottom: int, seed: int) -> None:
    s = PreferenceStructure(WITH_REF, top, bottom)
    if s.degeneracy is not None:
        return
    rng = random.Random(seed)
    lps = [rng.uniform(-3.0, -0.05) for _ in range(4)]
    expr = rho_sympy(s)
    value = float(
        expr.subs(dict(zip(weight_symbols(WITH_REF), [math.exp(a) for a in lps], strict=True)))
    )
    assert value == pytest.approx(float(brute_force_rho(s, lps)), abs=1e-9)


def test_no_ref_vocabulary_all_256() -> None:
    for top in range(16):
        for bottom in range(16):
            s = PreferenceStructure(NO_REF, top, bottom)
            text = closed_form(s)
            assert text.startswith("log") or text in {"0", "∞", "−∞"}
