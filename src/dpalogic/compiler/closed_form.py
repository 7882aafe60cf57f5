"""The closed form of ρ as the paper writes it, built with sympy.

``WMC(✓)`` and ``WMC(✗)`` are multilinear polynomials in the weights (symbols ``p_w, p_l`` for
``M``, ``r_w, r_l`` for ``Ref``, ``m_w, m_l`` for ``Mref``, ``p2_w`` for a copy ``M2``, ``r2_w`` for
``Ref2``, the lower-cased predicate name otherwise). Their ratio is cancelled and factored; the
printer orders factors as the paper does — positive ``M`` literals (copies ``M2`` … with them),
positive ``Ref`` literals (and copies), other predicates, then complements ``(1 − ·)``, then
sums; ``yw`` before ``yl`` — and prints sums expanded (positive terms by decreasing degree, then
the constant, then negative terms), e.g.

- DPO:   ``log p_w r_l / (p_l r_w)``
- seed:  ``log p_w r_l (1 − p_l) / (p_l r_w (1 − p_w))``
- unCPO: ``log (p_w p_l + 1 − p_l) / (p_l (1 − p_w))``
"""

from __future__ import annotations

import re
from typing import Any, Literal

import sympy

from dpalogic.errors import DPALogicError

MINUS = "\u2212"  # the paper's minus sign


def _pred_rank(pred: str) -> int:
    """Print order: M and its copies, Ref and its copies, then everything else."""
    if re.fullmatch(r"M\d*", pred):
        return 0
    return 1 if re.fullmatch(r"Ref\d*", pred) else 2


def symbol_base(pred: str) -> str:
    """Base of a predicate's weight symbol: ``M → p``, ``Ref → r``, ``M2 → p2``, ``Mref → m``."""
    if pred == "M":
        return "p"
    if pred == "Ref":
        return "r"
    if m := re.fullmatch(r"M(\d+)", pred):
        return f"p{m.group(1)}"
    if m := re.fullmatch(r"Ref(\d+)", pred):
        return f"r{m.group(1)}"
    if pred == "Mref":
        return "m"
    return pred.lower()


def weight_symbols(variables: tuple[Any, ...]) -> list[sympy.Symbol]:
    """One sympy symbol per variable (``p_w`` for ``M(x,yw)``, …), distinct even on name clashes."""
    bases: dict[str, str] = {}
    used: set[str] = set()
    for v in variables:
        if v.pred not in bases:
            b = symbol_base(v.pred)
            if b in used:
                b = v.pred
            bases[v.pred] = b
            used.add(b)
    return [sympy.Symbol(f"{bases[v.pred]}_{'w' if v.out == 'yw' else 'l'}") for v in variables]


def wmc_polynomial(mask: int, symbols: list[sympy.Symbol]) -> sympy.Expr:
    """``WMC`` of a world set as an expanded polynomial in the weight symbols."""
    n = len(symbols)
    total = sympy.Integer(0)
    for w in range(1 << n):
        if (mask >> w) & 1:
            term = sympy.Integer(1)
            for i, s in enumerate(symbols):
                term *= s if (w >> i) & 1 else (1 - s)
            total += term
    return sympy.expand(total)


def _structure_parts(structure: Any) -> tuple[tuple[Any, ...], int, int]:
    try:
        return tuple(structure.variables), int(structure.top), int(structure.bottom)
    except AttributeError as err:
        raise DPALogicError(f"not a preference structure: {structure!r}") from err


def rho_sympy(structure: Any) -> sympy.Expr:
    """ρ = log WMC(✓) − log WMC(✗) as a sympy expression ``log(num/den)``, common factors cancelled.

    Degenerate structures give ``-oo`` (✓ empty), ``oo`` (✗ empty) or ``0`` (✓ = ✗).

    Example:
        >>> from types import SimpleNamespace as NS
        >>> v = (NS(pred="M", out="yw"), NS(pred="M", out="yl"))
        >>> rho_sympy(NS(variables=v, top=0b1010, bottom=0b1100))  # CPO: TT,TF / TT,FT
        log(p_w/p_l)
    """
    variables, top, bottom = _structure_parts(structure)
    if top == bottom:
        return sympy.Integer(0)
    if top == 0:
        return -sympy.oo
    if bottom == 0:
        return sympy.oo
    _, nc, nf, dc, df = _factored(variables, top, bottom)
    return sympy.log(_rebuild(nc, nf) / _rebuild(dc, df))


def _num_den(variables: tuple[Any, ...], top: int, bottom: int) -> tuple[sympy.Expr, sympy.Expr]:
    syms = weight_symbols(variables)
    ratio = sympy.cancel(wmc_polynomial(top, syms) / wmc_polynomial(bottom, syms))
    num, den = sympy.fraction(ratio)
    return sympy.factor(num), sympy.factor(den)


# --------------------------------------------------------------------------------------------
# printing


class _Factor:
    """One printed factor: a literal, a complement (1 − s), or a sum; with a multiplicity."""

    def __init__(self, kind: str, expr: sympy.Expr, key: tuple, mult: int) -> None:
        self.kind, self.expr, self.key, self.mult = kind, expr, key, mult


def _split(poly: sympy.Expr, order: dict[sympy.Symbol, tuple]) -> tuple[sympy.Expr, list[_Factor]]:
    coeff, facs = sympy.factor_list(sympy.expand(poly))
    out: list[_Factor] = []
    sums: list[_Factor] = []
    for f, m in facs:
        fs = f.free_symbols
        if f.is_Symbol:
            out.append(_Factor("lit", f, (0, *order[f]), m))
            continue
        if len(fs) == 1:
            (s,) = fs
            if sympy.expand(f - (s - 1)) == 0:
                coeff *= (-1) ** m
                out.append(_Factor("comp", s, (1, *order[s]), m))
                continue
            if sympy.expand(f - (1 - s)) == 0:
                out.append(_Factor("comp", s, (1, *order[s]), m))
                continue
        sums.append(_Factor("sum", f, (2, len(sums)), m))
    for fac in sums:  # orient each sum so it is positive inside the cube (as a WMC is)
        if fac.expr.subs({x: sympy.Rational(1, 2) for x in fac.expr.free_symbols}) < 0:
            fac.expr = sympy.expand(-fac.expr)
            coeff *= (-1) ** fac.mult
    out.sort(key=lambda fac: fac.key)
    return coeff, out + sums


def _factored(
    variables: tuple[Any, ...], top: int, bottom: int
) -> tuple[dict[sympy.Symbol, tuple], sympy.Expr, list[_Factor], sympy.Expr, list[_Factor]]:
    """Cancelled, factored and sign-normalised numerator and denominator of the ratio ✓/✗."""
    num, den = _num_den(variables, top, bottom)
    syms = weight_symbols(variables)
    order = {
        s: (_pred_rank(v.pred), i) for i, (s, v) in enumerate(zip(syms, variables, strict=True))
    }
    ncoeff, nfacs = _split(num, order)
    dcoeff, dfacs = _split(den, order)
    c = sympy.Rational(ncoeff) / sympy.Rational(dcoeff)
    return order, sympy.Integer(c.p), nfacs, sympy.Integer(c.q), dfacs


def _rebuild(coeff: sympy.Expr, facs: list[_Factor]) -> sympy.Expr:
    out = coeff
    for f in facs:
        base = (1 - f.expr) if f.kind == "comp" else f.expr
        out = out * base**f.mult
    return out


def _monomial(term: sympy.Expr, order: dict[sympy.Symbol, tuple]) -> tuple[int, str, tuple]:
    """(sign, text, sort key) of one expanded term."""
    c, rest = term.as_coeff_Mul()
    syms = sorted(rest.free_symbols, key=lambda s: order[s]) if rest != 1 else []
    parts = []
    for s in syms:
        e = sympy.degree(rest, s)
        parts.append(s.name if e == 1 else f"{s.name}^{e}")
    mag = abs(c)
    text = " ".join(parts)
    if mag != 1 or not text:
        text = f"{mag} {text}".strip()
    return (1 if c > 0 else -1), text, (-len(syms), [order[s] for s in syms])


def _sum_text(expr: sympy.Expr, order: dict[sympy.Symbol, tuple]) -> str:
    terms = [_monomial(t, order) for t in sympy.Add.make_args(sympy.expand(expr))]
    pos = sorted((t for t in terms if t[0] > 0), key=lambda t: t[2])
    neg = sorted((t for t in terms if t[0] < 0), key=lambda t: t[2])
    text = ""
    for i, (_, body, _) in enumerate(pos + neg):
        sign = 1 if i < len(pos) else -1
        if i == 0:
            text = body if sign > 0 else f"{MINUS}{body}"
        else:
            text += f" + {body}" if sign > 0 else f" {MINUS} {body}"
    return text


def _product_text(
    coeff: sympy.Expr, facs: list[_Factor], order: dict, style: str
) -> tuple[str, bool]:
    """Text of a product and whether it needs parentheses when standing alone beside ``/``."""
    pieces: list[str] = []
    if coeff != 1:
        pieces.append(str(coeff))
    for f in facs:
        if f.kind == "lit":
            body = _sym_text(f.expr, style)
        elif f.kind == "comp":
            body = f"(1 {MINUS if style == 'paper' else '-'} {_sym_text(f.expr, style)})"
        else:
            s = _sum_text(f.expr, order)
            if style == "latex":
                s = _latexify_sum(s)
            body = f"({s})" if (len(facs) > 1 or f.mult > 1 or coeff != 1) else s
        if f.mult > 1:
            body = f"{body}^{f.mult}" if style == "paper" else f"{body}^{{{f.mult}}}"
        pieces.append(body)
    if not pieces:
        return "1", False
    bare_sum = len(pieces) == 1 and facs[0].kind == "sum" and facs[0].mult == 1
    return " ".join(pieces), len(pieces) > 1 or bare_sum


def _sym_text(sym: sympy.Symbol, style: str) -> str:
    if style == "latex":
        base, _, sub = sym.name.rpartition("_")
        return f"{base}_{{{sub}}}"
    return sym.name


def _latexify_sum(text: str) -> str:
    text = text.replace(MINUS, "-")
    return re.sub(r"\b([A-Za-z][A-Za-z0-9]*)_([wl])\b", r"\1_{\2}", text)


def closed_form(
    structure: Any, style: Literal["paper", "latex", "sympy"] = "paper"
) -> str | sympy.Expr:
    """ρ of a structure in closed form.

    ``style="paper"``: ``log p_w r_l (1 − p_l) / (p_l r_w (1 − p_w))``; ``"latex"``:
    ``\\log \\frac{p_{w} r_{l} (1 - p_{l})}{p_{l} r_{w} (1 - p_{w})}``; ``"sympy"``: the expression
    of :func:`rho_sympy`. Degenerate structures print ``−∞`` (✓ empty), ``∞`` (✗ empty), ``0``.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> v = (NS(pred="M", out="yw"), NS(pred="M", out="yl"))
        >>> closed_form(NS(variables=v, top=0b0010, bottom=0b0100))  # ORPO: TF / FT
        'log p_w (1 − p_l) / (p_l (1 − p_w))'
    """
    if style == "sympy":
        return rho_sympy(structure)
    if style not in ("paper", "latex"):
        raise DPALogicError(f"unknown closed-form style {style!r} (paper, latex or sympy)")
    variables, top, bottom = _structure_parts(structure)
    if top == bottom:
        return "0"
    if top == 0:
        return f"{MINUS}∞" if style == "paper" else r"-\infty"
    if bottom == 0:
        return "∞" if style == "paper" else r"\infty"
    order, ncoeff, nfacs, dcoeff, dfacs = _factored(variables, top, bottom)
    ntext, nparen = _product_text(ncoeff, nfacs, order, style)
    dtext, dparen = _product_text(dcoeff, dfacs, order, style)
    if style == "latex":
        if dtext == "1":
            return rf"\log {ntext}"
        return rf"\log \frac{{{ntext}}}{{{dtext}}}"
    if dtext == "1":
        return f"log {ntext}"
    if nparen and len(nfacs) == 1 and ncoeff == 1:  # a bare sum in the numerator
        ntext = f"({ntext})"
    if dparen:
        dtext = f"({dtext})"
    return f"log {ntext} / {dtext}"
