"""CLI: dpalogic lattice / neighbours / between / compare (thin shells over the landscape)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dpalogic.cli import main

TWELVE = ["CE", "CEUnl", "CPO", "ORPO", "unCPO", "cCPO", "cfUnl", "qfUnl", "fUnl", "cUNL", "l20",
          "sCE"]


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_lattice_json_paper_relations(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "lattice", *TWELVE, "--json")
    assert data["nodes"] == TWELVE
    edges = {tuple(e) for e in data["edges"]}
    assert {("CPO", "cCPO"), ("ORPO", "cCPO"), ("cCPO", "unCPO")} <= edges
    # CEUnl is the most constrained: it is the only node nothing points to
    targets = {b for _, b in edges}
    assert [n for n in data["nodes"] if n not in targets] == ["CEUnl"]
    assert data["regions"]["Implies(M(x,yl),M(x,yw))"][:2] == ["CPO", "ORPO"]
    assert data["structures"]["CPO"]["published"] and not data["structures"]["cCPO"]["published"]


def test_lattice_reference_is_isomorphic(capsys: pytest.CaptureFixture[str]) -> None:
    plain = run_json(capsys, "lattice", *TWELVE, "--json")
    ref = run_json(capsys, "lattice", *TWELVE, "--reference", "--json")
    assert "DPO" in ref["nodes"] and "ref-ORPO" in ref["nodes"]
    rename = dict(zip(plain["nodes"], ref["nodes"], strict=True))
    assert {(rename[a], rename[b]) for a, b in plain["edges"]} == {tuple(e) for e in ref["edges"]}
    assert len(ref["variables"]) == 4


def test_lattice_programs_and_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "lattice", "Implies(M(x,yl),M(x,yw)); PC=XOR(M(x,yl),M(x,yw))",
                    "M(x,yw)", "--json")
    assert data["nodes"] == ["ORPO", "CE"]  # programs identical to named losses take the name
    data = run_json(capsys, "lattice", "CPO", "SLiC-HF", "--json")
    assert data["nodes"] == ["CPO"] and data["structures"]["CPO"]["aliases"] == ["SLiC-HF"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")
def test_lattice_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lattice.svg"
    assert main(["lattice", "CPO", "ORPO", "cCPO", "--out", str(out)]) == 0
    assert "<svg" in out.read_text(encoding="utf-8")
    assert "wrote" in capsys.readouterr().out


def test_lattice_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lattice", "CPO", "cCPO"]) == 0
    out = capsys.readouterr().out
    assert "CPO" in out and "cCPO" in out


def test_neighbours(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "neighbours", "cCPO", "--json")
    # TT, TF ✓ only (2 down each), FT ✗ only (2 up), FF neither (1 up, 1 down)
    assert len(data["more_constrained"]) == 5 and len(data["less_constrained"]) == 3
    up = {tuple(n["named"]) for n in data["less_constrained"]}
    down = {tuple(n["named"]) for n in data["more_constrained"]}
    assert ("unCPO",) in up
    assert any("CPO" in names for names in down) and ("ORPO",) in down
    assert main(["neighbours", "cCPO"]) == 0
    assert "add FF to ✓" in capsys.readouterr().out


def test_between(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "between", "CEUnl", "unCPO", "--json", "--limit", "1000")
    # per world: TT ✗→✓ (4), TF ✓ (1), FT ✗ (1), FF ✗→✓ (4)
    assert data["count"] == 16 == data["matching"] == len(data["losses"])
    named = {n for x in data["losses"] for n in x["named"]}
    assert {"CEUnl", "CPO", "ORPO", "cCPO", "unCPO", "cUNL", "l20", "sCE"} <= named
    data = run_json(capsys, "between", "CEUnl", "unCPO", "--json", "--limit", "2")
    assert len(data["losses"]) == 2 and data["count"] == 16
    assert main(["between", "CEUnl", "unCPO"]) == 0
    assert "16 losses" in capsys.readouterr().out


def test_between_where(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("dpalogic.landscape.properties")
    data = run_json(capsys, "between", "CEUnl", "unCPO", "--where", "non-degenerate", "--count",
                    "--json", "--limit", "100")
    assert data["matching"] == len(data["losses"]) <= 16
    assert main(["between", "CEUnl", "unCPO", "--where", "nonsense"]) == 1
    assert "unknown property" in capsys.readouterr().err


def test_between_wrong_order_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["between", "unCPO", "CEUnl"]) == 1
    err = capsys.readouterr().err
    assert "empty interval" in err and "world" in err


def test_compare(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "compare", "CPO", "cCPO", "--json")
    assert data["relation"] == "more-constrained"
    assert data["equivalence"]["equivalent"] is False
    assert data["join"]["named"] == ["cCPO"]
    data = run_json(capsys, "compare", "And(M(x,yw),M(x,yl)); PC=M(x,yw)", "M(x,yl)", "--json")
    assert data["relation"] == "incomparable"
    assert data["equivalence"]["equivalent"] is True


def test_unknown_loss(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lattice", "NoSuchLoss"]) == 1
    assert "error" in capsys.readouterr().err


def test_compare_one_argument_lists_named_losses(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "compare", "Implies(M(x,yl),M(x,yw)); PC=XOR(M(x,yl),M(x,yw))",
                    "--json")
    assert {"name": "ORPO", "identical": True} in data["same_loss_as"]
    # p_w p_l / (p_w (1 − p_l)) = p_l / (1 − p_l): no named loss has it
    data = run_json(capsys, "compare", "And(M(x,yw),M(x,yl)); PC=M(x,yw)", "--json")
    assert data["same_loss_as"] == []
    # CE ∧ Ref(x,yw) on both sides: the same function as CE, written with other worlds
    prog = "M(x,yw); PC=Ref(x,yw)"
    data = run_json(capsys, "compare", prog, "--json")
    assert {"name": "CE", "identical": False} in data["same_loss_as"]
    assert main(["compare", prog]) == 0
    assert "≡ CE" in capsys.readouterr().out
