"""Compiled losses vs the definition (brute force) and hand-written formulas; values, grads."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dpalogic.compiler import (
    Regularizer,
    brute_force_rho,
    compile_structure,
    dpop,
    sft,
)
from dpalogic.errors import DPALogicError, UnknownVariableError
from dpalogic.logic import NO_REF, WITH_REF, Atom, PreferenceStructure

from .helpers import (
    KEYS,
    NOVEL,
    brute_rho_torch,
    dpo,
    from_predicates,
    inputs_for,
    no_ref,
    seed_novel,
)

masks16 = st.integers(0, (1 << 16) - 1)
moderate = st.floats(-4.0, -0.02)


def log1m(a: torch.Tensor) -> torch.Tensor:
    """Hand-written log(1 - e^a), the way most loss code writes it (fine for moderate a)."""
    return torch.log1p(-torch.exp(a))


# --- hand-written ρ of the paper's losses (independent of the compiler) ------------------------
def hand_rho(name: str, lw, ll, rw=None, rl=None):
    pw, pl = torch.exp(lw), torch.exp(ll)
    return {
        "CE": lambda: lw - log1m(lw),
        "CPO": lambda: lw - ll,
        "ORPO": lambda: lw + log1m(ll) - ll - log1m(lw),
        "DPO": lambda: lw + rl - ll - rw,
        "seed": lambda: lw + rl + log1m(ll) - ll - rw - log1m(lw),
        "unCPO": lambda: torch.log(pw * pl + 1 - pl) - ll - log1m(lw),
        "cCPO": lambda: lw - ll - log1m(lw),
        "cfUnl": lambda: log1m(ll) - ll - log1m(lw),
        "qfUnl": lambda: log1m(ll) - log1m(lw),
        "fUnl": lambda: log1m(ll) - ll,
        "cUNL": lambda: lw + log1m(ll) - ll,
        "l20": lambda: log1m(ll) - torch.log(pl + (1 - pw) * (1 - pl)),
        "sCE": lambda: lw - torch.log((1 - pw) + pw * pl),
    }[name]()


def named_structures() -> dict[str, PreferenceStructure]:
    out = {
        "CE": no_ref("TT TF", "FT FF"),
        "CPO": no_ref("TT TF", "TT FT"),
        "ORPO": no_ref("TF", "FT"),
        "DPO": dpo(),
        "seed": seed_novel(),
    }
    out.update({k: no_ref(*v) for k, v in NOVEL.items()})
    return out


NAMED = named_structures()


def _batch(n: int, dtype: torch.dtype, seed: int, lo: float = -4.0, hi: float = -0.02):
    g = torch.Generator().manual_seed(seed)
    return [
        (lo + (hi - lo) * torch.rand(n, generator=g, dtype=torch.float64))
        .to(dtype)
        .requires_grad_()
        for _ in range(4)
    ]


@pytest.mark.parametrize("name", sorted(NAMED))
@pytest.mark.parametrize("beta", [1.0, 0.1])
def test_matches_hand_written_float64(name: str, beta: float) -> None:
    s = NAMED[name]
    loss = compile_structure(s, beta=beta)
    xs = _batch(64, torch.float64, seed=hash(name) % 1000)
    kw = dict(zip(KEYS, xs, strict=True))
    got = loss(**kw)
    xs2 = [x.detach().clone().requires_grad_() for x in xs]
    want = -F.logsigmoid(beta * hand_rho(name, *xs2))
    torch.testing.assert_close(got, want, rtol=0, atol=1e-10)
    grads = torch.autograd.grad(got.sum(), xs, allow_unused=True, materialize_grads=True)
    wgrads = torch.autograd.grad(want.sum(), xs2, allow_unused=True, materialize_grads=True)
    for g, w in zip(grads, wgrads, strict=True):
        torch.testing.assert_close(g, w, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", sorted(NAMED))
def test_matches_hand_written_float32(name: str) -> None:
    s = NAMED[name]
    loss = compile_structure(s)
    xs = _batch(64, torch.float32, seed=7)
    got = loss(**dict(zip(KEYS, xs, strict=True)))
    x64 = [x.detach().double().requires_grad_() for x in xs]
    want = -F.logsigmoid(hand_rho(name, *x64))
    torch.testing.assert_close(got.double(), want, rtol=1e-5, atol=0)
    grads = torch.autograd.grad(got.sum(), xs, allow_unused=True, materialize_grads=True)
    wgrads = torch.autograd.grad(want.sum(), x64, allow_unused=True, materialize_grads=True)
    for g, w in zip(grads, wgrads, strict=True):
        torch.testing.assert_close(g.double(), w, rtol=1e-5, atol=1e-7)


@settings(max_examples=100, deadline=None)
@given(top=masks16, bottom=masks16, lps=st.lists(moderate, min_size=4, max_size=4))
def test_random_structures_match_brute_force(top: int, bottom: int, lps: list[float]) -> None:
    s = PreferenceStructure(WITH_REF, top, bottom)
    loss = compile_structure(s)
    xs = [torch.tensor([a], dtype=torch.float64, requires_grad=True) for a in lps]
    kw = dict(zip(KEYS, xs, strict=True))
    d = loss.details(**kw)
    want = brute_force_rho(s, lps)
    if top == 0 and bottom == 0:
        assert (
            float(d.rho.detach()) == 0.0
        )  # documented choice: ✓ = ✗ (even both empty) gives ρ = 0
    else:
        np.testing.assert_allclose(d.rho.detach().numpy(), [want], rtol=0, atol=1e-10)
    with np.errstate(divide="ignore"):
        lt = np.log(float(_wmc_np(top, lps)))
        lb = np.log(float(_wmc_np(bottom, lps)))
    np.testing.assert_allclose(d.log_wmc_top.detach().numpy(), [lt], rtol=0, atol=1e-10)
    np.testing.assert_allclose(d.log_wmc_bottom.detach().numpy(), [lb], rtol=0, atol=1e-10)
    grads = torch.autograd.grad(d.loss.sum(), xs, allow_unused=True, materialize_grads=True)
    assert all(torch.isfinite(g).all() for g in grads)
    if s.degeneracy is None:
        x2 = [x.detach().clone().requires_grad_() for x in xs]
        ref = -F.logsigmoid(brute_rho_torch(s, x2))
        wgrads = torch.autograd.grad(ref.sum(), x2, allow_unused=True, materialize_grads=True)
        for g, w in zip(grads, wgrads, strict=True):
            torch.testing.assert_close(g, w, rtol=1e-8, atol=1e-10)
    else:
        assert all(float(g.abs().sum()) == 0.0 for g in grads)


def _wmc_np(mask: int, lps: list[float]) -> float:
    from dpalogic.compiler import brute_force_wmc

    return float(brute_force_wmc(mask, [math.exp(a) for a in lps]))


@settings(max_examples=100, deadline=None)
@given(
    top=masks16,
    bottom=masks16,
    link=st.sampled_from(["logistic", "hinge", "squared", "robust", "cdpo"]),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    beta=st.sampled_from([0.1, 1.0, 10.0]),
    lps=st.lists(
        st.one_of(
            st.floats(-1e4, 0.0), st.sampled_from([0.0, -0.0, -1e4, -1e-45, -1e-30, -745.0, -100.0])
        ),
        min_size=4,
        max_size=4,
    ),
)
def test_extreme_inputs_finite(
    top: int, bottom: int, link: str, dtype: torch.dtype, beta: float, lps: list[float]
) -> None:
    s = PreferenceStructure(WITH_REF, top, bottom)
    params = {"label_smoothing": 0.1} if link in ("robust", "cdpo") else {}
    loss = compile_structure(s, link=link, beta=beta, **params)
    xs = [torch.tensor([a], dtype=dtype, requires_grad=True) for a in lps]
    d = loss.details(**dict(zip(KEYS, xs, strict=True)))
    assert not torch.isnan(d.loss).any() and not torch.isnan(d.rho).any()
    if s.degeneracy is None:
        assert torch.isfinite(d.loss).all() and torch.isfinite(d.rho).all()
    grads = torch.autograd.grad(d.loss.sum(), xs, allow_unused=True, materialize_grads=True)
    assert all(torch.isfinite(g).all() for g in grads)


def test_p_equal_one_is_floored_with_zero_gradient() -> None:
    loss = compile_structure(NAMED["ORPO"])
    lw = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    ll = torch.tensor([-1.0], dtype=torch.float64, requires_grad=True)
    rho = loss.rho(policy_chosen_logps=lw, policy_rejected_logps=ll)
    tiny = torch.finfo(torch.float64).tiny
    expected = 0.0 + math.log1p(-math.exp(-1.0)) - (-1.0) - math.log(tiny)
    assert float(rho.detach()) == pytest.approx(expected, abs=1e-9)
    (g,) = torch.autograd.grad(rho.sum(), lw)
    assert float(g) == 1.0  # only the positive literal log p_w contributes


@pytest.mark.parametrize(
    ("top", "bottom", "value"),
    [("", "FT", math.inf), ("TF", "", 0.0), ("TF", "TF", math.log(2.0)), ("", "", math.log(2.0))],
)
def test_degenerate_structures(top: str, bottom: str, value: float) -> None:
    loss = compile_structure(no_ref(top, bottom))
    lw = torch.tensor([-1.0, 0.0], requires_grad=True)
    ll = torch.tensor([-2.0, -1e4], requires_grad=True)
    out = loss(policy_chosen_logps=lw, policy_rejected_logps=ll)
    assert out.shape == (2,)
    assert (
        torch.all(out == value)
        if math.isinf(value) or value == 0
        else torch.allclose(out, torch.full((2,), value))
    )
    out.sum().backward()
    assert lw.grad is not None and torch.all(lw.grad == 0) and torch.all(ll.grad == 0)


def test_dpo_is_four_terms() -> None:
    loss = compile_structure(dpo())
    body = [
        ln.strip()
        for ln in loss.source.splitlines()[1:]
        if ln.strip() and not ln.strip().startswith("#")
    ]
    assert body == ["t1 = x0 + x3", "t2 = x1 + x2", "return t1, t2"]
    assert "logaddexp" not in loss.source and "log1mexp" not in loss.source


def test_common_factors_cancel() -> None:
    # ✓ = ORPO-top ∧ Ref(x,yw), ✗ = ORPO-bottom ∧ Ref(x,yw): the Ref factor cancels in ρ.
    s = from_predicates(
        WITH_REF,
        lambda w, lo, rw, rl: w and not lo and rw,
        lambda w, lo, rw, rl: lo and not w and rw,
    )
    loss = compile_structure(s)
    assert "x2" not in loss.source.split("def rho_parts")[1].split("\n", 5)[-1]
    assert loss.closed_form() == "log p_w (1 − p_l) / (p_l (1 − p_w))"


def test_details_and_attributes() -> None:
    loss = compile_structure(dpo(), beta=0.5)
    xs = _batch(5, torch.float64, seed=1)
    d = loss.details(**dict(zip(KEYS, xs, strict=True)))
    torch.testing.assert_close(d.rho, d.log_wmc_top - d.log_wmc_bottom)
    torch.testing.assert_close(d.loss, -F.logsigmoid(0.5 * d.rho))
    assert loss.requires_reference and loss.beta == 0.5 and loss.link == "logistic"
    assert loss.required_inputs == KEYS
    assert loss.structure == dpo()
    assert not compile_structure(NAMED["CPO"]).requires_reference


def test_unused_inputs_ignored_and_cpo_needs_no_reference() -> None:
    loss = compile_structure(NAMED["CPO"].lift(WITH_REF))
    assert loss.required_inputs == KEYS[:2]
    out = loss(
        policy_chosen_logps=torch.tensor([-1.0]),
        policy_rejected_logps=torch.tensor([-2.0]),
        reference_chosen_logps=torch.tensor([-9.0, -9.0]),
        extra=3,
    )
    assert out.shape == (1,)


def test_missing_reference_names_keyword() -> None:
    loss = compile_structure(dpo())
    with pytest.raises(DPALogicError, match="reference_chosen_logps"):
        loss(policy_chosen_logps=torch.zeros(2) - 1, policy_rejected_logps=torch.zeros(2) - 1)


def test_mismatched_shapes() -> None:
    loss = compile_structure(NAMED["CPO"])
    with pytest.raises(DPALogicError, match="mismatched tensor shapes"):
        loss(policy_chosen_logps=torch.zeros(3) - 1, policy_rejected_logps=torch.zeros(4) - 1)


def test_unknown_variables() -> None:
    from types import SimpleNamespace as NS

    bad = NS(variables=(NS(pred="M", out="yw"), NS(pred="M", out="yz")), top=2, bottom=4)
    with pytest.raises(UnknownVariableError, match="yz"):
        compile_structure(bad)
    with pytest.raises(DPALogicError, match=r"not a preference structure|unknown|expected"):
        compile_structure(42)


def test_other_predicates_bind_by_keyword_or_pair_and_copies_default() -> None:
    vs = (Atom("M", "yw"), Atom("M", "yl"), Atom("Mref", "yw"), Atom("Mref", "yl"))
    s = from_predicates(vs, lambda w, lo, mw, ml: w and ml, lambda w, lo, mw, ml: lo and mw)
    loss = compile_structure(s)
    lw, ll = torch.tensor([-1.0]), torch.tensor([-2.0])
    a = loss(policy_chosen_logps=lw, policy_rejected_logps=ll, Mref=(0.0, -0.5))
    b = loss(
        policy_chosen_logps=lw,
        policy_rejected_logps=ll,
        Mref_chosen_logps=torch.tensor([0.0]),
        Mref_rejected_logps=torch.tensor([-0.5]),
    )
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(a, -F.logsigmoid(lw - ll - 0.5))
    with pytest.raises(DPALogicError, match="Mref_chosen_logps"):
        loss(policy_chosen_logps=lw, policy_rejected_logps=ll)
    # DPOP-style copies: p_w p_w' r_l / (p_l r_w r_w'); M2/Ref2 default to M/Ref.
    vs2 = (*WITH_REF, Atom("M2", "yw"), Atom("Ref2", "yw"))
    s2 = from_predicates(
        vs2,
        lambda w, lo, rw, rl, w2, rw2: w and w2 and rl,
        lambda w, lo, rw, rl, w2, rw2: lo and rw and rw2,
    )
    xs = _batch(3, torch.float64, seed=3)
    got = compile_structure(s2).rho(**dict(zip(KEYS, xs, strict=True)))
    torch.testing.assert_close(got, 2 * xs[0] + xs[3] - xs[1] - 2 * xs[2])


def test_length_normalisation_simpo_style() -> None:
    vs = (Atom("M", "yw"), Atom("M", "yl"), Atom("Mref", "yw"), Atom("Mref", "yl"))
    s = from_predicates(vs, lambda w, lo, mw, ml: w and ml, lambda w, lo, mw, ml: lo and mw)
    beta, gamma = 2.0, 0.5
    loss = compile_structure(s, beta=beta, length_normalize={"M"})
    lw, ll = torch.tensor([-10.0, -30.0]), torch.tensor([-12.0, -8.0])
    cl, rl = torch.tensor([5.0, 10.0]), torch.tensor([4.0, 2.0])
    got = loss(
        policy_chosen_logps=lw,
        policy_rejected_logps=ll,
        chosen_lengths=cl,
        rejected_lengths=rl,
        Mref=(torch.tensor(0.0), torch.tensor(-gamma / beta)),
    )  # log m_w/m_l = γ/β
    want = -F.logsigmoid(beta * (lw / cl - ll / rl) - gamma)
    torch.testing.assert_close(got, want)
    with pytest.raises(DPALogicError, match="chosen_lengths"):
        loss(policy_chosen_logps=lw, policy_rejected_logps=ll, Mref=(-0.25, 0.0))


def test_regularizers() -> None:
    xs = _batch(4, torch.float64, seed=5)
    kw = dict(zip(KEYS, xs, strict=True))
    lw, ll, rw, rl = xs
    base = -F.logsigmoid(lw - ll)
    got = compile_structure(NAMED["CPO"], regularizers=[sft(0.3)])(**kw)
    torch.testing.assert_close(got, base + 0.3 * (-lw))
    got = compile_structure(dpo(), regularizers=[dpop(2.0)])(**kw)
    torch.testing.assert_close(got, -F.logsigmoid(lw + rl - ll - rw - 2.0 * torch.relu(rw - lw)))
    got = compile_structure(dpo(), regularizers=[dpop(2.0, inside_link=False)])(**kw)
    torch.testing.assert_close(got, -F.logsigmoid(lw + rl - ll - rw) + 2.0 * torch.relu(rw - lw))
    custom = Regularizer(
        "sq", 0.1, lambda k: k["policy_rejected_logps"] ** 2, inputs=("policy_rejected_logps",)
    )
    got = compile_structure(NAMED["CPO"], regularizers=[custom])(**kw)
    torch.testing.assert_close(got, base + 0.1 * ll**2)
    cl = torch.tensor([2.0, 3.0, 4.0, 5.0], dtype=torch.float64)
    got = compile_structure(NAMED["CPO"], regularizers=[sft(1.0, length_normalize=True)])(
        **kw, chosen_lengths=cl
    )
    torch.testing.assert_close(got, base - lw / cl)


def test_floats_and_no_ref_vocabulary() -> None:
    loss = compile_structure(PreferenceStructure.from_worlds(["TF"], ["FT"], NO_REF))
    out = loss(policy_chosen_logps=-1.0, policy_rejected_logps=-2.0)
    want = -F.logsigmoid(
        torch.tensor(-1.0 + math.log1p(-math.exp(-2.0)) + 2.0 - math.log1p(-math.exp(-1.0)))
    )
    torch.testing.assert_close(out, want)


def test_resolves_programs_via_api() -> None:
    loss = compile_structure("Implies(M(x,yl),M(x,yw)); PC=XOR(M(x,yl),M(x,yw))")
    assert loss.closed_form() == "log p_w (1 − p_l) / (p_l (1 − p_w))"


def test_generated_code_matches_inputs_helper() -> None:
    s = NAMED["seed"]
    xs = _batch(3, torch.float64, seed=11)
    a = compile_structure(s).rho(**inputs_for(s.variables, xs))
    torch.testing.assert_close(a, hand_rho("seed", *xs))


def test_torch_compile_fullgraph() -> None:
    loss = compile_structure(NAMED["seed"])
    xs = [x.detach().requires_grad_() for x in _batch(8, torch.float32, seed=2)]

    def f(a, b, c, d):
        return loss(
            policy_chosen_logps=a,
            policy_rejected_logps=b,
            reference_chosen_logps=c,
            reference_rejected_logps=d,
        ).sum()

    compiled = torch.compile(f, backend="aot_eager", fullgraph=True)
    out = compiled(*xs)
    out.backward()
    torch.testing.assert_close(out, f(*[x.detach() for x in xs]))
    assert all(x.grad is not None and torch.isfinite(x.grad).all() for x in xs)


@pytest.mark.slow
def test_torch_compile_inductor() -> None:
    loss = compile_structure(NAMED["unCPO"])
    xs = [x.detach().requires_grad_() for x in _batch(8, torch.float32, seed=2)[:2]]

    def f(a, b):
        return loss(policy_chosen_logps=a, policy_rejected_logps=b).sum()

    out = torch.compile(f)(*xs)
    out.backward()
    torch.testing.assert_close(out, f(*[x.detach() for x in xs]))
