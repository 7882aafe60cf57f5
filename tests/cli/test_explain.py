"""``dpalogic explain``: text and JSON output, errors."""

from __future__ import annotations

import json

import pytest

from dpalogic.cli import main
from dpalogic.cli.explain import explain_data

SEED_P = "Implies(And(M(x,yl),Ref(x,yw)),M(x,yw))"
SEED_PC = "Or(And(M(x,yw),Not(M(x,yl)),Ref(x,yl)),And(M(x,yl),Not(M(x,yw)),Ref(x,yw)))"


def test_json_for_a_program(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", SEED_P, "--pc", SEED_PC, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["name"] is None
    assert d["variables"] == ["M(x,yw)", "M(x,yl)", "Ref(x,yw)", "Ref(x,yl)"]
    assert d["P"] == SEED_P and d["PA"] in {"Bot", "⊥"}
    assert sorted(d["top"]) == ["1001", "1011"]  # M(x,yw) ∧ ¬M(x,yl) ∧ Ref(x,yl)
    assert sorted(d["bottom"]) == ["0110", "0111"]
    assert d["rho"] == "log p_w r_l (1 − p_l) / (p_l r_w (1 − p_w))"


def test_json_for_a_zoo_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "ORPO", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["name"] == "ORPO"
    assert d["top"] == ["10"] and d["bottom"] == ["01"]
    assert d["rho"] == "log p_w (1 − p_l) / (p_l (1 − p_w))"


def test_text_output_has_table_region_and_rho(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["explain", "Implies(M(x,yl),M(x,yw)); PC=Or(M(x,yl),M(x,yw)); PA=And(M(x,yw),M(x,yl))"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "both" in out and "✗" in out and "neither" in out  # CPO: TT is both, FF neither
    assert "region:" in out
    assert "ρ = log p_w / p_l" in out


def test_degenerate_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "M(x,yw)", "--pc", "Not(M(x,yw))"]) == 0
    out = capsys.readouterr().out
    assert "empty-top" in out and "−∞" in out


def test_bad_program_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "Implies(M(x,yl)"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dpalogic: error:") and err.count("\n") == 1


def test_explain_data_matches_compiler() -> None:
    from dpalogic import api
    from dpalogic.compiler import closed_form

    d = explain_data("DPO")
    assert d["rho"] == closed_form(api.resolve("DPO")) == "log p_w r_l / (p_l r_w)"
