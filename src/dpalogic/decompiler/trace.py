"""Trace a Python loss function of log-prob tensors symbolically.

The function is called with :class:`Sym` proxies in place of tensors. A proxy holds a sympy
expression, supports arithmetic and the tensor methods losses use (``.mean()``, ``.exp()``,
``.clamp(min=0)`` …), and implements ``__torch_function__``, so ``torch.log(x)``,
``torch.nn.functional.logsigmoid(x)``, ``F.relu``, ``torch.clamp_min`` … called on it return new
proxies instead of computing. Parameters are bound by name: log-prob names
(``policy_chosen_logps``, ``ref_logp_w`` …) and lengths become data; any other parameter takes its
default value when it has one, else becomes a symbolic hyperparameter.

Example:
    >>> import torch.nn.functional as F
    >>> def dpo(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
    ...         reference_rejected_logps, beta=0.1):
    ...     logits = (policy_chosen_logps - reference_chosen_logps) - (
    ...         policy_rejected_logps - reference_rejected_logps)
    ...     return -F.logsigmoid(beta * logits).mean()
    >>> expr, reductions, notes = trace(dpo)
    >>> print(expr)
    -LogSigmoid(beta*(-log(p_l) + log(p_w) + log(r_l) - log(r_w)))
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import sympy

from dpalogic.errors import DecompileError

from .parse import FUNCTIONS, REDUCTIONS, hyperparameter, resolve_name
from .symbols import normalize


def _lift(x: Any) -> sympy.Expr:
    if isinstance(x, Sym):
        return x.expr
    if isinstance(x, bool):
        raise DecompileError("a boolean cannot enter a loss expression")
    if isinstance(x, int | float):
        return sympy.nsimplify(x) if len(repr(x)) <= 8 else sympy.Float(x)
    if isinstance(x, sympy.Basic):
        return x
    try:  # a 0-d tensor or numpy scalar
        return sympy.Float(float(x))
    except (TypeError, ValueError):
        raise DecompileError(f"cannot trace a value of type {type(x).__name__}") from None


#: torch function names (``torch.log``, ``F.logsigmoid``, method names) → our builders.
_TORCH_NAMES = {
    "log": "log",
    "exp": "exp",
    "log1p": "log1p",
    "expm1": "expm1",
    "sigmoid": "sigmoid",
    "logsigmoid": "logsigmoid",
    "log_sigmoid": "logsigmoid",
    "softplus": "softplus",
    "relu": "relu",
    "clamp_min": "clamp_min",
    "clamp": "clamp",
    "clip": "clamp",
    "maximum": "max",
    "max": "max",
    "minimum": "min",
    "min": "min",
    "sqrt": "sqrt",
    "abs": "abs",
    "square": "square",
    "pow": "pow",
    "tanh": "tanh",
    "neg": "neg",
    "negative": "neg",
    "mean": "mean",
    "sum": "sum",
    "nanmean": "mean",
    "add": "add",
    "sub": "sub",
    "subtract": "sub",
    "mul": "mul",
    "multiply": "mul",
    "div": "div",
    "divide": "div",
    "true_divide": "div",
}

_ARITH = {
    "add": lambda a, b, alpha=1: a + alpha * b,
    "sub": lambda a, b, alpha=1: a - alpha * b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


class _Recorder:
    def __init__(self) -> None:
        self.reductions: list[str] = []
        self.notes: list[str] = []


_RECORDER = _Recorder()


def _apply(name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Sym:
    key = _TORCH_NAMES.get(name)
    if key is None:
        raise DecompileError(f"cannot trace torch function {name!r} symbolically")
    kwargs = {k: v for k, v in kwargs.items() if k not in ("dim", "keepdim", "dtype", "out")}
    if key in REDUCTIONS or key == "mean":
        _RECORDER.reductions.append(key)
        return Sym(_lift(args[0]))
    if key == "max" and len(args) == 1:
        raise DecompileError("a max over the batch cannot be traced")
    sargs = [_lift(a) for a in args]
    skw = {k: _lift(v) for k, v in kwargs.items() if v is not None}
    if key in _ARITH:
        return Sym(_ARITH[key](*sargs, **skw))
    return Sym(FUNCTIONS[key](*sargs, **skw))


class Sym:
    """A tensor stand-in carrying a sympy expression (see module docstring)."""

    __slots__ = ("expr",)

    def __init__(self, expr: sympy.Expr) -> None:
        self.expr = expr

    def __repr__(self) -> str:
        return f"Sym({self.expr})"

    @classmethod
    def __torch_function__(
        cls, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Sym:
        name = getattr(func, "__name__", str(func))
        return _apply(name, args, kwargs or {})

    # arithmetic
    def __add__(self, o: Any) -> Sym:
        return Sym(self.expr + _lift(o))

    def __radd__(self, o: Any) -> Sym:
        return Sym(_lift(o) + self.expr)

    def __sub__(self, o: Any) -> Sym:
        return Sym(self.expr - _lift(o))

    def __rsub__(self, o: Any) -> Sym:
        return Sym(_lift(o) - self.expr)

    def __mul__(self, o: Any) -> Sym:
        return Sym(self.expr * _lift(o))

    def __rmul__(self, o: Any) -> Sym:
        return Sym(_lift(o) * self.expr)

    def __truediv__(self, o: Any) -> Sym:
        return Sym(self.expr / _lift(o))

    def __rtruediv__(self, o: Any) -> Sym:
        return Sym(_lift(o) / self.expr)

    def __pow__(self, o: Any) -> Sym:
        return Sym(self.expr ** _lift(o))

    def __rpow__(self, o: Any) -> Sym:
        return Sym(_lift(o) ** self.expr)

    def __neg__(self) -> Sym:
        return Sym(-self.expr)

    def __pos__(self) -> Sym:
        return self

    def __bool__(self) -> bool:
        raise DecompileError(
            "the loss function branches on a tensor value; tracing needs straight-line code"
        )

    # tensor methods
    def __getattr__(self, name: str) -> Any:
        if name in ("detach", "float", "double", "to", "contiguous", "squeeze", "clone", "cpu"):
            if name == "detach":
                _RECORDER.notes.append(
                    ".detach() ignored while tracing (gradients of the traced loss may differ)"
                )
            return lambda *a, **k: self
        if name in _TORCH_NAMES:
            return lambda *a, **k: _apply(name, (self, *a), k)
        raise AttributeError(name)


def trace(
    fn: Callable[..., Any], *, symbolic_defaults: bool = True, **params: Any
) -> tuple[sympy.Expr, list[str], list[str]]:
    """Call *fn* with symbolic proxies; return ``(expression, reductions, notes)``.

    *params* overrides parameter values (numbers or sympy symbols). With *symbolic_defaults* a
    parameter whose default is a number (``beta=0.1``) becomes the hyperparameter ``beta``, so
    the result reads like the paper; pass ``symbolic_defaults=False`` to use the defaults. A
    returned tuple (TRL returns ``(losses, chosen_rewards, rejected_rewards)``) contributes its
    first element.
    """
    sig = inspect.signature(fn)
    args: dict[str, Any] = {}
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if name in params:
            args[name] = Sym(_lift(params[name]))
            continue
        data = resolve_name(name)
        if data is not None:
            args[name] = Sym(data)
        elif p.default is not inspect.Parameter.empty:
            numeric = isinstance(p.default, int | float) and not isinstance(p.default, bool)
            args[name] = Sym(hyperparameter(name)) if numeric and symbolic_defaults else p.default
        else:
            args[name] = Sym(hyperparameter(name))
    _RECORDER.reductions.clear()
    _RECORDER.notes.clear()
    try:
        out = fn(**args)
    except DecompileError:
        raise
    except Exception as err:
        raise DecompileError(
            f"tracing {getattr(fn, '__name__', 'the function')} failed: {type(err).__name__}: {err}"
        ) from None
    if isinstance(out, tuple | list):
        if not out:
            raise DecompileError("the traced function returned an empty tuple")
        out = out[0]
    if not isinstance(out, Sym):
        raise DecompileError(
            f"the traced function returned {type(out).__name__}, not a loss built from its inputs"
        )
    return normalize(sympy.sympify(out.expr)), list(_RECORDER.reductions), list(_RECORDER.notes)
