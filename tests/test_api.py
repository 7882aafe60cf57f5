"""The top-level API: program strings and spec resolution."""

from __future__ import annotations

import pytest

import dpalogic
from dpalogic.api import looks_like_name, parse_program, resolve
from dpalogic.errors import DPALogicError, FormulaSyntaxError


def test_program_with_keywords_and_positional_parts() -> None:
    orpo = parse_program("Implies(M(x,yl),M(x,yw)); PC=XOR(M(x,yl),M(x,yw))")
    assert (orpo.top_names(), orpo.bottom_names()) == (["TF"], ["FT"])
    cpo = parse_program("Implies(M(x,yl),M(x,yw)); Or(M(x,yl),M(x,yw)); And(M(x,yw),M(x,yl))")
    assert (cpo.top_names(), cpo.bottom_names()) == (["TT", "TF"], ["TT", "FT"])
    assert resolve("M(x,yl) -> M(x,yw)", PC="M(x,yw) ^ M(x,yl)") == orpo


def test_names_and_programs_are_told_apart() -> None:
    assert looks_like_name("DPO") and looks_like_name("ref-ORPO")
    assert not looks_like_name("M(x,yw)") and not looks_like_name("Top")


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("", DPALogicError),
        ("M(x,yw); PC=Top; PA=Bot; Top", DPALogicError),
        ("M(x,yw); PC=Top; PC=Bot", DPALogicError),
        ("M(x,yw) &", FormulaSyntaxError),
    ],
)
def test_bad_programs(spec: str, error: type) -> None:
    with pytest.raises(error):
        resolve(spec)


def test_structure_passes_through() -> None:
    s = dpalogic.structure("M(x,yw)")
    assert resolve(s) is s
    with pytest.raises(DPALogicError):
        resolve(s, PC="Top")
    with pytest.raises(DPALogicError):
        resolve(42)
