"""Each failure class has a clear, specific message."""

from __future__ import annotations

import pytest

from dpalogic.decompiler import decompile
from dpalogic.errors import DecompileError, DPALogicError, FormulaSyntaxError


def test_world_counted_twice_is_named() -> None:
    with pytest.raises(DecompileError) as err:
        decompile("-logsigmoid(beta*log(p_w/(p_w + p_l)))")
    msg = str(err.value)
    assert "world TT (M(x,yw)=1, M(x,yl)=1) is counted twice" in msg
    assert "denominator" in msg


def test_world_counted_twice_in_numerator() -> None:
    with pytest.raises(DecompileError, match=r"world TT \(M\(x,yw\)=1, M\(x,yl\)=1\) is counted"):
        decompile("-log(sigmoid(log((p_w + p_l)/(1 - p_w))))")


def test_negative_world_coefficient() -> None:
    with pytest.raises(DecompileError, match=r"world FT .* gets coefficient -1"):
        decompile("-logsigmoid(log((p_w - p_l + 1)/p_l))".replace("+ 1", "+ 0"))


@pytest.mark.parametrize(
    "text",
    [
        "-logsigmoid(beta*(sqrt(p_w) - log(p_l)))",
        "-log(1 - sqrt(p_w))",
        "-logsigmoid(log((1 - sqrt(p_w))/p_l))",
    ],
)
def test_non_multilinear_sqrt(text: str) -> None:
    with pytest.raises(DecompileError, match=r"sqrt\(p_w\)|p_w\*\*\(1/2\)"):
        decompile(text)
    with pytest.raises(DecompileError, match=r"multilinear|copies"):
        decompile(text)


def test_non_multilinear_polynomial() -> None:
    with pytest.raises(DecompileError, match="not multilinear in p_w"):
        decompile("-logsigmoid(log((p_w**2 + p_l)/2/p_l))")


@pytest.mark.parametrize(
    "text",
    [
        "-logsigmoid(beta*(ref_logp_w - ref_logp_l))",
        "beta*gamma + 1",
        "-logsigmoid(beta*(logp_w - logp_w) + 1)",
    ],
)
def test_no_comparison(text: str) -> None:
    with pytest.raises(DecompileError, match="no comparison of the two outputs"):
        decompile(text)


def test_only_regulariser_no_preference_term_is_semantic_ce() -> None:
    # a bare NLL is the CE semantic loss, not an error
    assert decompile("-logp_w").structure.top_names() == ["TT", "TF"]


def test_symbolic_non_integer_ratio() -> None:
    with pytest.raises(DecompileError, match="not in an integer ratio"):
        decompile("-logsigmoid(beta*logp_w - lam*logp_l)")


def test_bare_log_ratio_has_no_link() -> None:
    with pytest.raises(DecompileError, match="bare log-ratio with no link"):
        decompile("logp_l - logp_w")


@pytest.mark.parametrize(
    ("text", "pos"),
    [
        ("-logsigmoid(beta*(logp_w - logp_l)", 11),
        ("logp_w +* 2", 8),
        ("foo(p_w)", 0),
        ("-log(p_w) + bar(p_l)", 12),
    ],
)
def test_parse_errors_have_positions(text: str, pos: int) -> None:
    with pytest.raises(FormulaSyntaxError) as err:
        decompile(text)
    assert err.value.position == pos
    assert f"at position {pos}" in str(err.value)
    assert isinstance(err.value, DPALogicError)


def test_unknown_function_named() -> None:
    with pytest.raises(FormulaSyntaxError, match="unknown function 'foo'"):
        decompile("foo(p_w)")
