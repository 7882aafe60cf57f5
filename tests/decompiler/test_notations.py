"""The notations people write losses in: TRL's names, short names, probabilities, odds, length
normalisation, margins, sums of terms and Python functions traced symbolically."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dpalogic import zoo
from dpalogic.decompiler import decompile, parse_loss, trace

from .conftest import assert_round_trip

DPO = zoo.get("DPO").structure
CPO = zoo.get("CPO").structure

DPO_TEXTS = [
    "-logsigmoid(beta*((policy_chosen_logps - reference_chosen_logps)"
    " - (policy_rejected_logps - reference_rejected_logps)))",
    "-F.logsigmoid(beta*(logp_w - ref_logp_w - logp_l + ref_logp_l)).mean()",
    "-log(sigmoid(beta*log(p_w*r_l/(p_l*r_w))))",
    "softplus(-beta*(log(pi_w/pi_ref_w) - log(pi_l/pi_ref_l)))",
    "log(1 + exp(-beta*(logp_w - logp_l - logr_w + logr_l)))",
    "-log(sigmoid(beta*log(p_w/r_w)) ** 0 * sigmoid(beta*log(p_w*r_l/(p_l*r_w))))",
]


def test_dpo_in_every_notation() -> None:
    for text in DPO_TEXTS:
        r = decompile(text)
        assert r.structure == DPO, text
        assert r.link == "logistic" and str(r.beta) == "beta", text
        assert_round_trip(r, {"beta": 0.7})


def test_numeric_beta_and_scaled_rho() -> None:
    r = decompile("-logsigmoid(0.5*logp_w - 0.5*logp_l)")
    assert r.structure == CPO and float(r.beta) == 0.5
    # a factor 2 inside is β, not copies: β·(2ρ) with ρ primitive
    r = decompile("-logsigmoid(beta*(2*logp_w - 2*logp_l))")
    assert r.structure == CPO and str(r.beta) == "2*beta"
    assert_round_trip(r, {"beta": 0.3})


def test_odds_and_probability_forms() -> None:
    r = decompile("-log(sigmoid(log((p_w/(1-p_w))/(p_l/(1-p_l)))))")
    assert r.structure == zoo.get("ORPO").structure
    assert r.beta == 1
    assert_round_trip(r, {})


def test_ipo_in_log_probs_and_margin_sign() -> None:
    r = decompile("((logp_w - ref_logp_w) - (logp_l - ref_logp_l) - 1/(2*beta))**2")
    assert r.structure == DPO and r.link == "squared" and str(r.beta) == "beta"
    # the same square written with ρ negated still reads DPO's orientation
    r2 = decompile("(log(p_l*r_w/(p_w*r_l)) + 1/(2*beta))**2")
    assert r2.structure == DPO
    assert_round_trip(r2, {"beta": 0.2})


def test_hinge_forms() -> None:
    r = decompile("relu(1 - beta*(logp_w - logp_l))")
    assert r.link == "hinge" and str(r.beta) == "beta" and r.structure == CPO
    assert_round_trip(r, {"beta": 0.4})
    r = decompile("torch.clamp_min(delta - 2*(logp_w - logp_l), 0)")
    assert r.link == "hinge_margin" and r.structure == CPO
    assert_round_trip(r, {"delta": 0.8})


def test_sum_of_terms_gives_a_list_of_structures() -> None:
    text = "-logsigmoid(beta*(logp_w - ref_logp_w)) - logsigmoid(-beta*(logp_l - ref_logp_l))"
    r = decompile(text)
    assert len(r.terms) == 2
    a, b = r.structures
    assert a.top_names() and sorted(a.swap().negate().top_names()) == sorted(b.top_names())
    assert [str(t.weight) for t in r.terms] == ["1", "1"]
    assert_round_trip(r, {"beta": 0.1})
    # TRL's bco_pair, with its running-mean shift δ, and weighted terms
    bco = decompile(
        "-logsigmoid(beta*(logp_w - ref_logp_w) - delta)"
        " - 0.5*logsigmoid(-(beta*(logp_l - ref_logp_l) - delta))"
    )
    assert len(bco.terms) == 2 and {str(t.weight) for t in bco.terms} == {"1", "1/2"}
    assert all(t.margin is not None for t in bco.terms)
    assert_round_trip(bco, {"beta": 0.1, "delta": 0.05})


def test_robust_label_smoothing() -> None:
    h = "(logp_w - ref_logp_w - logp_l + ref_logp_l)"
    text = f"((1-eps)*(-logsigmoid(beta*{h})) + eps*logsigmoid(-beta*{h}))/(1-2*eps)"
    r = decompile(text)
    assert r.link == "robust" and r.structure == DPO
    assert str(r.terms[0].link_params["label_smoothing"]) == "eps"
    assert_round_trip(r, {"beta": 0.1, "eps": 0.2})


def test_margins_and_regularisers_are_reported() -> None:
    r = decompile("-logsigmoid(beta*(logp_w/len_w - logp_l/len_l) - gamma) - 0.01*logp_w")
    kinds = [s.kind for s in r.all_stripped()]
    assert kinds.count("regularizer") == 1 and "margin" in kinds
    assert "length-normalization" in kinds
    assert [str(v) for v in r.structure.variables][-2:] == ["Mref(x,yw)", "Mref(x,yl)"]
    assert_round_trip(r, {"beta": 2.0, "gamma": 1.0})
    dpop_outside = decompile("-logsigmoid(beta*log(p_w*r_l/(p_l*r_w))) + lam*max(0, log(r_w/p_w))")
    assert [g.name for g in dpop_outside.regularizers] == ["dpop"]
    assert_round_trip(dpop_outside, {"beta": 0.1, "lam": 2.0})


def test_constant_and_weights_kept() -> None:
    r = decompile("3*(-log(p_w)) + 2")
    assert str(r.terms[0].weight) == "3" and r.constant == 2
    assert_round_trip(r, {})


def test_repeated_factor_becomes_copies() -> None:
    r = decompile("-logsigmoid(beta*(2*logp_w - logp_l))")
    names = {str(v) for v in r.structure.used_variables()}
    assert names == {"M(x,yw)", "M(x,yl)", "M2(x,yw)"}
    assert any(s.kind == "copy" for s in r.all_stripped())
    assert_round_trip(r, {"beta": 0.5})


def test_parse_reductions_recorded() -> None:
    _, reductions = parse_loss("(-logsigmoid(logp_w - logp_l)).mean()")
    assert reductions == ["mean"]


def trl_dpo(
    policy_chosen_logps,
    policy_rejected_logps,
    reference_chosen_logps,
    reference_rejected_logps,
    beta=0.1,
    label_smoothing=0.0,
):  # type: ignore[no-untyped-def]
    """TRL's sigmoid loss (with cDPO's label smoothing), as written in the trainer."""
    pi_logratios = policy_chosen_logps - policy_rejected_logps
    ref_logratios = reference_chosen_logps - reference_rejected_logps
    logits = pi_logratios - ref_logratios
    losses = (
        -F.logsigmoid(beta * logits) * (1 - label_smoothing)
        - F.logsigmoid(-beta * logits) * label_smoothing
    )
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps).detach()
    return losses.mean(), chosen_rewards


def orpo_like(
    policy_chosen_logps, policy_rejected_logps, chosen_lengths, rejected_lengths, lam=0.1
):  # type: ignore[no-untyped-def]
    """ORPO with torch.exp / torch.log1p / torch.sigmoid / torch.log, as code bases write it."""
    lw = policy_chosen_logps / chosen_lengths
    ll = policy_rejected_logps / rejected_lengths
    log_odds = (lw - ll) - (torch.log1p(-torch.exp(lw)) - torch.log1p(-torch.exp(ll)))
    ratio = torch.log(torch.sigmoid(log_odds))
    return (-lw - lam * ratio).mean()


def slic_like(policy_chosen_logps, policy_rejected_logps, delta, lam):  # type: ignore[no-untyped-def]
    return (
        torch.relu(delta - (policy_chosen_logps - policy_rejected_logps))
        - lam * policy_chosen_logps
    ).clamp_min(0.0) * 1.0


def test_traced_functions() -> None:
    r = decompile(trl_dpo)
    assert r.link == "cdpo" and r.structure == DPO
    assert any(s.kind == "reduction" for s in r.all_stripped())
    assert_round_trip(r, {"beta": 0.1, "label_smoothing": 0.1})
    r = decompile(orpo_like)
    assert r.structure == zoo.get("ORPO").structure
    assert [(g.name, g.length_normalize) for g in r.regularizers] == [("sft", True)]
    assert_round_trip(r, {"lam": 0.2})
    expr, _, _ = trace(trl_dpo, symbolic_defaults=False)
    assert "beta" not in str(expr)


def test_traced_clamp_outside_is_rejected_clearly() -> None:
    import pytest

    from dpalogic.errors import DecompileError

    with pytest.raises(DecompileError, match=r"no link recognised|max"):
        decompile(slic_like)


def test_custom_links_are_kept_exactly() -> None:
    h = "(logp_w - ref_logp_w - logp_l + ref_logp_l)"
    exo = (
        f"sigmoid(beta*{h})*(logsigmoid(beta*{h}) - log(1-eps))"
        f" + sigmoid(-beta*{h})*(logsigmoid(-beta*{h}) - log(eps))"
    )
    r = decompile(exo)
    assert len(r.terms) == 1 and r.link == "custom" and r.structure == DPO
    assert r.terms[0].to_json()["link"].startswith("custom: f(t) = ")
    assert_round_trip(r, {"beta": 0.1, "eps": 0.001})
    r = decompile(f"exp(-beta*{h})")
    assert r.structure == DPO and str(r.terms[0].link_expr) == "exp(-t)"
    assert_round_trip(r, {"beta": 0.3})


def test_constant_factors_inside_logs_become_offsets() -> None:
    r = decompile("-log(2*p_w) - 2*log(1-p_l)")
    assert str(r.constant) == "-log(2)"
    assert {str(v) for v in r.structure.used_variables()} == {"M(x,yw)", "M(x,yl)", "M2(x,yl)"}
    assert_round_trip(r, {})
    r = decompile("-logsigmoid(beta*(logp_w-logp_l)) - lam*log(2*p_w)")
    assert [g.name for g in r.regularizers] == ["sft"] and str(r.constant) == "-lam*log(2)"
    assert_round_trip(r, {"beta": 0.1, "lam": 0.3})
