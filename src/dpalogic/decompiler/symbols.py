"""Symbols, special functions and numerics shared by the decompiler.

Internally every loss is a sympy expression over

- one *probability* symbol per proposition (``p_w = P_θ(y_w|x)`` for ``M(x,yw)``, ``r_l`` for
  ``Ref(x,yl)``, ``m_w`` for the margin reference ``Mref(x,yw)``, ``p2_w`` for a copy ``M2(x,yw)``),
  declared positive so that ``log(p_w*r_l) = log(p_w) + log(r_l)``;
- the completion lengths ``len_w``, ``len_l`` (positive);
- hyperparameters (``beta``, ``gamma``, ``lam`` …: every other name; positive reals);
- three functions kept unevaluated so that links can be recognised: :class:`LogSigmoid`,
  :class:`Sigmoid` and sympy's ``Max``/``Min``.

A log-probability input such as ``policy_chosen_logps`` is ``log(p_w)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import sympy
import torch
import torch.nn.functional as F

from dpalogic.errors import DecompileError
from dpalogic.logic import Atom

#: Short letter of the probability symbol of the built-in predicates.
_LETTER = {"M": "p", "Ref": "r", "Mref": "m"}
_PRED_OF_LETTER = {v: k for k, v in _LETTER.items()}
_SUFFIX = {"yw": "w", "yl": "l"}
_OUT_OF_SUFFIX = {"w": "yw", "l": "yl"}

LEN_W = sympy.Symbol("len_w", positive=True)
LEN_L = sympy.Symbol("len_l", positive=True)
LENGTHS = (LEN_W, LEN_L)
LENGTH_OF = {"yw": LEN_W, "yl": LEN_L}


def prob_symbol(atom: Atom) -> sympy.Symbol:
    """The probability symbol of a proposition: ``M(x,yw) ↦ p_w``, ``Ref2(x,yl) ↦ r2_l``."""
    m = re.fullmatch(r"(M|Ref|Mref)(\d*)", atom.pred)
    head = _LETTER[m.group(1)] + m.group(2) if m else atom.pred
    return sympy.Symbol(f"{head}_{_SUFFIX[atom.out]}", positive=True)


def atom_of(sym: sympy.Symbol) -> Atom | None:
    """Inverse of :func:`prob_symbol` (``None`` for lengths and hyperparameters)."""
    if sym in LENGTHS or not getattr(sym, "is_positive", False):
        return None
    m = re.fullmatch(r"(.+)_([wl])", sym.name)
    if not m:
        return None
    head, out = m.group(1), _OUT_OF_SUFFIX[m.group(2)]
    hm = re.fullmatch(r"([prm])(\d*)", head)
    pred = _PRED_OF_LETTER[hm.group(1)] + hm.group(2) if hm else head
    return Atom(pred, out)


def is_prob(sym: sympy.Basic) -> bool:
    """Whether *sym* is a probability symbol of a proposition."""
    return isinstance(sym, sympy.Symbol) and sym in _REGISTERED


#: Every probability symbol created through :func:`prob`, so hyperparameters named ``a_w`` are
#: never mistaken for propositions.
_REGISTERED: set[sympy.Symbol] = set()


def prob(atom: Atom) -> sympy.Symbol:
    """:func:`prob_symbol`, registered as a proposition weight."""
    s = prob_symbol(atom)
    _REGISTERED.add(s)
    return s


def prob_symbols(expr: sympy.Basic) -> set[sympy.Symbol]:
    """The proposition weights occurring in *expr*."""
    return {s for s in expr.free_symbols if s in _REGISTERED}


def data_symbols(expr: sympy.Basic) -> set[sympy.Symbol]:
    """Proposition weights and lengths: everything that varies per example."""
    return {s for s in expr.free_symbols if s in _REGISTERED or s in LENGTHS}


def param_symbols(expr: sympy.Basic) -> set[sympy.Symbol]:
    """Hyperparameters: the free symbols that are neither weights nor lengths."""
    return set(expr.free_symbols) - data_symbols(expr)


class Sigmoid(sympy.Function):
    """σ(x) = 1/(1+e^{-x}), kept unevaluated for pattern matching."""

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        if x.is_Number:
            return 1 / (1 + sympy.exp(-x))
        return None


class LogSigmoid(sympy.Function):
    """log σ(x) = −softplus(−x), kept unevaluated for pattern matching."""

    @classmethod
    def eval(cls, x: sympy.Expr) -> sympy.Expr | None:
        if x.is_Number:
            return -sympy.log(1 + sympy.exp(-x))
        return None


def normalize(expr: sympy.Expr) -> sympy.Expr:
    """Rewrite ``log(σ(x))`` and ``log(1 + e^x)`` into :class:`LogSigmoid` (bottom-up)."""

    def rule(e: sympy.Expr) -> sympy.Expr:
        if isinstance(e, sympy.log):
            a = e.args[0]
            if isinstance(a, Sigmoid):
                return LogSigmoid(a.args[0])
            if a.is_Add and len(a.args) == 2 and sympy.S.One in a.args:
                other = a.args[0] if a.args[1] == 1 else a.args[1]
                if isinstance(other, sympy.exp):
                    return -LogSigmoid(-other.args[0])
                if isinstance(other, sympy.Mul) and -1 in other.args:  # 1 - σ(x) = σ(-x)
                    rest = -other
                    if isinstance(rest, Sigmoid):
                        return LogSigmoid(-rest.args[0])
        return e

    return expr.replace(lambda e: isinstance(e, sympy.log), rule)


# -- numerics ------------------------------------------------------------------------------------


#: Keyword tensor of each proposition (the compiler's names, see docs/ARCHITECTURE.md).
def keyword_of(atom: Atom) -> str:
    """The compiler keyword bound to a proposition (``M(x,yw) ↦ policy_chosen_logps``)."""
    side = "chosen" if atom.out == "yw" else "rejected"
    if atom.pred == "M":
        return f"policy_{side}_logps"
    if atom.pred == "Ref":
        return f"reference_{side}_logps"
    return f"{atom.pred}_{side}_logps"


def _as_tensor(x: Any, like: torch.Tensor | None) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    dtype = like.dtype if like is not None else torch.float64
    return torch.as_tensor(float(x), dtype=dtype)


def evaluate(
    expr: sympy.Expr,
    logps: Mapping[sympy.Symbol, torch.Tensor],
    values: Mapping[sympy.Symbol, Any] | None = None,
) -> torch.Tensor:
    """Evaluate *expr* with torch, given log-probabilities for the weight symbols.

    ``log(p)`` of a weight is read directly from its log-probability (no ``exp``/``log`` round
    trip, so the value is exact in log space); everything else follows the expression literally.
    *values* binds lengths and hyperparameters (numbers or tensors).
    """
    values = dict(values or {})
    like = next(iter(logps.values()), None)

    def go(e: sympy.Expr) -> torch.Tensor:
        if isinstance(e, sympy.Symbol):
            if e in logps:
                return torch.exp(logps[e])
            if e in values:
                return _as_tensor(values[e], like)
            raise DecompileError(f"no value for {e} (pass it as a parameter)")
        if e.is_Number or e in (sympy.pi, sympy.E):
            return _as_tensor(float(e), like)
        if isinstance(e, sympy.log):
            a = e.args[0]
            if isinstance(a, sympy.Symbol) and a in logps:
                return logps[a]
            return torch.log(go(a))
        if e.is_Add:
            out = go(e.args[0])
            for a in e.args[1:]:
                out = out + go(a)
            return out
        if e.is_Mul:
            out = go(e.args[0])
            for a in e.args[1:]:
                out = out * go(a)
            return out
        if e.is_Pow:
            base, ex = e.args
            if ex.is_Number:
                return go(base) ** float(ex)
            return go(base) ** go(ex)
        if isinstance(e, sympy.exp):
            return torch.exp(go(e.args[0]))
        if isinstance(e, LogSigmoid):
            return F.logsigmoid(go(e.args[0]))
        if isinstance(e, Sigmoid):
            return torch.sigmoid(go(e.args[0]))
        if isinstance(e, sympy.Max | sympy.Min):
            args = [go(a) for a in e.args]
            out = args[0]
            for a in args[1:]:
                out = torch.maximum(out, a) if isinstance(e, sympy.Max) else torch.minimum(out, a)
            return out
        if isinstance(e, sympy.tanh):
            return torch.tanh(go(e.args[0]))
        if isinstance(e, sympy.Abs):
            return torch.abs(go(e.args[0]))
        raise DecompileError(f"cannot evaluate {e} numerically")

    return go(expr)


def to_float(e: sympy.Expr, values: Mapping[sympy.Symbol, Any]) -> Any:
    """A hyperparameter expression as a float (or tensor when a value is a tensor)."""
    free = param_symbols(e) | data_symbols(e)
    missing = sorted(str(s) for s in free if s not in values)
    if missing:
        raise DecompileError(
            f"hyperparameter {missing[0]} has no value; pass it, e.g. .compile({missing[0]}=0.1)"
        )
    if any(isinstance(values[s], torch.Tensor) for s in free):
        return evaluate(e, {}, values)
    v = complex(e.subs({s: values[s] for s in free}).evalf())
    if abs(v.imag) > 1e-12:
        raise DecompileError(f"{e} is not real for the given hyperparameters")
    out = float(v.real)
    if math.isnan(out):
        raise DecompileError(f"{e} is undefined for the given hyperparameters")
    return out
