"""Decompiling each entry's original formula gives back the entry's structure (SEMANTICS §5).

Skipped only while :mod:`dpalogic.decompiler` does not exist yet.
"""

from __future__ import annotations

import pytest

from dpalogic import zoo

try:
    from dpalogic import decompiler
    from dpalogic.decompiler import decompile  # noqa: F401
except ImportError:  # pragma: no cover - only before the decompiler lands
    pytest.skip("dpalogic.decompiler is absent", allow_module_level=True)


@pytest.mark.parametrize("entry", zoo.entries(), ids=zoo.names())
def test_original_decompiles_to_structure(entry: zoo.LossEntry) -> None:
    result = decompiler.decompile(entry.original, **entry.decompile_options)
    assert result.structure == entry.structure, (
        f"{entry.name}: {entry.original!r} decompiles to ✓={result.structure.top_names()} "
        f"✗={result.structure.bottom_names()}, registry has ✓={entry.structure.top_names()} "
        f"✗={entry.structure.bottom_names()}"
    )


def test_dpop_penalty_read_as_copies_is_dpop_copy() -> None:
    """Read as copies, DPOP's penalty gives SEMANTICS §1's copy structure (entry DPOP-copy)."""
    result = decompiler.decompile(zoo.get("DPOP").original, penalties="copies")
    assert result.structure == zoo.get("DPOP-copy").structure


@pytest.mark.parametrize(
    "name,link", [("CE", "logistic"), ("IPO", "squared"), ("cDPO", "cdpo"), ("rDPO", "robust"),
                  ("RRHF", "hinge_margin"), ("SLiC-HF", "hinge_margin"), ("DPO", "logistic")]
)  # fmt: skip
def test_decompiled_link_matches_entry(name: str, link: str) -> None:
    entry = zoo.get(name)
    assert entry.link == link
    assert decompiler.decompile(entry.original, **entry.decompile_options).link == link
