"""Parse formulas in the paper's notation and in an infix notation (they may be mixed).

Paper notation: ``Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))`` — connective names
``And Or Not Implies Iff Xor`` are case-insensitive; constants ``Top``/``Bot``/``True``/``False``/
``⊤``/``⊥``. Infix notation, loosest binding first::

    a <-> b     (also <=>, ↔)
    a -> b      (also =>, →; right-associative)
    a | b       (also ∨)
    a ^ b       (also ⊕)
    a & b       (also ∧)
    ~a          (also !, ¬)

A malformed formula raises :class:`~dpalogic.errors.FormulaSyntaxError` naming the position and
what was expected.

Example:
    >>> from dpalogic.logic.parser import parse
    >>> print(parse("M(x,yl) & Ref(x,yw) -> M(x,yw) & Ref(x,yl)"))
    Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dpalogic.errors import FormulaSyntaxError, UnknownVariableError
from dpalogic.logic.formula import (
    BOT,
    TOP,
    And,
    Atom,
    Formula,
    Iff,
    Implies,
    Not,
    Or,
    Xor,
    normalize_output,
)

_CONNECTIVES: dict[str, type] = {
    "and": And,
    "or": Or,
    "not": Not,
    "implies": Implies,
    "iff": Iff,
    "xor": Xor,
}
_CONSTANTS = {"top": TOP, "true": TOP, "⊤": TOP, "bot": BOT, "bottom": BOT, "false": BOT, "⊥": BOT}

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<iff><->|<=>|↔)
  | (?P<implies>->|=>|→)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<const>[⊤⊥])
  | (?P<op>[()~!¬&∧|∨^⊕,])
    """,
    re.VERBOSE,
)
_OP_KIND = {"~": "not", "!": "not", "¬": "not", "&": "and", "∧": "and", "|": "or", "∨": "or",
            "^": "xor", "⊕": "xor", "(": "(", ")": ")", ",": ","}


@dataclass(frozen=True)
class _Token:
    kind: str  # name, const, not, and, or, xor, implies, iff, (, ), ",", end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise FormulaSyntaxError(f"unexpected character {text[pos]!r}", text, pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            value = m.group()
            if kind == "op":
                kind = _OP_KIND[value]
            tokens.append(_Token(kind, value, pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


_DESCRIBE = {"end": "end of input", "(": "'('", ")": "')'", ",": "','"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    # -- helpers -----------------------------------------------------------------------------
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def error(self, expected: str, tok: _Token | None = None) -> FormulaSyntaxError:
        tok = tok or self.tok
        found = _DESCRIBE.get(tok.kind, repr(tok.text))
        return FormulaSyntaxError(f"expected {expected} but found {found}", self.text, tok.pos)

    def expect(self, kind: str, what: str) -> _Token:
        if self.tok.kind != kind:
            raise self.error(what)
        tok = self.tok
        self.i += 1
        return tok

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> Formula:
        if self.tok.kind == "end":
            raise self.error("a formula")
        f = self.iff()
        if self.tok.kind != "end":
            raise self.error("an operator or end of input")
        return f

    def iff(self) -> Formula:
        left = self.implies()
        while self.tok.kind == "iff":
            self.i += 1
            left = Iff(left, self.implies())
        return left

    def implies(self) -> Formula:
        left = self.disjunction()
        if self.tok.kind == "implies":
            self.i += 1
            return Implies(left, self.implies())  # right-associative
        return left

    def _nary(self, kind: str, cls: type, sub: str) -> Formula:
        parts = [getattr(self, sub)()]
        while self.tok.kind == kind:
            self.i += 1
            parts.append(getattr(self, sub)())
        return parts[0] if len(parts) == 1 else cls(*parts)

    def disjunction(self) -> Formula:
        return self._nary("or", Or, "exclusive")

    def exclusive(self) -> Formula:
        return self._nary("xor", Xor, "conjunction")

    def conjunction(self) -> Formula:
        return self._nary("and", And, "unary")

    def unary(self) -> Formula:
        if self.tok.kind == "not":
            self.i += 1
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Formula:
        tok = self.tok
        if tok.kind == "(":
            self.i += 1
            f = self.iff()
            self.expect(")", "')'")
            return f
        if tok.kind == "const":
            self.i += 1
            return _CONSTANTS[tok.text]
        if tok.kind == "name":
            lowered = tok.text.lower()
            if lowered in _CONSTANTS and self.tokens[self.i + 1].kind != "(":
                self.i += 1
                return _CONSTANTS[lowered]
            if lowered in _CONNECTIVES:
                return self.connective(tok, _CONNECTIVES[lowered])
            return self.atom(tok)
        raise self.error("a formula (an atom such as M(x,yw), a connective, ⊤/⊥ or '(')")

    def connective(self, tok: _Token, cls: type) -> Formula:
        self.i += 1
        self.expect("(", f"'(' after {tok.text}")
        args = [self.iff()]
        while self.tok.kind == ",":
            self.i += 1
            args.append(self.iff())
        close = self.tok
        self.expect(")", "',' or ')'")
        lo, hi = cls.arity
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = str(lo) if lo == hi else f"at least {lo}"
            raise FormulaSyntaxError(
                f"{tok.text} takes {want} argument{'s' if want != '1' else ''}, got {len(args)}",
                self.text,
                close.pos if len(args) < lo else tok.pos,
            )
        return cls(*args)

    def atom(self, tok: _Token) -> Formula:
        self.i += 1
        if self.tok.kind != "(":
            raise FormulaSyntaxError(
                f"expected '(' after predicate {tok.text!r} (atoms are written like "
                f"{tok.text}(x,yw)), or a connective name",
                self.text,
                self.tok.pos,
            )
        self.i += 1
        first = self.expect("name", "a variable such as x or yw")
        out_tok = first
        if self.tok.kind == ",":
            self.i += 1
            if first.text != "x":
                raise FormulaSyntaxError(
                    f"expected the prompt variable x but found {first.text!r}", self.text, first.pos
                )
            out_tok = self.expect("name", "an output yw or yl")
        self.expect(")", "')'")
        try:
            out = normalize_output(out_tok.text)
        except UnknownVariableError as err:
            raise FormulaSyntaxError(str(err), self.text, out_tok.pos) from None
        return Atom(tok.text, out)


def parse(text: str | Formula) -> Formula:
    """Parse *text* (paper or infix notation) into a :class:`Formula`; formulas pass through."""
    if isinstance(text, Formula):
        return text
    if not isinstance(text, str):
        raise TypeError(f"expected a formula string, got {type(text).__name__}")
    return _Parser(text).parse()
