"""Formulas, the parser and the printers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from dpalogic.errors import FormulaSyntaxError
from dpalogic.logic import (
    BOT,
    TOP,
    WITH_REF,
    And,
    Atom,
    Implies,
    Not,
    Or,
    Xor,
    equivalent,
    parse,
    to_infix,
    to_latex,
    to_paper,
    to_unicode,
)

from .strategies import formulas

DPO = "Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))"


def test_paper_notation_round_trip() -> None:
    f = parse(DPO)
    assert to_paper(f) == DPO
    assert f == Implies(
        And(Atom("M", "yl"), Atom("Ref", "yw")), And(Atom("M", "yw"), Atom("Ref", "yl"))
    )


@pytest.mark.parametrize(
    "text",
    [
        "implies(and(M(x,y_l),Ref(x,y_w)),AND(M(x,y_w),Ref(x,y_l)))",
        "Implies(\n  And(M(x, yI), Ref(x, yw)),\n  And(M(x, yw), Ref(x, yI))\n)",
        "M(x,yl) & Ref(x,yw) -> M(x,yw) & Ref(x,yl)",
        "M(x,yl) ∧ Ref(x,yw) → M(x,yw) ∧ Ref(x,yl)",
        "(M(x,yl) & Ref(x,yw)) => (M(x,yw) & Ref(x,yl))",
    ],
)
def test_spellings_of_dpo(text: str) -> None:
    assert parse(text) == parse(DPO)


def test_constants_and_precedence() -> None:
    assert parse("Top") == TOP and parse("⊥") == BOT and parse("false") == BOT
    a, b, c = Atom("M", "yw"), Atom("M", "yl"), Atom("Ref", "yw")
    assert parse("~M(x,yw) | M(x,yl) & Ref(x,yw)") == Or(Not(a), And(b, c))
    assert parse("M(x,yw) -> M(x,yl) -> Ref(x,yw)") == Implies(a, Implies(b, c))
    assert parse("M(x,yw) ^ M(x,yl) | Ref(x,yw)") == Or(Xor(a, b), c)
    assert parse("XOR(M(x,yl),M(x,yw))") == Xor(b, a)


@settings(max_examples=200, deadline=None)
@given(formulas)
def test_every_printer_round_trips(f) -> None:
    assert parse(to_paper(f)) == f
    assert equivalent(parse(to_infix(f)), f, WITH_REF)
    assert equivalent(parse(to_unicode(f)), f, WITH_REF)


def test_latex() -> None:
    assert to_latex(parse("M(x,yl) -> ~Ref(x,yw)")) == (
        r"\mathsf{M}(x, y_{l}) \rightarrow \neg \mathsf{Ref}(x, y_{w})"
    )


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("And(M(x,yw), ", 13, "expected a formula"),
        ("M(x,yw) & ", 10, "expected a formula"),
        ("Implies(M(x,yw))", 15, "Implies takes 2 arguments"),
        ("M(x,yz)", 4, "unknown output 'yz'"),
        ("M(x,yw) M(x,yl)", 8, "expected an operator"),
        ("And(M(x,yw), M(x,yl)", 20, "expected ',' or ')'"),
        ("M(x,yw) $ M(x,yl)", 8, "unexpected character '$'"),
        ("M x", 2, "expected '(' after predicate 'M'"),
        ("M(z,yw)", 2, "expected the prompt variable x"),
        ("", 0, "expected a formula"),
    ],
)
def test_errors_name_the_position(text: str, position: int, fragment: str) -> None:
    with pytest.raises(FormulaSyntaxError) as info:
        parse(text)
    assert info.value.position == position
    assert fragment in str(info.value)
    assert f"at position {position}" in info.value.short


def test_formulas_are_immutable_and_hashable() -> None:
    f = parse(DPO)
    with pytest.raises(AttributeError):
        f.args = ()  # type: ignore[misc]
    assert len({f, parse(DPO)}) == 1
    assert f.atoms() == frozenset(WITH_REF)
