"""Regenerate docs/zoo.md from the loss registry (src/dpalogic/zoo/losses.py).

Usage: ``python scripts/gen_zoo_doc.py [--check]`` — ``--check`` exits 1 if the page is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dpalogic.zoo.docs import render_markdown

PAGE = Path(__file__).resolve().parent.parent / "docs" / "zoo.md"


def main(argv: list[str]) -> int:
    text = render_markdown()
    if "--check" in argv:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE} is stale: run python scripts/gen_zoo_doc.py", file=sys.stderr)
            return 1
        print(f"{PAGE} is up to date")
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
