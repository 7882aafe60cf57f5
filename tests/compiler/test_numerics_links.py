"""log1mexp, links and the simplifier's structure."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dpalogic.compiler import LINKS, compile_structure, get_link, log1mexp
from dpalogic.compiler.expr import LSE, Compl, Lit, Prod, compile_full, factor_keys
from dpalogic.compiler.numerics import log1mexp_reference
from dpalogic.errors import DPALogicError

from .helpers import no_ref


@settings(max_examples=120, deadline=None)
@given(a=st.floats(-1e4, 0.0), dtype=st.sampled_from([torch.float32, torch.float64]))
def test_log1mexp_matches_reference_and_is_finite(a: float, dtype: torch.dtype) -> None:
    x = torch.tensor([a], dtype=dtype, requires_grad=True)
    y = torch.tensor([a], dtype=dtype, requires_grad=True)
    out, ref = log1mexp(x), log1mexp_reference(y)
    torch.testing.assert_close(out, ref)
    (gx,) = torch.autograd.grad(out.sum(), x)
    (gy,) = torch.autograd.grad(ref.sum(), y)
    assert torch.isfinite(out).all() and torch.isfinite(gx).all()
    torch.testing.assert_close(gx, gy)


def test_log1mexp_accuracy_and_floor() -> None:
    a = torch.tensor([-1e-20, -1e-8, -0.5, -0.7, -1.0, -40.0, -800.0], dtype=torch.float64)
    # the far branch matters: log(-expm1(-40)) rounds to 0, log1p(-exp(-40)) does not
    want = [math.log(-math.expm1(v)) if v > -0.69 else math.log1p(-math.exp(v)) for v in a.tolist()]
    torch.testing.assert_close(
        log1mexp(a), torch.tensor(want, dtype=torch.float64), rtol=1e-14, atol=0
    )
    for dtype in (torch.float32, torch.float64):
        z = torch.zeros(1, dtype=dtype, requires_grad=True)
        v = log1mexp(z)
        assert float(v.detach()) == pytest.approx(math.log(torch.finfo(dtype).tiny), rel=1e-6)
        (g,) = torch.autograd.grad(v.sum(), z)
        assert float(g) == 0.0


def test_links_formulas() -> None:
    rho = torch.linspace(-3, 3, 13, dtype=torch.float64)
    b, e = 0.7, 0.2
    torch.testing.assert_close(LINKS["logistic"](rho, b), -F.logsigmoid(b * rho))
    torch.testing.assert_close(
        get_link("cdpo", label_smoothing=e)(rho, b),
        -(1 - e) * F.logsigmoid(b * rho) - e * F.logsigmoid(-b * rho),
    )
    torch.testing.assert_close(
        get_link("robust", label_smoothing=e)(rho, b),
        ((1 - e) * -F.logsigmoid(b * rho) + e * F.logsigmoid(-b * rho)) / (1 - 2 * e),
    )
    torch.testing.assert_close(LINKS["hinge"](rho, b), torch.relu(1 - b * rho))
    torch.testing.assert_close(get_link("hinge_margin", delta=0.5)(rho, b), torch.relu(0.5 - rho))
    torch.testing.assert_close(LINKS["ipo"](rho, b), (rho - 1 / (2 * b)) ** 2)
    with pytest.raises(DPALogicError, match="unknown link"):
        get_link("nope")
    with pytest.raises(DPALogicError, match="delta"):
        get_link("logistic", delta=1.0)


def test_user_callable_link_and_details() -> None:
    loss = compile_structure(
        no_ref("TT TF", "TT FT"), link=lambda r, b: torch.exp(-b * r), beta=2.0
    )
    lw, ll = torch.tensor([-1.0]), torch.tensor([-3.0])
    torch.testing.assert_close(
        loss(policy_chosen_logps=lw, policy_rejected_logps=ll), torch.exp(-2.0 * (lw - ll))
    )


@pytest.mark.parametrize("link", sorted(LINKS))
def test_links_at_infinity_never_nan(link: str) -> None:
    rho = torch.tensor([math.inf, -math.inf, 0.0])
    assert not torch.isnan(get_link(link)(rho, 1.0)).any()


def test_simplifier_shapes() -> None:
    # unCPO's numerator 1 − (1 − p_w) p_l becomes one complement of a product.
    top = no_ref("TT TF FF", "FT").top
    assert compile_full(top, 2) == Compl(Prod((Lit(0, False), Lit(1, True))))
    # XOR needs a Shannon expansion.
    xor = no_ref("TF FT", "TT").top
    assert isinstance(compile_full(xor, 2), LSE)
    # a product set splits into independent factors; an unconstrained variable is dropped.
    dpo_top = sum(1 << w for w in range(16) if w & 1 and w & 8)
    assert factor_keys(dpo_top, 4) == [((0,), 0b10), ((3,), 0b10)]
    assert compile_full(dpo_top, 4) == Prod((Lit(0, True), Lit(3, True)))


def test_bad_beta_and_link_param() -> None:
    with pytest.raises(DPALogicError, match="beta"):
        compile_structure(no_ref("TF", "FT"), beta=0.0)
    with pytest.raises(DPALogicError, match="label_smoothing"):
        compile_structure(no_ref("TF", "FT"), link="robust", label_smoothing=0.6)(
            policy_chosen_logps=-1.0, policy_rejected_logps=-2.0
        )
