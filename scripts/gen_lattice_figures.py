"""Regenerate the README's loss-lattice figures by calling the ``dpalogic lattice`` CLI.

Writes docs/figures/lattice-noref.{svg,png} (the paper's twelve named no-reference losses) and
docs/figures/lattice-ref.{svg,png} (their reference-model versions, ``--reference``).

Usage: ``.venv/bin/python scripts/gen_lattice_figures.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

from dpalogic.cli import main

#: CE, CEUnl, CPO, ORPO and the eight novel losses of the paper's lattice (SEMANTICS §3).
LOSSES = ["CE", "CEUnl", "CPO", "ORPO", "unCPO", "cCPO", "cfUnl", "qfUnl", "fUnl", "cUNL", "l20",
          "sCE"]
FIGURES = Path(__file__).resolve().parent.parent / "docs" / "figures"

JOBS = [
    ("lattice-noref", [], "No-reference losses: most constrained on the left"),
    ("lattice-ref", ["--reference"], "Reference-model versions: most constrained on the left"),
]


def run() -> int:
    """Render every figure; returns the first non-zero CLI exit status (0 when all succeed)."""
    for stem, flags, title in JOBS:
        for suffix in ("svg", "png"):
            out = FIGURES / f"{stem}.{suffix}"
            status = main(["lattice", *LOSSES, *flags, "--title", title, "--out", str(out)])
            if status:
                return status
    return 0


if __name__ == "__main__":
    sys.exit(run())
