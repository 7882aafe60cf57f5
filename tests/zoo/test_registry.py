"""Registry behaviour: lookup, errors, compile overrides, and that the registry, ``dpalogic zoo``
and docs/zoo.md agree — including for a newly declared loss, which needs no other edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import dpalogic
from dpalogic import zoo
from dpalogic.errors import DPALogicError
from dpalogic.zoo.docs import render_markdown
from dpalogic.zoo.losses import ENTRIES, LOGIC, populate
from dpalogic.zoo.registry import LossEntry, Registry

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = [
    "CE", "CEUnl", "CPO", "SLiC-HF", "RRHF", "ORPO", "SimPO", "DPO", "IPO", "cDPO", "rDPO", "DPOP",
    "R-DPO", "ODPO", "unCPO", "cCPO", "cfUnl", "qfUnl", "fUnl", "cUNL", "l20", "sCE", "ref-ORPO",
]  # fmt: skip


def _t(*vals: float) -> dict[str, torch.Tensor]:
    keys = ("policy_chosen_logps", "policy_rejected_logps", "reference_chosen_logps",
            "reference_rejected_logps")  # fmt: skip
    out = {k: torch.tensor([v], dtype=torch.float64) for k, v in zip(keys, vals, strict=False)}
    out["chosen_lengths"] = torch.tensor([3.0], dtype=torch.float64)
    out["rejected_lengths"] = torch.tensor([5.0], dtype=torch.float64)
    return out


def test_every_required_loss_is_registered() -> None:
    for name in REQUIRED:
        assert zoo.get(name).name == name
    for e in zoo.entries():
        if e.kind != "reference-version" and not e.requires_reference:
            assert f"ref-{e.name}" in zoo.names() or e.name == "CPO"


def test_lookup_is_case_insensitive_with_aliases() -> None:
    assert zoo.get("dpo") is zoo.get("DPO") is zoo.get("ref-cpo")
    assert zoo.get("ref_orpo") is zoo.get("REF-ORPO")
    assert zoo.get("sft").name == "CE"
    assert zoo.get("Smaug").name == "DPOP"
    assert zoo.get("R-DPO") is not zoo.get("rDPO")


def test_unknown_name_lists_close_matches() -> None:
    with pytest.raises(DPALogicError, match=r"unknown loss 'simpoo'.*SimPO"):
        zoo.get("simpoo")
    with pytest.raises(zoo.UnknownLossError, match="did you mean"):
        zoo.get("ref-ORP")
    with pytest.raises(DPALogicError, match="must be a string"):
        zoo.get(3)  # type: ignore[arg-type]


def test_names_and_aliases_are_unique() -> None:
    seen: set[str] = set()
    for e in zoo.entries():
        for n in e.all_names:
            key = n.lower().replace("_", "-")
            assert key not in seen, n
            seen.add(key)
    reg = Registry()
    reg.add(ENTRIES[0])
    with pytest.raises(ValueError, match="already registered"):
        reg.add(ENTRIES[0])


def test_entries_by_kind() -> None:
    assert {e.kind for e in zoo.entries()} == set(zoo.KINDS)
    assert len(zoo.entries("novel")) == 8
    assert all(e.base for e in zoo.entries("reference-version"))
    with pytest.raises(DPALogicError, match="unknown kind"):
        zoo.entries("famous")


def test_published_entries_cite_arxiv() -> None:
    for e in zoo.entries("published"):
        assert e.citation.year >= 2020 and e.citation.venue
        if e.name != "cDPO":  # a technical note without an arXiv id
            assert e.citation.arxiv and e.citation.arxiv[:2].isdigit()


def test_compile_uses_entry_defaults_and_overrides() -> None:
    dpo = zoo.get("DPO").compile()
    assert dpo.beta == 0.1 and dpo.requires_reference
    x = _t(-1.0, -2.0, -1.5, -1.5)
    assert float(dpo(**x)) == pytest.approx(float(torch.nn.functional.softplus(torch.tensor(-0.1))))
    assert zoo.get("DPO").compile(beta=0.5).beta == 0.5
    hinge = zoo.get("DPO").compile(link="hinge", beta=1.0)
    assert float(hinge(**x)) == pytest.approx(0.0)
    with pytest.raises(DPALogicError, match="no hyperparameter"):
        zoo.get("DPO").compile(gamma=1.0)


def test_api_compile_resolves_zoo_names() -> None:
    x = _t(-1.0, -2.0, -1.5, -1.5)
    a = dpalogic.compile("ORPO")(**x)
    b = zoo.get("ORPO").compile()(**x)
    assert torch.equal(a, b)


def test_requires_reference_matches_compiled() -> None:
    for e in zoo.entries():
        assert e.compile().requires_reference == e.requires_reference, e.name


def test_bound_loss_forwards_and_checks_inputs() -> None:
    simpo = zoo.get("SimPO").compile()
    assert isinstance(simpo, zoo.BoundLoss)
    assert simpo.structure == zoo.get("SimPO").structure and simpo.beta == 2.0
    x = _t(-3.0, -10.0)
    d = simpo.details(**x)
    assert torch.allclose(d.loss, simpo(**x))
    odpo = zoo.get("ODPO").compile()
    with pytest.raises(DPALogicError, match="offsets"):
        odpo(**_t(-1.0, -2.0, -1.5, -1.5))
    y = {**_t(-1.0, -2.0, -1.5, -1.5), "offsets": torch.tensor([0.0], dtype=torch.float64)}
    assert torch.allclose(odpo(**y), zoo.get("DPO").compile()(**_t(-1.0, -2.0, -1.5, -1.5)))


def test_docs_page_is_generated_from_the_registry() -> None:
    page = (ROOT / "docs" / "zoo.md").read_text(encoding="utf-8")
    assert page == render_markdown(), "docs/zoo.md is stale: run python scripts/gen_zoo_doc.py"


def test_a_new_declaration_appears_everywhere(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Declaring a loss (one LossEntry in losses.ENTRIES) is the only edit needed: lookup,
    compile, its reference version, ``dpalogic zoo`` and docs/zoo.md all pick it up."""
    from dpalogic.cli import main
    from dpalogic.zoo import refmath as rm

    new = LossEntry(
        name="TestLoss",
        kind="novel",
        citation=LOGIC,
        formula_latex=r"-\log\sigma(\log p_w)",
        original="-log(sigmoid(log(p_w)))",
        ratio=("p_w", "1"),
        top_worlds=("TT", "TF"),
        bottom_worlds=("TT", "TF", "FT", "FF"),
        rho=lambda p, t: rm.logps(p, t)[0],
    )
    fresh = populate(Registry(), [*ENTRIES, new])
    monkeypatch.setattr(zoo, "REGISTRY", fresh)
    assert zoo.get("testloss") is new
    assert "ref-TestLoss" in zoo.names()
    x = _t(-0.5, -2.0, -1.0, -3.0)
    assert float(new.compile()(**x)) == pytest.approx(float(new.reference_loss(**x)))
    assert main(["zoo", "--json"]) == 0
    names = [r["name"] for r in json.loads(capsys.readouterr().out)]
    assert "TestLoss" in names and "ref-TestLoss" in names
    assert "### TestLoss" in render_markdown() and "### ref-TestLoss" in render_markdown()
