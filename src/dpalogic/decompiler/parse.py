"""Read a loss written as text into a sympy expression over proposition weights.

The text is Python expression syntax (what people paste from code or papers): ``+ - * / **``,
``^`` as power, function calls with or without module prefixes (``F.logsigmoid``, ``torch.log``),
methods (``x.mean()``, ``x.clamp(min=0)``) and names:

===========================================  ==================================================
name                                         meaning
===========================================  ==================================================
``policy_chosen_logps``, ``logp_w``, …       ``log p_w`` — log P_θ(y_w|x) (TRL's or short names)
``reference_rejected_logps``, ``ref_logp_l`` ``log r_l`` — log P_ref(y_l|x)
``<Pred>_chosen_logps``, ``logm_w``          ``log`` of any other predicate (``Mref``, ``M2`` …)
``p_w``, ``pi_w``, ``r_l``, ``pi_ref_l``     the probabilities themselves
``len_w``, ``chosen_lengths``, ``len_l`` …   completion lengths (length normalisation)
anything else (``beta``, ``gamma``, ``lam``) a positive hyperparameter
===========================================  ==================================================

The text is walked as a Python AST by a small evaluator — nothing is ``eval``-ed, unknown
functions are rejected, and every error carries the character position of its cause.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

import sympy

from dpalogic.errors import FormulaSyntaxError
from dpalogic.logic import Atom

from .symbols import LEN_L, LEN_W, LogSigmoid, Sigmoid, normalize, prob

_OUT = {"w": "yw", "yw": "yw", "chosen": "yw", "l": "yl", "yl": "yl", "rejected": "yl"}
_PRED = {
    "p": "M",
    "pi": "M",
    "policy": "M",
    "pi_theta": "M",
    "theta": "M",
    "r": "Ref",
    "ref": "Ref",
    "pi_ref": "Ref",
    "reference": "Ref",
    "m": "Mref",
    "mref": "Mref",
}

_LOGP_RE = [
    re.compile(r"^(?P<pred>policy|reference|ref)_(?P<out>chosen|rejected)_logps?$"),
    re.compile(r"^(?P<pred>[A-Za-z][A-Za-z0-9]*)_(?P<out>chosen|rejected)_logps$"),
    re.compile(r"^(?P<out>chosen|rejected)_logps$"),
    re.compile(r"^log(?P<pred>p|pi|r|m|pi_ref)_(?P<out>w|l|yw|yl)$"),
    re.compile(r"^(?P<pred>ref)_logp_(?P<out>w|l|yw|yl)$"),
    re.compile(r"^log_(?P<pred>p|pi|r|pi_ref)_(?P<out>w|l|yw|yl)$"),
]
_COPY_RE = re.compile(
    r"^(?P<log>log)?(?P<letter>p|r|m)(?P<num>[2-9]|[1-9][0-9]+)_(?P<out>w|l|yw|yl)$"
)
_PROB_RE = [
    re.compile(r"^(?P<pred>p|pi|r|pi_ref|m)_(?P<out>w|l|yw|yl)$"),
    re.compile(r"^(?P<pred>p|r)(?P<out>w|l)$"),
]
_LEN_NAMES = {
    "len_w": LEN_W,
    "len_l": LEN_L,
    "len_yw": LEN_W,
    "len_yl": LEN_L,
    "chosen_lengths": LEN_W,
    "rejected_lengths": LEN_L,
    "chosen_length": LEN_W,
    "rejected_length": LEN_L,
    "length_w": LEN_W,
    "length_l": LEN_L,
}

#: Module prefixes that may precede a function name.
_MODULES = {"torch", "F", "nn", "functional", "np", "numpy", "math", "sympy", "sp"}

#: Batch reductions: the loss is per example, so these are the identity (reported as stripped).
REDUCTIONS = {"mean", "sum", "nanmean"}


def _pred_of(word: str | None) -> str:
    if word is None:
        return "M"
    return _PRED.get(word.lower(), word)


def resolve_name(name: str) -> sympy.Expr | None:
    """The expression a data name stands for (``None`` for a hyperparameter)."""
    if name in _LEN_NAMES:
        return _LEN_NAMES[name]
    m = _COPY_RE.match(name)
    if m:  # copies as the compiler prints them: p2_w = M2(x,yw), r2_l = Ref2(x,yl), logp2_w
        pred = _PRED[m.group("letter")] + m.group("num")
        weight = prob(Atom(pred, _OUT[m.group("out")]))
        return sympy.log(weight) if m.group("log") else weight
    for rx in _LOGP_RE:
        m = rx.match(name)
        if m:
            pred = _pred_of(m.groupdict().get("pred"))
            return sympy.log(prob(Atom(pred, _OUT[m.group("out")])))
    for rx in _PROB_RE:
        m = rx.match(name)
        if m:
            return prob(Atom(_pred_of(m.group("pred")), _OUT[m.group("out")]))
    return None


def hyperparameter(name: str) -> sympy.Symbol:
    """A hyperparameter symbol (positive real)."""
    return sympy.Symbol(name, positive=True)


def _max(*args: sympy.Expr) -> sympy.Expr:
    return sympy.Max(*args)


def _clamp(
    x: sympy.Expr, min: sympy.Expr | None = None, max: sympy.Expr | None = None
) -> sympy.Expr:
    if min is not None:
        x = sympy.Max(x, min)
    if max is not None:
        x = sympy.Min(x, max)
    return x


#: Functions understood in text and when tracing (name → sympy builder).
FUNCTIONS: dict[str, Callable[..., sympy.Expr]] = {
    "log": sympy.log,
    "exp": sympy.exp,
    "log1p": lambda x: sympy.log(1 + x),
    "expm1": lambda x: sympy.exp(x) - 1,
    "sigmoid": Sigmoid,
    "logsigmoid": LogSigmoid,
    "log_sigmoid": LogSigmoid,
    "softplus": lambda x: -LogSigmoid(-x),
    "relu": lambda x: sympy.Max(0, x),
    "max": _max,
    "maximum": _max,
    "Max": _max,
    "min": sympy.Min,
    "minimum": sympy.Min,
    "Min": sympy.Min,
    "clamp_min": lambda x, v: sympy.Max(x, v),
    "clamp": _clamp,
    "clip": _clamp,
    "sqrt": sympy.sqrt,
    "abs": sympy.Abs,
    "square": lambda x: x**2,
    "pow": lambda x, y: x**y,
    "tanh": sympy.tanh,
    "neg": lambda x: -x,
    "mean": lambda x, *a, **k: x,
    "sum": lambda x, *a, **k: x,
    "nanmean": lambda x, *a, **k: x,
}


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.reductions: list[str] = []

    def pos(self, node: ast.AST) -> int:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        return sum(len(s) + 1 for s in self.lines[: line - 1]) + col

    def error(self, message: str, node: ast.AST) -> FormulaSyntaxError:
        return FormulaSyntaxError(message, self.text, self.pos(node))

    def read(self, node: ast.AST) -> sympy.Expr:
        if isinstance(node, ast.Expression):
            return self.read(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise self.error(f"unexpected constant {node.value!r}", node)
            return (
                sympy.nsimplify(node.value)
                if isinstance(node.value, float) and _short(node.value)
                else sympy.sympify(node.value)
            )
        if isinstance(node, ast.Name):
            return self.name(node.id, node)
        if isinstance(node, ast.UnaryOp):
            v = self.read(node.operand)
            if isinstance(node.op, ast.USub):
                return -v
            if isinstance(node.op, ast.UAdd):
                return v
            raise self.error("unsupported unary operator", node)
        if isinstance(node, ast.BinOp):
            a, b = self.read(node.left), self.read(node.right)
            op = node.op
            if isinstance(op, ast.Add):
                return a + b
            if isinstance(op, ast.Sub):
                return a - b
            if isinstance(op, ast.Mult):
                return a * b
            if isinstance(op, ast.Div):
                return a / b
            if isinstance(op, ast.Pow | ast.BitXor):
                return a**b
            raise self.error(f"unsupported operator {type(op).__name__}", node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            raise self.error(f"unexpected attribute '.{node.attr}' (did you mean a call?)", node)
        raise self.error(f"unsupported syntax ({type(node).__name__})", node)

    def name(self, name: str, node: ast.AST) -> sympy.Expr:
        if name in FUNCTIONS or name in _MODULES:
            raise self.error(f"function {name!r} used as a value", node)
        if name in ("e", "E"):
            return sympy.E
        data = resolve_name(name)
        return data if data is not None else hyperparameter(name)

    def call(self, node: ast.Call) -> sympy.Expr:
        func = node.func
        kwargs = {k.arg: self.read(k.value) for k in node.keywords if k.arg}
        if isinstance(func, ast.Name):
            fname, args = func.id, [self.read(a) for a in node.args]
        elif isinstance(func, ast.Attribute):
            chain, base = [], func.value
            while isinstance(base, ast.Attribute):
                chain.append(base.attr)
                base = base.value
            if (
                isinstance(base, ast.Name)
                and base.id in _MODULES
                and all(c in _MODULES for c in chain)
            ):
                fname, args = func.attr, [self.read(a) for a in node.args]
            else:  # a method call on an expression: x.mean(), x.clamp(min=0)
                fname = func.attr
                args = [self.read(func.value)] + [self.read(a) for a in node.args]
        else:
            raise self.error("unsupported call", node)
        if fname not in FUNCTIONS:
            raise self.error(f"unknown function {fname!r}", node)
        if fname in REDUCTIONS:
            self.reductions.append(fname)
            return args[0]
        try:
            out = FUNCTIONS[fname](*args, **kwargs)
        except TypeError as err:
            raise self.error(f"bad arguments to {fname}: {err}", node) from None
        return out


def _short(x: float) -> bool:
    """Whether a float literal is a short decimal (0.1, 2.5) that is better kept rational."""
    return len(repr(x)) <= 8


def parse_loss(text: str) -> tuple[sympy.Expr, list[str]]:
    """Parse *text* into ``(expression, batch reductions seen)``.

    Raises :class:`FormulaSyntaxError` (a :class:`DPALogicError`) with the position of the problem.

    Example:
        >>> e, _ = parse_loss("-logsigmoid(beta*(logp_w - logp_l))")
        >>> print(e)
        -LogSigmoid(beta*(log(p_w) - log(p_l)))
    """
    if not isinstance(text, str) or not text.strip():
        raise FormulaSyntaxError("empty loss expression", str(text), 0)
    src = text.strip()
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as err:
        offset = max((err.offset or 1) - 1, 0)
        if err.lineno and err.lineno > 1:
            offset += sum(len(s) + 1 for s in src.split("\n")[: err.lineno - 1])
        raise FormulaSyntaxError(f"syntax error ({err.msg})", src, min(offset, len(src))) from None
    reader = _Reader(src)
    expr = reader.read(tree)
    return normalize(sympy.sympify(expr)), reader.reductions
