"""Random structures compiled to text (the compiler's ρ) and read back: the same structure when
the two sides share no factor, and always the same loss, exactly."""

from __future__ import annotations

import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dpalogic.compiler import compile_structure, rho_sympy, weight_symbols
from dpalogic.compiler.closed_form import wmc_polynomial
from dpalogic.decompiler import decompile
from dpalogic.errors import DecompileError
from dpalogic.landscape.properties import analyze
from dpalogic.logic import NO_REF, WITH_REF, PreferenceStructure

from .conftest import KEYS, batch

LINKS = {
    "logistic": "-logsigmoid(beta*({rho}))",
    "squared": "({rho} - 1/(2*beta))**2",
    "hinge": "max(0, 1 - beta*({rho}))",
}


def _coprime(s: PreferenceStructure) -> bool:
    """Whether WMC(✓) and WMC(✗) share no factor (else ρ simplifies to another structure's)."""
    syms = weight_symbols(s.variables)
    top, bottom = wmc_polynomial(s.top, syms), wmc_polynomial(s.bottom, syms)
    return sympy.gcd(sympy.expand(top), sympy.expand(bottom)).is_number


@st.composite
def structures(draw: st.DrawFn) -> PreferenceStructure:
    variables = draw(st.sampled_from([NO_REF, WITH_REF]))
    full = (1 << (1 << len(variables))) - 1
    top = draw(st.integers(1, full))
    bottom = draw(st.integers(1, full).filter(lambda b: b != top))
    return PreferenceStructure.from_worlds(top, bottom, variables)


def _check(s: PreferenceStructure, link: str, beta: float, seed: int) -> None:
    text = LINKS[link].format(rho=str(rho_sympy(s)))
    if analyze(s).policy_independent:  # nothing compares the outputs: the decompiler says so
        with pytest.raises(DecompileError, match="no comparison of the two outputs"):
            decompile(text)
        return
    result = decompile(text)
    assert result.link == link
    term = result.terms[0]
    if _coprime(s):
        got = term.structure
        assert got == s or (got.negate() == s and link == "squared")
    kw = batch(seed)
    want = compile_structure(s, link=link, beta=beta)(**{k: kw[k] for k in KEYS})
    got_loss = result.compile(beta=beta)(**kw)
    torch.testing.assert_close(got_loss, want, rtol=1e-10, atol=1e-10)
    ref = result.evaluate_source(**kw, beta=beta)
    torch.testing.assert_close(got_loss, ref, rtol=1e-10, atol=1e-10)
    leaves = [kw[k] for k in KEYS]
    g1 = torch.autograd.grad(got_loss.sum(), leaves, allow_unused=True)
    g2 = torch.autograd.grad(ref.sum(), leaves, allow_unused=True)
    for a, b, x in zip(g1, g2, leaves, strict=True):
        a = torch.zeros_like(x) if a is None else a
        b = torch.zeros_like(x) if b is None else b
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-10)


@settings(max_examples=8, deadline=None, derandomize=True)
@given(structures(), st.sampled_from(sorted(LINKS)), st.floats(0.05, 3.0), st.integers(0, 99))
def test_random_structure_text_round_trip(
    s: PreferenceStructure, link: str, beta: float, seed: int
) -> None:
    _check(s, link, beta, seed)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, derandomize=True)  # the same examples in every CI run
@given(structures(), st.sampled_from(sorted(LINKS)), st.floats(0.05, 3.0), st.integers(0, 99))
def test_random_structure_text_round_trip_many(
    s: PreferenceStructure, link: str, beta: float, seed: int
) -> None:
    _check(s, link, beta, seed)


def test_a_policy_independent_structure_is_refused_by_name() -> None:
    # ✓ = ¬Ref(x,yw), ✗ = Ref(x,yw): ρ = log (1 − r_w)/r_w compares nothing the model does
    s = PreferenceStructure.from_worlds(
        [w for w in range(16) if not (w >> 2) & 1], [w for w in range(16) if (w >> 2) & 1],
        WITH_REF)
    assert analyze(s).policy_independent
    _check(s, "hinge", 1.0, 0)


def test_common_factor_cancels_to_an_equivalent_structure() -> None:
    # ✓ = FF, ✗ = TF share the factor (1 − p_l): ρ = log (1 − p_w)/p_w, read back as ¬M(x,yw)
    s = PreferenceStructure.from_worlds(["FF"], ["TF"], NO_REF)
    assert not _coprime(s)
    _check(s, "logistic", 0.5, 1)
    got = decompile(f"-logsigmoid(beta*({rho_sympy(s)}))").structure
    assert sorted(got.top_names()) == ["FF", "FT"] and sorted(got.bottom_names()) == ["TF", "TT"]


def test_every_zoo_structure_reads_back() -> None:
    from dpalogic import zoo
    from dpalogic.logic import standard_order

    for name in zoo.names():
        s = zoo.get(name).structure
        got = decompile(f"-logsigmoid(beta*({rho_sympy(s)}))").structure
        V = standard_order(set(s.variables) | set(got.variables))
        assert got.lift(V) == s.lift(V), name
