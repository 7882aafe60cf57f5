"""The registry's ✓/✗ sets agree with SEMANTICS.md, encoded here independently.

The tables of SEMANTICS §3 are transcribed as world names over ``(M(x,yw), M(x,yl))`` (TT, TF, FT,
FF) and, for losses with more propositions, as Python predicates over a world's truth values —
never by reusing the registry's formulas.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from dpalogic import zoo
from dpalogic.logic import NO_REF, Atom, PreferenceStructure, parse
from dpalogic.zoo.derive import reference_version
from dpalogic.zoo.losses import SEED_REF_ORPO

#: SEMANTICS §3, named and novel losses (✓, ✗) over (M(x,yw), M(x,yl)).
TABLE = {
    "CE": ("TT TF", "FT FF"),
    "CEUnl": ("TF", "TT FT FF"),
    "CPO": ("TT TF", "TT FT"),
    "ORPO": ("TF", "FT"),
    "unCPO": ("TT TF FF", "FT"),
    "cCPO": ("TT TF", "FT"),
    "cfUnl": ("TF FF", "FT"),
    "qfUnl": ("TF FF", "FT FF"),
    "fUnl": ("TF FF", "TT FT"),
    "cUNL": ("TF", "TT FT"),
    "l20": ("TF FF", "TT FT FF"),
    "sCE": ("TT TF", "TT FT FF"),
    # SLiC and RRHF share CPO's ρ (SEMANTICS §1: "CPO (and SLiC, RRHF with other f)")
    "SLiC-HF": ("TT TF", "TT FT"),
    "RRHF": ("TT TF", "TT FT"),
}

World = dict[tuple[str, str], bool]


def _v(w: World, pred: str, out: str) -> bool:
    return w[(pred, out)]


#: Losses with more propositions: ✓ and ✗ as predicates of a world (SEMANTICS §1, §3).
PREDICATES: dict[str, tuple[Callable[[World], bool], Callable[[World], bool]]] = {
    # DPO (and IPO, cDPO with other f): p_w r_l / (p_l r_w)
    **{
        name: (
            lambda w: _v(w, "M", "yw") and _v(w, "Ref", "yl"),
            lambda w: _v(w, "M", "yl") and _v(w, "Ref", "yw"),
        )
        for name in ("DPO", "IPO", "cDPO", "rDPO", "DPOP")
    },
    # SimPO: DPO's form with the reference replaced by a margin reference m
    "SimPO": (
        lambda w: _v(w, "M", "yw") and _v(w, "Mref", "yl"),
        lambda w: _v(w, "M", "yl") and _v(w, "Mref", "yw"),
    ),
    # DPOP: p_w p_w' r_l / (p_l r_w r_w') with copies
    "DPOP-copy": (
        lambda w: _v(w, "M", "yw") and _v(w, "M2", "yw") and _v(w, "Ref", "yl"),
        lambda w: _v(w, "M", "yl") and _v(w, "Ref", "yw") and _v(w, "Ref2", "yw"),
    ),
    # DPO with a per-example margin reference
    **{
        name: (
            lambda w: _v(w, "M", "yw") and _v(w, "Ref", "yl") and _v(w, "Mref", "yl"),
            lambda w: _v(w, "M", "yl") and _v(w, "Ref", "yw") and _v(w, "Mref", "yw"),
        )
        for name in ("R-DPO", "ODPO")
    },
}


def _worlds(s: PreferenceStructure, pred: Callable[[World], bool]) -> int:
    mask = 0
    for w in range(2**s.n):
        world = {(a.pred, a.out): bool((w >> i) & 1) for i, a in enumerate(s.variables)}
        if pred(world):
            mask |= 1 << w
    return mask


def _names_pred(names: str) -> Callable[[World], bool]:
    """A predicate for a set of TT/TF/FT/FF worlds (Ref and other atoms free)."""
    pairs = {(n[0] == "T", n[1] == "T") for n in names.split()}
    return lambda w: (w[("M", "yw")], w[("M", "yl")]) in pairs


@pytest.mark.parametrize("name", sorted(TABLE))
def test_no_reference_tables(name: str) -> None:
    s = zoo.get(name).structure
    assert s.variables == NO_REF
    top, bottom = TABLE[name]
    assert set(s.top_names()) == set(top.split())
    assert set(s.bottom_names()) == set(bottom.split())
    assert not zoo.get(name).requires_reference


@pytest.mark.parametrize("name", sorted(PREDICATES))
def test_structures_with_more_propositions(name: str) -> None:
    s = zoo.get(name).structure
    top, bottom = PREDICATES[name]
    assert s.top == _worlds(s, top)
    assert s.bottom == _worlds(s, bottom)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_reference_versions(name: str) -> None:
    """SEMANTICS §3: the reference version is (T ∧ Ref(x,yl)) / (B ∧ Ref(x,yw))."""
    entry = zoo.get("DPO") if name == "CPO" else zoo.get(f"ref-{name}")
    s = entry.structure
    top, bottom = TABLE[name]
    assert s.top == _worlds(s, lambda w: _names_pred(top)(w) and w[("Ref", "yl")])
    assert s.bottom == _worlds(s, lambda w: _names_pred(bottom)(w) and w[("Ref", "yw")])
    assert entry.requires_reference


def test_every_no_reference_loss_has_a_reference_version() -> None:
    for e in zoo.entries():
        if e.kind == "reference-version" or e.requires_reference:
            continue
        other = zoo.get("DPO") if e.name == "CPO" else zoo.get(f"ref-{e.name}")
        assert other.structure == reference_version(e.structure)
        assert other.kind == ("published" if e.name == "CPO" else "reference-version")


def test_dpo_is_reference_version_of_cpo() -> None:
    assert zoo.get("ref-CPO") is zoo.get("DPO")
    assert reference_version(zoo.get("CPO").structure) == zoo.get("DPO").structure


def test_seed_novel_loss_is_reference_orpo() -> None:
    """The seed's novel loss, written as SEMANTICS §3 writes it, is the registry's ref-ORPO."""
    seed = PreferenceStructure.from_triple(
        SEED_REF_ORPO["P"], SEED_REF_ORPO["PC"], SEED_REF_ORPO["PA"]
    )
    assert seed == zoo.get("ref-ORPO").structure
    # ... and compiles to −log σ(log p_w r_l (1 − p_l) / (p_l r_w (1 − p_w)))
    t = {k: torch.tensor([v], dtype=torch.float64) for k, v in zip(
        ("policy_chosen_logps", "policy_rejected_logps",
         "reference_chosen_logps", "reference_rejected_logps"),
        (-0.7, -1.9, -1.1, -0.4), strict=True)}  # fmt: skip
    pw, pl, rw, rl = (float(torch.exp(v)) for v in t.values())
    import math

    rho = math.log(pw * rl * (1 - pl) / (pl * rw * (1 - pw)))
    loss = zoo.get("ref-ORPO").compile(beta=1.0, length_normalize=False, sft_weight=0.0)
    assert float(loss(**t)) == pytest.approx(math.log1p(math.exp(-rho)), abs=1e-12)


def test_lattice_relations_of_section_4() -> None:
    """CPO, ORPO → cCPO → unCPO; CEUnl is the most constrained named no-reference loss."""

    def more_constrained(a: str, b: str) -> bool:
        sa, sb = zoo.get(a).structure, zoo.get(b).structure
        return (sa.top & ~sb.top) == 0 and (sb.bottom & ~sa.bottom) == 0 and sa != sb

    assert more_constrained("CPO", "cCPO")
    assert more_constrained("ORPO", "cCPO")
    assert more_constrained("cCPO", "unCPO")
    ceunl = zoo.get("CEUnl").structure
    others = [e for e in zoo.entries() if e.structure.variables == NO_REF and e.name != "CEUnl"]
    assert len(others) >= 12
    for e in others:
        assert more_constrained("CEUnl", e.name), e.name
    assert all(e.structure != ceunl for e in others)


@pytest.mark.parametrize("entry", zoo.entries(), ids=zoo.names())
def test_closed_form_rho_matches_paper(entry: zoo.LossEntry) -> None:
    """The compiled ρ equals the paper's closed form (the entry's ``rho``) on moderate inputs."""
    gen = torch.Generator().manual_seed(7)
    n = 256
    batch = {
        k: -torch.rand(n, generator=gen, dtype=torch.float64) * 12 - 1e-3
        for k in ("policy_chosen_logps", "policy_rejected_logps",
                  "reference_chosen_logps", "reference_rejected_logps")
    }  # fmt: skip
    batch["chosen_lengths"] = torch.randint(1, 40, (n,), generator=gen).double()
    batch["rejected_lengths"] = torch.randint(1, 40, (n,), generator=gen).double()
    batch["offsets"] = torch.randn(n, generator=gen, dtype=torch.float64)
    compiled = entry.compile()
    rho = compiled.rho(**batch)
    if any(r.inside_link for r in getattr(compiled, "regularizers", ())):
        pytest.skip("the penalty inside the link is not part of ρ (checked in test_numerics)")
    assert torch.allclose(rho, entry.reference_rho(**batch), atol=1e-9, rtol=1e-12)


def test_variables_are_standard_atoms() -> None:
    assert zoo.get("DPO").structure.variables == tuple(
        parse(a) for a in ("M(x,yw)", "M(x,yl)", "Ref(x,yw)", "Ref(x,yl)")
    )
    assert Atom("Mref", "yw") in zoo.get("SimPO").structure.variables
