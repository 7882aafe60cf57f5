"""docs/decompiler.md stays true: its examples run, its table is the tested formulas."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

from dpalogic.decompiler.examples import PAPER_LOSSES

DOC = Path(__file__).resolve().parents[2] / "docs" / "decompiler.md"


def test_doc_examples_run() -> None:
    result = doctest.testfile(
        str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 20
    assert result.failed == 0


def test_doc_table_lists_the_tested_formulas() -> None:
    rows = re.findall(r"^\| ([^|]+) \| `([^`]+)` \|", DOC.read_text(), flags=re.M)
    assert [(n.strip(), t) for n, t in rows] == [(e.name, e.text) for e in PAPER_LOSSES]
