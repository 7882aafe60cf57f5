"""README.md stays true: its compile example prints what its comments say, its CLI lines run."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from dpalogic.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_compile_example_prints_the_slide_closed_form() -> None:
    code = re.findall(r"```python\n(.*?)```", README, flags=re.S)[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "log p_w r_l (1 − p_l) / (p_l r_w (1 − p_w))"  # the comment's promise
    assert lines[1].startswith("tensor([") and lines[2].startswith("tensor([")


@pytest.mark.parametrize(
    "line",
    [ln for ln in re.findall(r"^\$ dpalogic (.*)$", README, flags=re.M)
     if ln.split()[0] in {"explain", "decompile", "compare", "neighbours", "between"}],
)
def test_tour_commands_behave_as_their_comments_say(
    line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args, _, comment = line.partition("#")
    code = main(shlex.split(args))
    out = capsys.readouterr()
    if "error" in comment:
        assert code != 0 and out.err.startswith("dpalogic: error:")
    else:
        assert code == 0, out.err
