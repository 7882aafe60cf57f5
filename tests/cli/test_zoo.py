"""``dpalogic zoo``: table, one entry, TRL classification, JSON, and errors."""

from __future__ import annotations

import json

import pytest

from dpalogic import zoo
from dpalogic.cli import main


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    assert main(["zoo", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_lists_the_whole_registry(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys)
    assert [r["name"] for r in data] == zoo.names()
    orpo = next(r for r in data if r["name"] == "ORPO")
    assert orpo["rho"] == "log p_w (1 − p_l) / (p_l (1 − p_w))"
    assert orpo["top"] == ["TF"] and orpo["bottom"] == ["FT"]
    assert orpo["citation"]["arxiv"] == "2403.07691"


def test_kind_filter(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "--kind", "novel")
    assert {r["name"] for r in data} == {
        "unCPO", "cCPO", "cfUnl", "qfUnl", "fUnl", "cUNL", "l20", "sCE"
    }  # fmt: skip


def test_one_entry_by_alias(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "ref-cpo")
    assert data["name"] == "DPO"
    assert data["requires_reference"] is True


def test_table_shows_every_name_and_formula(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["zoo"]) == 0
    out = capsys.readouterr().out
    for name in ("CE", "ORPO", "ref-ORPO", "unCPO", "DPO", "SimPO"):
        assert name in out
    assert "ρ" in out and "P_C" in out and "citation" in out


def test_one_entry_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["zoo", "cCPO"]) == 0
    out = capsys.readouterr().out
    assert "cCPO" in out and "TT TF" in out and "Richardson" in out
    assert "Implies(M(x,yl),M(x,yw))" in out


def test_trl_classification(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "--trl")
    kinds = {(r["trainer"], r["loss_type"]): r["kind"] for r in data}
    assert kinds[("DPOTrainer", "aot")] == "not-expressible"
    assert kinds[("DPOTrainer", "nca_pair")] == "weighted-sum"
    assert len([k for k in kinds if k[0] == "DPOTrainer"]) == 15
    assert main(["zoo", "--trl"]) == 0
    out = capsys.readouterr().out
    assert "aot_unpaired" in out and "not-expressible" in out


def test_unknown_name_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["zoo", "orpx"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dpalogic: error: unknown loss 'orpx'")
    assert "ORPO" in err and err.count("\n") == 1


def test_unknown_kind_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["zoo", "--kind", "famous"]) == 1
    assert "unknown kind" in capsys.readouterr().err
