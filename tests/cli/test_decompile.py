"""CLI: dpalogic decompile "EXPR" [--json]."""

from __future__ import annotations

import json

import pytest

from dpalogic.cli import main


def test_decompile_json_dpo(capsys: pytest.CaptureFixture[str]) -> None:
    expr = (
        "-logsigmoid(beta*((policy_chosen_logps - reference_chosen_logps)"
        " - (policy_rejected_logps - reference_rejected_logps)))"
    )
    assert main(["decompile", expr, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in (
        "name",
        "variables",
        "P",
        "PC",
        "PA",
        "top",
        "bottom",
        "rho",
        "link",
        "beta",
        "stripped",
    ):
        assert key in data
    assert data["variables"] == ["M(x,yw)", "M(x,yl)", "Ref(x,yw)", "Ref(x,yl)"]
    assert data["link"] == "logistic" and data["beta"] == "beta"
    # ✓ = M(x,yw) ∧ Ref(x,yl): bit strings over the variables
    assert sorted(data["top"]) == ["1001", "1011", "1101", "1111"]
    assert sorted(data["bottom"]) == ["0110", "0111", "1110", "1111"]
    assert data["rho"] == "log p_w r_l / (p_l r_w)"


def test_decompile_json_stripped_and_terms(capsys: pytest.CaptureFixture[str]) -> None:
    expr = "-logsigmoid(beta*(logp_w/len_w - logp_l/len_l) - gamma) - 0.01*logp_w"
    assert main(["decompile", expr, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    kinds = {s["kind"] for s in data["stripped"]}
    assert {"regularizer", "length-normalization", "margin"} <= kinds
    assert len(data["terms"]) == 1
    bco = "-logsigmoid(beta*(logp_w - ref_logp_w)) - logsigmoid(-beta*(logp_l - ref_logp_l))"
    assert main(["decompile", bco, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["terms"]) == 2


def test_decompile_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decompile", "-log(p_w) - log(1 - p_l)"]) == 0
    out = capsys.readouterr().out
    assert "And(M(x,yw),Not(M(x,yl)))" in out and "logistic" in out


def test_decompile_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decompile", "-logsigmoid(beta*log(p_w/(p_w + p_l)))", "--json"]) == 1
    err = capsys.readouterr().err
    assert "world TT (M(x,yw)=1, M(x,yl)=1) is counted twice" in err
    assert main(["decompile", "log(p_w"]) == 1
    assert "position" in capsys.readouterr().err
