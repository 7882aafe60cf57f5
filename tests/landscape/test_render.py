"""Graphviz rendering of Hasse diagrams: structure of the dot source and real files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dpalogic.errors import DPALogicError
from dpalogic.landscape.lattice import hasse
from dpalogic.landscape.render import render, to_dot
from dpalogic.logic import PreferenceStructure

S = PreferenceStructure.from_worlds
DIAGRAM = hasse(
    {"CPO": S(["TT", "TF"], ["TT", "FT"]), "ORPO": S(["TF"], ["FT"]),
     "cCPO": S(["TT", "TF"], ["FT"]), "CE": S(["TT", "TF"], ["FT", "FF"])},
    published={"CPO", "ORPO", "CE"},
)


def test_dot_source_has_paper_style() -> None:
    src = to_dot(DIAGRAM, title="t").source
    assert "rankdir=LR" in src
    assert src.count("subgraph cluster_") == len(DIAGRAM.regions) == 2
    assert "M(x,yl) → M(x,yw)" in src  # the CPO/ORPO region label
    ids = {n.name: f"n{i}" for i, n in enumerate(DIAGRAM.nodes)}
    for a, b in DIAGRAM.edges:
        assert f"{ids[a]} -> {ids[b]}" in src
    assert src.count("->") == len(DIAGRAM.edges) == 3
    # published nodes are filled and bold, novel ones are not
    cpo_line = next(line for line in src.splitlines() if line.strip().startswith(ids["CPO"] + " "))
    ccpo_line = next(line for line in src.splitlines()
                     if line.strip().startswith(ids["cCPO"] + " "))
    assert "bold" in cpo_line and "bold" not in ccpo_line
    assert "✓ {TT, TF}" in src  # worlds shown for no-reference diagrams


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")
@pytest.mark.parametrize("suffix", ["svg", "png", "pdf"])
def test_render_writes_files(tmp_path: Path, suffix: str) -> None:
    out = render(DIAGRAM, tmp_path / f"fig.{suffix}")
    data = out.read_bytes()
    assert len(data) > 200
    magic = {"svg": b"<svg", "png": b"\x89PNG", "pdf": b"%PDF"}[suffix]
    assert magic in data[:2000]


def test_render_dot_and_bad_suffix(tmp_path: Path) -> None:
    out = render(DIAGRAM, tmp_path / "fig.dot")
    assert "rankdir=LR" in out.read_text(encoding="utf-8")
    with pytest.raises(DPALogicError, match="unknown figure format"):
        render(DIAGRAM, tmp_path / "fig.jpeg2000")
