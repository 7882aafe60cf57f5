"""``decompile``: a DPA loss as people write it → preference structure(s), link, β, stripped parts.

Method (SEMANTICS §5): split the loss into additive terms; recognise each term's link ``f``
(logistic, label-smoothed cDPO/robust, hinge, squared/IPO, or a bare ``-log`` = semantic loss) and
the auxiliary terms (λ·NLL, DPOP's penalty); inside the link, undo length normalisation, write the
argument as ``β·Σ n_f log f + c`` with integer ``n_f``; the constant ``c`` becomes a
margin-reference pair ``Mref``; repeated factors become copies; each side is then read as a world
set by its values at the Boolean corners. Everything that is not ρ is listed in ``stripped`` and
kept, so compiling the result reproduces the input exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy
import torch

from dpalogic.errors import DecompileError
from dpalogic.logic import Atom, PreferenceStructure, to_paper, world_bits

from .algebra import (
    decompose,
    expand_logs,
    integer_scale,
    length_normalise,
    side_polynomial,
    variables_for,
    world_mask,
)
from .parse import parse_loss
from .symbols import (
    LEN_L,
    LEN_W,
    LogSigmoid,
    atom_of,
    data_symbols,
    evaluate,
    keyword_of,
    param_symbols,
    prob,
    prob_symbols,
    to_float,
)

#: The argument ``t = β·ρ`` of a custom link.
T_ARG = sympy.Symbol("t", real=True)
P_W = prob(Atom("M", "yw"))
R_W = prob(Atom("Ref", "yw"))
M_W = prob(Atom("Mref", "yw"))
M_L = prob(Atom("Mref", "yl"))


@dataclass(frozen=True)
class Stripped:
    """Something the decompiler took off the loss to reach ρ (kept for the round trip)."""

    #: regularizer | length-normalization | margin | copy | approximation | reduction |
    #: constant | weight | link
    kind: str
    detail: str  #: a sentence saying what it is and how it is kept
    expr: str = ""  #: the stripped expression (sympy text), when there is one

    def to_json(self) -> dict[str, str]:
        """JSON-ready dict."""
        return {"kind": self.kind, "detail": self.detail, "expr": self.expr}


@dataclass(frozen=True)
class DecompiledTerm:
    """One preference term ``weight · f(ρ(structure), β)`` of a decompiled loss."""

    structure: PreferenceStructure
    link: str
    beta: sympy.Expr
    weight: sympy.Expr = sympy.S.One
    link_params: Mapping[str, sympy.Expr] = field(default_factory=dict)
    length_normalize: bool = False
    #: ``log m_l − log m_w`` of the margin-reference pair (``None`` when there is none)
    margin: sympy.Expr | None = None
    #: exact inside-link correction ``g`` with ``f(β(ρ − g))`` (approximations only)
    residual: sympy.Expr | None = None
    source: sympy.Expr = sympy.S.Zero
    stripped: tuple[Stripped, ...] = ()
    #: regularisers inside the link, ``(name, λ)`` — DPOP's penalty in ``penalties="regularizer"``
    inside: tuple[tuple[str, sympy.Expr], ...] = ()
    #: a link the registry does not know, as an expression in ``t = β·ρ`` (``link == "custom"``)
    link_expr: sympy.Expr | None = None

    def rho_text(self) -> str:
        """The closed form of ρ of the structure (the compiler's printer)."""
        from dpalogic.compiler import closed_form

        return str(closed_form(self.structure))

    def to_json(self) -> dict[str, Any]:
        """The ``explain`` JSON of the structure plus link, β, weight and stripped parts."""
        s = self.structure
        P, PC, PA = s.canonical()
        n = s.n
        return {
            "name": str(self.source),
            "variables": [str(v) for v in s.variables],
            "P": to_paper(P),
            "PC": to_paper(PC),
            "PA": to_paper(PA),
            "top": [world_bits(w, n) for w in s.top_worlds()],
            "bottom": [world_bits(w, n) for w in s.bottom_worlds()],
            "rho": self.rho_text(),
            "link": self.link
            if self.link_expr is None
            else f"custom: f(t) = {self.link_expr}, t = βρ",
            "beta": str(self.beta),
            "link_params": {k: str(v) for k, v in self.link_params.items()},
            "weight": str(self.weight),
            "length_normalize": self.length_normalize,
            "stripped": [x.to_json() for x in self.stripped],
        }


@dataclass(frozen=True)
class DecompiledRegularizer:
    """An auxiliary term: ``sft`` (λ·(−log p_w)) or ``dpop`` (λ·max(0, log r_w − log p_w))."""

    name: str
    weight: sympy.Expr
    length_normalize: bool = False


@dataclass(frozen=True)
class Decompiled:
    """The result of :func:`decompile`: preference terms, regularisers and what was stripped."""

    source: str
    expr: sympy.Expr
    terms: tuple[DecompiledTerm, ...]
    regularizers: tuple[DecompiledRegularizer, ...] = ()
    constant: sympy.Expr = sympy.S.Zero
    stripped: tuple[Stripped, ...] = ()

    @property
    def structures(self) -> list[PreferenceStructure]:
        """One structure per preference term."""
        return [t.structure for t in self.terms]

    @property
    def structure(self) -> PreferenceStructure:
        """The structure (raises when the loss is a sum of several preference terms)."""
        if len(self.terms) != 1:
            raise DecompileError(
                f"the loss is a sum of {len(self.terms)} preference terms; use .terms/.structures"
            )
        return self.terms[0].structure

    @property
    def link(self) -> str:
        """The link of the (first) term."""
        return self.terms[0].link

    @property
    def beta(self) -> sympy.Expr:
        """β of the (first) term."""
        return self.terms[0].beta

    @property
    def parameters(self) -> list[str]:
        """Hyperparameter names the loss uses (values needed by :meth:`compile`)."""
        return sorted(str(s) for s in param_symbols(self.expr))

    def all_stripped(self) -> list[Stripped]:
        """Everything stripped, loss-level first, then per term."""
        out = list(self.stripped)
        for t in self.terms:
            out.extend(t.stripped)
        return out

    def to_json(self) -> dict[str, Any]:
        """``explain``'s JSON of the first term plus ``link``, ``beta``, ``stripped``; all terms
        under ``terms``."""
        first = self.terms[0].to_json()
        first["name"] = self.source
        first["stripped"] = [x.to_json() for x in self.all_stripped()]
        first["terms"] = [t.to_json() for t in self.terms]
        first["regularizers"] = [
            {"name": r.name, "weight": str(r.weight), "length_normalize": r.length_normalize}
            for r in self.regularizers
        ]
        first["parameters"] = self.parameters
        return first

    def __str__(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)

    # -- the round trip ------------------------------------------------------------------------
    def compile(self, **params: Any) -> DecompiledLoss:
        """Compile every term with the compiler (recognised link, β, stripped parts) and sum.

        *params* gives the hyperparameters values (``beta=0.1``); the returned callable takes the
        compiler's keyword tensors (``policy_chosen_logps``, …, ``chosen_lengths``) plus any
        per-example hyperparameter tensors.
        """
        return DecompiledLoss(self, params)

    def evaluate_source(self, **kw: Any) -> torch.Tensor:
        """The input loss evaluated literally (torch, per example) — the round trip's reference."""
        logps, values = _bind_inputs(self.expr, kw)
        return evaluate(self.expr, logps, values)


def _bind_inputs(
    expr: sympy.Expr, kw: Mapping[str, Any]
) -> tuple[dict[sympy.Symbol, torch.Tensor], dict[sympy.Symbol, Any]]:
    logps: dict[sympy.Symbol, torch.Tensor] = {}
    for s in prob_symbols(expr):
        a = atom_of(s)
        assert a is not None
        key = keyword_of(a)
        if key not in kw:
            base = re.fullmatch(r"(M|Ref)\d+", a.pred)
            if base:  # copies default to their predicate's log-probs (as in the compiler)
                key = keyword_of(Atom(base.group(1), a.out))
        if key not in kw:
            raise DecompileError(f"the loss needs the keyword input {key!r}")
        logps[s] = torch.as_tensor(kw[key])
    values: dict[sympy.Symbol, Any] = {}
    for s in param_symbols(expr):
        if str(s) not in kw:
            raise DecompileError(f"hyperparameter {s} has no value; pass {s}=...")
        values[s] = kw[str(s)]
    for s, key in ((LEN_W, "chosen_lengths"), (LEN_L, "rejected_lengths")):
        if s in expr.free_symbols:
            if key not in kw:
                raise DecompileError(f"the loss needs the keyword input {key!r}")
            values[s] = torch.as_tensor(kw[key])
    return logps, values


class DecompiledLoss:
    """The compiled round trip of a :class:`Decompiled`: ``loss(**tensors) -> Tensor[batch]``."""

    def __init__(self, result: Decompiled, params: Mapping[str, Any]) -> None:
        from dpalogic.compiler import Regularizer, compile_structure, dpop, sft

        self.result = result
        self.params = dict(params)
        self._values = {sympy.Symbol(k, positive=True): v for k, v in self.params.items()}
        self.compiled = []
        for t in result.terms:
            regs = [dpop(to_float(lam, self._values), inside_link=True) for _, lam in t.inside]
            if t.residual is not None:
                regs.append(
                    Regularizer(
                        "exact-residual",
                        1.0,
                        self._residual_fn(t),
                        inside_link=True,
                    )
                )
            link_params = {k: to_float(v, self._values) for k, v in t.link_params.items()}
            preds = frozenset(v.pred for v in t.structure.variables) - {"Mref"}
            loss = compile_structure(
                t.structure,
                link=t.link if t.link_expr is None else self._custom_link(t.link_expr),
                beta=to_float(t.beta, self._values),
                link_params=link_params,
                # lengths normalise model/reference log-probs, never the margin reference
                length_normalize=preds if t.length_normalize else False,
                regularizers=regs,
            )
            self.compiled.append((t, to_float(t.weight, self._values), loss))
        self.regularizers = []
        for r in result.regularizers:
            w = to_float(r.weight, self._values)
            if r.name == "sft":
                self.regularizers.append(sft(w, length_normalize=r.length_normalize))
            else:
                self.regularizers.append(dpop(w, inside_link=False))

    def _custom_link(self, g: sympy.Expr) -> Callable[[torch.Tensor, float], torch.Tensor]:
        values = self._values

        def custom(rho: torch.Tensor, beta: float) -> torch.Tensor:
            return evaluate(g, {}, {**values, T_ARG: beta * rho})

        custom.__name__ = f"f(t)={g}"
        return custom

    def _values_with(self, kw: Mapping[str, Any]) -> dict[sympy.Symbol, Any]:
        values = dict(self._values)
        for k, v in kw.items():
            if k not in ("chosen_lengths", "rejected_lengths"):
                values.setdefault(sympy.Symbol(k, positive=True), v)
        if "chosen_lengths" in kw:
            values[LEN_W] = torch.as_tensor(kw["chosen_lengths"])
        if "rejected_lengths" in kw:
            values[LEN_L] = torch.as_tensor(kw["rejected_lengths"])
        return values

    def _residual_fn(
        self, t: DecompiledTerm
    ) -> Callable[[Mapping[str, torch.Tensor]], torch.Tensor]:
        residual = t.residual
        assert residual is not None

        def fn(kw: Mapping[str, torch.Tensor]) -> torch.Tensor:
            values = self._values_with(kw)
            logps = {}
            for s in prob_symbols(residual):
                a = atom_of(s)
                assert a is not None
                x = torch.as_tensor(kw[keyword_of(a)])
                if t.length_normalize:
                    x = x / values[LEN_W if a.out == "yw" else LEN_L]
                logps[s] = x
            return evaluate(residual, logps, values)

        return fn

    def _margin_inputs(self, t: DecompiledTerm, kw: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        if t.margin is None:
            return {}
        like = next(v for v in kw.values() if isinstance(v, torch.Tensor))
        values = self._values_with(kw)
        c = evaluate(t.margin, {}, values)
        c = torch.as_tensor(c, dtype=like.dtype) * torch.ones_like(like)
        # log m_l − log m_w = c with both log-weights ≤ 0
        log_mw, log_ml = -torch.relu(c), -torch.relu(-c)
        return {"Mref_chosen_logps": log_mw, "Mref_rejected_logps": log_ml}

    def __call__(self, **kw: Any) -> torch.Tensor:
        keys = {
            "policy_chosen_logps",
            "policy_rejected_logps",
            "reference_chosen_logps",
            "reference_rejected_logps",
            "chosen_lengths",
            "rejected_lengths",
        }
        tensors = {k: v for k, v in kw.items() if k in keys or k.endswith("_logps")}
        total: torch.Tensor | float = 0.0
        for t, w, loss in self.compiled:
            extra = self._margin_inputs(t, kw)
            needed = set(getattr(loss, "required_inputs", ()) or ())
            call = {k: v for k, v in tensors.items() if not needed or k in needed or k in keys}
            total = total + w * loss(**call, **extra)
        for reg in self.regularizers:
            total = total + reg(tensors)
        if self.result.constant != 0:
            total = total + to_float(self.result.constant, self._values_with(kw))
        assert isinstance(total, torch.Tensor)
        return total


# -- analysis ------------------------------------------------------------------------------------


def _is_zero(e: sympy.Expr) -> bool:
    return sympy.simplify(e) == 0


def _mentions_model(*es: sympy.Expr) -> bool:
    syms = set().union(*(prob_symbols(e) for e in es)) if es else set()
    return any((a := atom_of(s)) is not None and a.pred == "M" for s in syms)


def _sign(e: sympy.Expr) -> int:
    """Sign of a hyperparameter expression: by assumptions, else at typical values (all 0.1)."""
    e = sympy.simplify(e)
    if e.is_positive:
        return 1
    if e.is_negative:
        return -1
    v = e.subs({s: sympy.Rational(1, 10) for s in e.free_symbols})
    try:
        f = float(v)
    except TypeError:
        return 1
    return -1 if f < 0 else 1


@dataclass
class _Rho:
    structure: PreferenceStructure
    beta: sympy.Expr
    const: sympy.Expr
    length_normalize: bool
    residual: sympy.Expr | None
    stripped: list[Stripped]
    inside: list[tuple[str, sympy.Expr]] = field(default_factory=list)


def _structure_of(
    ints: dict[sympy.Expr, int], margin: bool, stripped: list[Stripped]
) -> PreferenceStructure:
    copies: list[str] = []
    top_f = [(f, n) for f, n in ints.items() if n > 0]
    bot_f = [(f, -n) for f, n in ints.items() if n < 0]
    shown_t = str(sympy.Mul(*[f**n for f, n in top_f]))
    shown_b = str(sympy.Mul(*[f**n for f, n in bot_f]))
    T = side_polynomial(top_f, copies)
    B = side_polynomial(bot_f, copies)
    if margin:
        T, B = sympy.expand(T * M_L), sympy.expand(B * M_W)
    V = variables_for(T, B)
    top = world_mask(T, V, "numerator", shown_t)
    bottom = world_mask(B, V, "denominator", shown_b)
    for c in copies:
        stripped.append(Stripped("copy", f"repeated factor turned into a copy: {c}"))
    return PreferenceStructure.from_worlds(top, bottom, V)


def _analyse(
    arg: sympy.Expr, orientation: int, what: str, mref: bool = False, penalties: str = "copies"
) -> _Rho:
    """Read a link argument ``arg = orientation·β·ρ + const (+ penalties)``."""
    stripped: list[Stripped] = []
    inside: list[tuple[str, sympy.Expr]] = []
    z, ln = length_normalise(arg)
    if ln:
        stripped.append(
            Stripped(
                "length-normalization",
                "log-probabilities divided by completion lengths: compiled with "
                "length_normalize=True (chosen_lengths, rejected_lengths)",
            )
        )
    logs, const, pens = decompose(z)
    if not logs and not pens:
        raise DecompileError(
            f"no comparison of the two outputs: the argument {arg} of the {what} does not depend "
            f"on the model's probabilities"
        )
    if not _mentions_model(*logs.keys(), *(p for _, p in pens)):
        raise DecompileError(
            f"no comparison of the two outputs: the argument {arg} of the {what} never mentions "
            f"the tuned model M"
        )
    signed = {f: orientation * c for f, c in logs.items()}
    residual = None
    if pens and penalties == "regularizer":
        beta0, _ = integer_scale(signed, what)
        keep = []
        for coeff, pen in pens:
            u = next((a for a in pen.args if a != 0), None)
            if (
                isinstance(pen, sympy.Max)
                and len(pen.args) == 2
                and orientation == 1
                and _is_zero(expand_logs(u) - (sympy.log(R_W) - sympy.log(P_W)))
            ):
                lam = sympy.simplify(-coeff / beta0)
                inside.append(("dpop", lam))
                stripped.append(
                    Stripped(
                        "regularizer",
                        f"DPOP penalty {lam}·max(0, log r_w − "
                        "log p_w) inside the link: kept as the compiler's "
                        f"dpop({lam}, inside_link=True)",
                        str(coeff * pen),
                    )
                )
            else:
                keep.append((coeff, pen))
        pens = keep
    if pens and penalties != "copies":
        raise DecompileError(f"penalty {pens[0][1]} inside the {what} is not DPOP's")
    if pens:
        beta0, _ = integer_scale(signed, what) if signed else (sympy.S.One, {})
        for coeff, pen in pens:
            zero = [a for a in pen.args if a == 0]
            rest = [a for a in pen.args if a != 0]
            if not zero or len(rest) != 1:
                raise DecompileError(f"{pen} inside the {what} is not a penalty max(0, ·)")
            u = rest[0]
            sign = 1 if isinstance(pen, sympy.Max) else -1
            ratio = sympy.simplify(orientation * coeff / beta0)
            k = _sign(ratio)
            ulogs, uconst, upens = decompose(u)
            if upens or uconst != 0:
                raise DecompileError(f"penalty {pen} is not max(0, log-ratio)")
            for f, c in ulogs.items():
                signed[f] = signed.get(f, sympy.S.Zero) + k * beta0 * c
            stripped.append(
                Stripped(
                    "approximation",
                    f"penalty {coeff}*{pen} read in its active branch ({u} > 0, "
                    f"{'max' if sign > 0 else 'min'} → identity) with weight {k:+d}·β, so its "
                    "logs become copies; the exact difference is kept as an inside-link "
                    "residual (exact alternative: DPO's structure with the compiler's "
                    "dpop(λ) inside-link regularizer)",
                    str(coeff * pen),
                )
            )
        signed = {f: c for f, c in signed.items() if not _is_zero(c)}
    beta, ints = integer_scale(signed, what)
    margin = sympy.simplify(orientation * const / beta) if const != 0 else sympy.S.Zero
    structure = _structure_of(ints, mref and margin != 0, stripped)
    if pens:
        rho_struct = sum((n * sympy.log(f) for f, n in ints.items()), sympy.S.Zero)
        residual = sympy.simplify(expand_logs(rho_struct + margin - orientation * z / beta))
        if residual == 0:
            residual = None
    return _Rho(structure, beta, const, ln, residual, stripped, inside)


def _margin_stripped(margin: sympy.Expr) -> Stripped:
    return Stripped(
        "margin",
        f"constant {margin} added to ρ turned into a margin-reference pair: "
        f"log Mref(x,yl) − log Mref(x,yw) = {margin} (bound as Mref_chosen_logps, "
        f"Mref_rejected_logps)",
        str(margin),
    )


def _logistic(
    weight: sympy.Expr, z: sympy.Expr, source: sympy.Expr, penalties: str = "copies"
) -> DecompiledTerm:
    r = _analyse(z, 1, "logistic link -log σ(·)", mref=True, penalties=penalties)
    margin = sympy.simplify(r.const / r.beta) if r.const != 0 else None
    stripped = list(r.stripped)
    if margin is not None:
        stripped.append(_margin_stripped(margin))
    return DecompiledTerm(
        r.structure,
        "logistic",
        r.beta,
        weight,
        {},
        r.length_normalize,
        margin,
        r.residual,
        source,
        tuple(stripped),
        tuple(r.inside),
    )


def _hinge(weight: sympy.Expr, u: sympy.Expr, source: sympy.Expr) -> DecompiledTerm:
    r = _analyse(u, -1, "hinge max(0, ·)")
    if r.residual is not None:
        raise DecompileError("a penalty inside a hinge is not supported")
    delta = r.const
    if _is_zero(delta - 1):
        return DecompiledTerm(
            r.structure,
            "hinge",
            r.beta,
            weight,
            {},
            r.length_normalize,
            None,
            None,
            source,
            tuple(r.stripped),
        )
    if _is_zero(r.beta - 1):
        return DecompiledTerm(
            r.structure,
            "hinge_margin",
            sympy.S.One,
            weight,
            {"delta": delta},
            r.length_normalize,
            None,
            None,
            source,
            tuple(r.stripped),
        )
    extra = Stripped(
        "weight",
        f"hinge slope {r.beta} moved into the weight: max(0, δ − βρ) = β·max(0, δ/β − ρ)",
        str(r.beta),
    )
    return DecompiledTerm(
        r.structure,
        "hinge_margin",
        sympy.S.One,
        sympy.simplify(weight * r.beta),
        {"delta": sympy.simplify(delta / r.beta)},
        r.length_normalize,
        None,
        None,
        source,
        (*r.stripped, extra),
    )


def _squared(weight: sympy.Expr, base: sympy.Expr, source: sympy.Expr) -> DecompiledTerm:
    r = _analyse(base, 1, "square (·)²")
    if r.residual is not None:
        raise DecompileError("a penalty inside a squared link is not supported")
    # base = β'ρ + c = β'(ρ − τ) with τ = −c/β'; the squared link is (ρ − 1/(2β))².
    tau = sympy.simplify(-r.const / r.beta)
    structure = r.structure
    if tau == 0:
        raise DecompileError(
            f"squared link without a target: {source} has no constant 1/(2β) to read β from"
        )
    if _sign(tau) < 0:
        tau, structure = -tau, structure.negate()
    w = sympy.simplify(weight * r.beta**2)
    stripped = list(r.stripped)
    if not _is_zero(r.beta - 1):
        stripped.append(
            Stripped(
                "weight",
                f"scale {r.beta} of ρ inside the square moved into the weight ({r.beta}²)",
                str(r.beta),
            )
        )
    return DecompiledTerm(
        structure,
        "squared",
        sympy.simplify(1 / (2 * tau)),
        w,
        {},
        r.length_normalize,
        None,
        None,
        source,
        tuple(stripped),
    )


def _semantic(
    entries: list[tuple[sympy.Expr, sympy.Expr]], ln: bool
) -> tuple[DecompiledTerm, sympy.Expr]:
    """``Σ c_i log Q_i`` with all ``c_i = −w·k_i``: the semantic loss ``−w log(T/B)`` read as
    ``−w log σ(log(T/(B−T)))``."""
    source = sum((c * sympy.log(q) for c, q in entries), sympy.S.Zero)
    from collections import defaultdict

    from .algebra import _add_log

    logs: dict[sympy.Expr, sympy.Expr] = defaultdict(lambda: sympy.S.Zero)

    const = sympy.S.Zero
    for c, q in entries:
        const += _add_log(logs, q, -c)  # type: ignore[arg-type]
    logs = {f: c for f, c in logs.items() if not _is_zero(c)}
    if const != 0:
        pass  # a constant factor c inside -log(c·T) is the loss offset -log(c), returned below
    if not logs or not _mentions_model(*logs.keys()):
        raise DecompileError(
            f"no comparison of the two outputs: {source} never mentions the tuned model M"
        )
    w, ints = integer_scale(logs, "the -log(...) terms")
    copies: list[str] = []
    top_f = [(f, n) for f, n in ints.items() if n > 0]
    bot_f = [(f, -n) for f, n in ints.items() if n < 0]
    stripped: list[Stripped] = []
    T = side_polynomial(top_f, copies)
    if bot_f and copies:
        raise DecompileError(f"{source}: repeated factors together with a denominator")
    B = side_polynomial(bot_f, copies)
    X = sympy.expand(B - T)
    shown = f"-log({sympy.Mul(*[f**n for f, n in top_f])}"
    shown += f"/({sympy.Mul(*[f**n for f, n in bot_f])}))" if bot_f else ")"
    V = variables_for(T, X)
    try:
        top = world_mask(T, V, "numerator", shown)
        bottom = world_mask(X, V, "complement (denominator − numerator)", f"of {shown}")
    except DecompileError as err:
        if bot_f:
            raise DecompileError(
                f"{source} is a bare log-ratio with no link (-log σ, hinge, square) and not a "
                f"semantic loss -log P(✓)/P(✓ ∪ ✗): {err}"
            ) from None
        raise
    for c in copies:
        stripped.append(Stripped("copy", f"repeated factor turned into a copy: {c}"))
    if ln:
        stripped.append(
            Stripped(
                "length-normalization",
                "log-probabilities divided by lengths: compiled with length_normalize=True",
            )
        )
    stripped.append(
        Stripped(
            "link",
            "a bare -log(WMC) is the logistic link at β = 1: -log(T) = -log σ(log(T/(1 − T)))",
        )
    )
    structure = PreferenceStructure.from_worlds(top, bottom, V)
    term = DecompiledTerm(
        structure, "logistic", sympy.S.One, w, {}, ln, None, None, source, tuple(stripped)
    )
    return term, -const


def _log_linear(e: sympy.Expr) -> bool:
    """Whether *e* is ``Σ c·log(Q)`` (+ weight-free terms) with ``Q`` rational in the weights."""
    if not prob_symbols(e):
        return False
    try:
        logs, _, pens = decompose(e)
    except DecompileError:
        return False
    return bool(logs) and not pens


def _custom(weight: sympy.Expr, core: sympy.Expr, penalties: str) -> DecompiledTerm | None:
    """A term ``G(z)`` (or ``G(z, −z)``) of one log-linear argument ``z`` under a link the registry
    does not know: ``z = β·ρ`` gives the structure, ``G`` becomes a custom link ``f(t)``."""
    found: list[sympy.Expr] = []

    def visit(e: sympy.Expr) -> None:
        if _log_linear(e):
            found.append(e)
            return
        for a in e.args:
            visit(a)

    visit(core)
    if not found:
        return None
    z0 = found[0]
    cw = expand_logs(z0).coeff(sympy.log(P_W))
    if cw != 0 and _sign(cw) < 0:  # orient so that the winner's probability counts for ✓
        z0 = -z0
    mapping: dict[sympy.Expr, sympy.Expr] = {}
    for z in found:
        if _is_zero(expand_logs(z - z0)):
            mapping[z] = T_ARG
        elif _is_zero(expand_logs(z + z0)):
            mapping[z] = -T_ARG
        else:
            return None
    g = sympy.simplify(weight * core.xreplace(mapping))
    if prob_symbols(g) or data_symbols(g):
        return None
    base = _logistic(sympy.S.One, z0, weight * core, penalties)
    extra = Stripped(
        "link", f"link not in the registry: kept as the custom link f(t) = {g} with t = β·ρ", str(g)
    )
    return DecompiledTerm(
        base.structure,
        "custom",
        base.beta,
        sympy.S.One,
        {},
        base.length_normalize,
        base.margin,
        base.residual,
        base.source,
        (*base.stripped, extra),
        base.inside,
        g,
    )


def _merge_customs(customs: list[DecompiledTerm]) -> list[DecompiledTerm]:
    """Sum custom-link terms over the same ρ (or −ρ, with ``t ↦ −t``) into one link."""
    out: list[DecompiledTerm] = []
    for t in customs:
        for i, o in enumerate(out):
            same = (o.structure, o.beta, o.margin, o.length_normalize, o.residual) == (
                t.structure,
                t.beta,
                t.margin,
                t.length_normalize,
                t.residual,
            )
            neg = (
                (o.structure, o.beta, o.length_normalize)
                == (t.structure.negate(), t.beta, t.length_normalize)
                and t.margin is None
                and (o.margin is None)
                and o.residual is None
                and t.residual is None
            )
            if (same or neg) and not o.inside and not t.inside:
                assert o.link_expr is not None and t.link_expr is not None
                g = t.link_expr if same else t.link_expr.xreplace({T_ARG: -T_ARG})
                merged = sympy.simplify(o.link_expr + g)
                extra = tuple(x for x in t.stripped if x.kind != "link")
                out[i] = DecompiledTerm(
                    o.structure,
                    "custom",
                    o.beta,
                    sympy.S.One,
                    {},
                    o.length_normalize,
                    o.margin,
                    o.residual,
                    o.source + t.source,
                    (
                        *(x for x in o.stripped if x.kind != "link"),
                        *extra,
                        Stripped(
                            "link",
                            f"link not in the registry: kept as the custom link "
                            f"f(t) = {merged} with t = β·ρ",
                            str(merged),
                        ),
                    ),
                    (),
                    merged,
                )
                break
        else:
            out.append(t)
    return out


def _split_terms(expr: sympy.Expr) -> tuple[dict[sympy.Expr, sympy.Expr], sympy.Expr]:
    """Top-level additive terms grouped by their weight-dependent core: ``{core: coefficient}``."""
    e = sympy.expand(
        expr, deep=False, log=False, multinomial=False, power_exp=False, power_base=False
    )
    cores: dict[sympy.Expr, sympy.Expr] = {}
    const = sympy.S.Zero
    for s in sympy.Add.make_args(e):
        ds = data_symbols(s)
        if not ds:
            const += s
            continue
        coeff, core = s.as_independent(*ds, as_Add=False)
        if core.is_Mul:  # -(a + b) etc.: distribute once more
            inner = sympy.expand(core, deep=False, log=False, multinomial=False)
            if inner.is_Add:
                sub, c2 = _split_terms(coeff * inner)
                for k, v in sub.items():
                    cores[k] = cores.get(k, sympy.S.Zero) + v
                const += c2
                continue
        cores[core] = cores.get(core, sympy.S.Zero) + coeff
    return {k: v for k, v in cores.items() if not _is_zero(v)}, const


def _log_entries(core: sympy.Expr, coeff: sympy.Expr) -> list[tuple[sympy.Expr, sympy.Expr]] | None:
    """``coeff·core`` as ``[(c_i, Q_i)]`` with ``Σ c_i log Q_i`` (``None`` if it is not that)."""
    e = expand_logs(coeff * core)
    out = []
    for s in sympy.Add.make_args(e):
        ps = prob_symbols(s)
        if not ps:
            if data_symbols(s):
                return None
            out.append((sympy.S.One, sympy.exp(s)))  # a constant: log(e^s)
            continue
        c, lg = s.as_independent(*ps, as_Add=False)
        if not isinstance(lg, sympy.log):
            return None
        out.append((c, lg.args[0]))
    return out


def decompile(
    loss: str | Callable[..., Any], *, penalties: str = "copies", **params: Any
) -> Decompiled:
    """Decompile a DPA loss into its preference structure(s).

    Args:
        loss: the loss as text — log-prob notation with TRL's names (``policy_chosen_logps``) or
            short ones (``logp_w``, ``ref_logp_l``), or probability notation (``p_w``, ``r_l``,
            ``1 - p_l``) — or a Python function of log-prob tensors (traced symbolically).
        penalties: how a penalty ``max(0, ·)`` inside the link (DPOP's) is read: ``"copies"``
            (default; SEMANTICS: its active branch at λ = 1 turns into copies ``M2``, ``Ref2``,
            the exact difference kept as an inside-link residual) or ``"regularizer"`` (the
            reference structure plus the compiler's ``dpop(λ)`` inside-link regulariser).
        **params: optional hyperparameter values substituted before the analysis (e.g.
            ``lam=1``); unset hyperparameters stay symbolic.

    Returns:
        A :class:`Decompiled`: ``.structure`` / ``.terms``, ``.link``, ``.beta``, ``.stripped``,
        ``.compile(**hyperparameters)`` (the exact round trip) and ``.to_json()``.

    Raises:
        DecompileError: for a loss no structure expresses (a world counted twice, a
            non-multilinear term, no comparison of the outputs); FormulaSyntaxError for bad text.

    Example:
        >>> r = decompile("-logsigmoid(beta*((policy_chosen_logps - reference_chosen_logps)"
        ...               " - (policy_rejected_logps - reference_rejected_logps)))")
        >>> r.link, str(r.beta)
        ('logistic', 'beta')
        >>> r.structure.top_names()
        ['TFTT', 'TFFT', 'TTTT', 'TTFT']
    """
    stripped: list[Stripped] = []
    if callable(loss) and not isinstance(loss, str):
        from .trace import trace

        expr, reductions, notes = trace(loss)
        source = getattr(loss, "__qualname__", getattr(loss, "__name__", "loss"))
        stripped.extend(Stripped("reduction", n) for n in notes)
    else:
        expr, reductions = parse_loss(loss)
        source = str(loss).strip()
    for r in dict.fromkeys(reductions):
        stripped.append(
            Stripped(
                "reduction",
                f"batch reduction .{r}() dropped: the structure's "
                "loss is per example (reduce the compiled loss the same way)",
            )
        )
    if params:
        expr = expr.xreplace(
            {sympy.Symbol(k, positive=True): sympy.nsimplify(v) for k, v in params.items()}
        )
    if not prob_symbols(expr):
        raise DecompileError(
            "no comparison of the two outputs: the expression mentions no model probability or "
            "log-probability (use policy_chosen_logps / logp_w / p_w …)"
        )
    if not _mentions_model(expr):
        raise DecompileError(
            "no comparison of the two outputs: the expression never mentions the tuned model "
            "(only reference or other predicates)"
        )
    cores, const = _split_terms(expr)
    logistic: list[tuple[sympy.Expr, sympy.Expr]] = []  # (weight, z)
    others: list[tuple[str, sympy.Expr, sympy.Expr, sympy.Expr]] = []  # (kind, weight, arg, core)
    pool: list[tuple[sympy.Expr, sympy.Expr, sympy.Expr]] = []  # (c, Q, source core)
    customs: list[DecompiledTerm] = []
    for core, coeff in cores.items():
        if isinstance(core, LogSigmoid):
            logistic.append((-coeff, core.args[0]))
        elif isinstance(core, sympy.Max) and any(a == 0 for a in core.args) and len(core.args) == 2:
            u = next(a for a in core.args if a != 0)
            others.append(("hinge", coeff, u, core))
        elif core.is_Pow and core.exp == 2:
            others.append(("squared", coeff, core.base, core))
        else:
            entries = _log_entries(core, coeff)
            if entries is None:
                generic = _custom(coeff, core, penalties)
                if generic is not None:
                    customs.append(generic)
                    continue
                raise DecompileError(
                    f"cannot read the term {coeff * core}: no link recognised (expected "
                    f"-logsigmoid(·), -log(sigmoid(·)), softplus, max(0, ·)/relu, (·)**2 or "
                    f"-log(·) "
                    f"of probabilities)"
                )
            pool.extend((c, q, core) for c, q in entries)
    # cDPO / robust: two logistic terms whose arguments are opposite
    terms: list[DecompiledTerm] = []
    used: set[int] = set()
    for i, (w1, z1) in enumerate(logistic):
        if i in used:
            continue
        partner = next(
            (
                j
                for j in range(i + 1, len(logistic))
                if j not in used and _is_zero(expand_logs(z1 + logistic[j][1]))
            ),
            None,
        )
        if partner is None:
            continue
        w2, z2 = logistic[partner]
        # orient the pair so that p_w has a positive coefficient (the winner is preferred), else
        # so that the larger weight is the "clean" term
        cw = expand_logs(z1).coeff(sympy.log(P_W))
        if (cw != 0 and _sign(cw) < 0) or (cw == 0 and _sign(w1 - w2) < 0):
            w1, z1, w2, z2 = w2, z2, w1, z1
        used |= {i, partner}
        base = _logistic(sympy.S.One, z1, -w1 * LogSigmoid(z1) - w2 * LogSigmoid(z2), penalties)
        if _sign(w2) < 0:
            link, eps, weight = "robust", sympy.simplify(-w2 / (w1 - w2)), sympy.simplify(w1 + w2)
        else:
            link, eps, weight = "cdpo", sympy.simplify(w2 / (w1 + w2)), sympy.simplify(w1 + w2)
        extra = Stripped(
            "link",
            f"two logistic terms with opposite arguments merged into the "
            f"{link} link with label_smoothing ε = {eps}",
            str(eps),
        )
        terms.append(
            DecompiledTerm(
                base.structure,
                link,
                base.beta,
                weight,
                {"label_smoothing": eps},
                base.length_normalize,
                base.margin,
                base.residual,
                base.source,
                (*base.stripped, extra),
                base.inside,
            )
        )
    for i, (w, z) in enumerate(logistic):
        if i not in used:
            terms.append(_logistic(w, z, -w * LogSigmoid(z), penalties))
    terms.extend(_merge_customs(customs))
    has_link = bool(logistic or others or customs)
    regularizers: list[DecompiledRegularizer] = []
    for kind, coeff, arg, core in others:
        if kind == "hinge":
            if (logistic or len(others) > 1) and _is_zero(
                expand_logs(arg) - (sympy.log(R_W) - sympy.log(P_W))
            ):
                regularizers.append(DecompiledRegularizer("dpop", coeff))
                stripped.append(
                    Stripped(
                        "regularizer",
                        f"DPOP penalty {coeff}·max(0, log r_w − "
                        "log p_w) outside the link: kept as dpop(λ, "
                        "inside_link=False)",
                        str(coeff * core),
                    )
                )
                continue
            terms.append(_hinge(coeff, arg, coeff * core))
        else:
            terms.append(_squared(coeff, arg, coeff * core))
    # λ·NLL regularisers (only next to a link term), the rest is a semantic loss
    rest: dict[bool, list[tuple[sympy.Expr, sympy.Expr]]] = {}
    for c, q, _core in pool:
        term = c * sympy.log(q)
        if not prob_symbols(q):  # a constant inside -log(c·…): a loss offset
            const += sympy.expand_log(term, force=True)
            continue
        t2, ln = length_normalise(term)
        parts = _log_entries(t2, sympy.S.One) or []
        if has_link and len(parts) == 1 and parts[0][1] == P_W:
            lam = sympy.simplify(-parts[0][0])
            regularizers.append(DecompiledRegularizer("sft", lam, ln))
            stripped.append(
                Stripped(
                    "regularizer",
                    f"NLL term {lam}·(−log p_w)"
                    f"{' (length-normalised)' if ln else ''}: kept as sft({lam})",
                    str(term),
                )
            )
            continue
        rest.setdefault(ln, []).extend(parts)
    for ln, entries in rest.items():
        if entries:
            term, offset = _semantic(entries, ln)
            terms.append(term)
            const += offset
    if not terms:
        raise DecompileError(
            "no preference term: the loss has only regularisers (e.g. λ·NLL) and no comparison "
            "of the two outputs"
        )
    for t in terms:
        if t.weight != 1:
            stripped.append(
                Stripped("weight", f"term weight {t.weight} (kept as a multiplier)", str(t.weight))
            )
    if const != 0:
        stripped.append(
            Stripped("constant", f"constant {const} added to the loss (kept)", str(const))
        )
    return Decompiled(source, expr, tuple(terms), tuple(regularizers), const, tuple(stripped))
