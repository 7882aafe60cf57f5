"""Printers: the paper's notation, infix ASCII, Unicode and LaTeX.

Example:
    >>> from dpalogic.logic import parse, to_infix, to_unicode, to_latex
    >>> f = parse("Implies(And(M(x,yl),Ref(x,yw)),M(x,yw))")
    >>> to_infix(f)
    'M(x,yl) & Ref(x,yw) -> M(x,yw)'
    >>> to_unicode(f)
    'M(x,yl) ∧ Ref(x,yw) → M(x,yw)'
"""

from __future__ import annotations

from dataclasses import dataclass

from dpalogic.logic.formula import And, Atom, Const, Formula, Iff, Implies, Not, Or, Xor


def to_paper(f: Formula) -> str:
    """The paper's prefix notation: ``Implies(And(M(x,yl),Ref(x,yw)),M(x,yw))``; ⊤/⊥ as Top/Bot."""
    if isinstance(f, Atom):
        return str(f)
    if isinstance(f, Const):
        return "Top" if f.value else "Bot"
    name = {Xor: "XOR"}.get(type(f), type(f).__name__)
    return f"{name}({','.join(to_paper(a) for a in f.children)})"


@dataclass(frozen=True)
class _Symbols:
    not_: str
    and_: str
    or_: str
    xor: str
    implies: str
    iff: str
    top: str
    bot: str
    atom: str = "{pred}(x,{out})"
    lparen: str = "("
    rparen: str = ")"


_INFIX = _Symbols("~", " & ", " | ", " ^ ", " -> ", " <-> ", "Top", "Bot")
_UNICODE = _Symbols("¬", " ∧ ", " ∨ ", " ⊕ ", " → ", " ↔ ", "⊤", "⊥")
_LATEX = _Symbols(
    r"\neg ", r" \land ", r" \lor ", r" \oplus ", r" \rightarrow ", r" \leftrightarrow ",
    r"\top", r"\bot", atom=r"\mathsf{{{pred}}}(x, y_{{{short}}})",
    lparen=r"\left(", rparen=r"\right)",
)

# Binding strength, loosest first; mirrors the parser's grammar.
_PRECEDENCE = {Iff: 1, Implies: 2, Or: 3, Xor: 4, And: 5, Not: 6}


def _infix(f: Formula, s: _Symbols) -> tuple[str, int]:
    if isinstance(f, Atom):
        return s.atom.format(pred=f.pred, out=f.out, short=f.out[1]), 7
    if isinstance(f, Const):
        return (s.top if f.value else s.bot), 7
    prec = _PRECEDENCE[type(f)]

    def wrap(child: Formula, need: int) -> str:
        text, p = _infix(child, s)
        return f"{s.lparen}{text}{s.rparen}" if p < need else text

    if isinstance(f, Not):
        return s.not_ + wrap(f.arg, prec), prec
    if isinstance(f, Implies):
        # right-associative: a -> (b -> c) needs no parentheses, (a -> b) -> c does.
        return wrap(f.args[0], prec + 1) + s.implies + wrap(f.args[1], prec), prec
    if isinstance(f, Iff):
        return wrap(f.args[0], prec + 1) + s.iff + wrap(f.args[1], prec + 1), prec
    sep = {And: s.and_, Or: s.or_, Xor: s.xor}[type(f)]
    return sep.join(wrap(a, prec + 1) for a in f.children), prec


def to_infix(f: Formula) -> str:
    """ASCII infix notation (``~ & ^ | -> <->``) with minimal parentheses; parseable."""
    return _infix(f, _INFIX)[0]


def to_unicode(f: Formula) -> str:
    """Unicode infix notation (``¬ ∧ ⊕ ∨ → ↔ ⊤ ⊥``); parseable."""
    return _infix(f, _UNICODE)[0]


def to_latex(f: Formula) -> str:
    r"""LaTeX math (``\land``, ``\rightarrow``, ``\mathsf{M}(x, y_w)``, …)."""
    return _infix(f, _LATEX)[0]
