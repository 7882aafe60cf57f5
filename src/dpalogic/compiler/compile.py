"""Compile a preference structure to an exact log-space PyTorch loss.

``ρ = log WMC(✓) − log WMC(✗)`` is simplified symbolically (see :mod:`dpalogic.compiler.expr`),
turned into a few lines of Python source (``CompiledLoss.source``), and wrapped with the link
``f(ρ, β)``, length normalisation and regularisers. DPO compiles to ``x0 + x3 − (x1 + x2)``.

Numerics (design decision, also in docs/compiler.md): all arithmetic is on log-probabilities;
``log(1 − p)`` uses :func:`~dpalogic.compiler.numerics.log1mexp` floored at ``log(tiny)`` so
``p = 1`` gives a large finite value with zero gradient. Degenerate structures give ρ = ``+inf``
(✗ = ∅), ``-inf`` (✓ = ∅) or ``0`` (✓ = ✗, including both empty), the link's limit there, and
exactly zero gradients. Values and gradients are finite (never NaN) for log-probs in ``[-1e4, 0]``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from dpalogic.compiler.closed_form import closed_form as _closed_form
from dpalogic.compiler.expr import (
    compile_full,
    compile_ratio,
    generate_source,
    literals,
)
from dpalogic.compiler.links import get_link, link_name
from dpalogic.compiler.numerics import log1mexp
from dpalogic.compiler.regularizers import Regularizer, as_regularizer
from dpalogic.errors import DPALogicError, UnknownVariableError

_PRED = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_STD_KEYS = {"M": "policy", "Ref": "reference"}


@dataclass(frozen=True)
class LossDetails:
    """Per-example loss with the quantities worth logging.

    ``rho`` is ρ before β and the link (after any inside-link regulariser), ``log_wmc_top`` and
    ``log_wmc_bottom`` are the full (uncancelled) ``log WMC(✓)`` and ``log WMC(✗)``.
    """

    loss: torch.Tensor
    rho: torch.Tensor
    log_wmc_top: torch.Tensor
    log_wmc_bottom: torch.Tensor


def input_keyword(pred: str, out: str) -> str:
    """Keyword of the log-probability tensor bound to atom ``pred(x, out)``.

    Example:
        >>> input_keyword("Ref", "yl"), input_keyword("Mref", "yw")
        ('reference_rejected_logps', 'Mref_chosen_logps')
    """
    side = "chosen" if out == "yw" else "rejected"
    return f"{_STD_KEYS.get(pred, pred)}_{side}_logps"


def copy_of(pred: str) -> str | None:
    """The predicate a copy defaults to: ``M2 → M``, ``Ref3 → Ref``; ``None`` for others."""
    if re.fullmatch(r"M\d+", pred):
        return "M"
    if re.fullmatch(r"Ref\d+", pred):
        return "Ref"
    return None


def _check_variables(variables: tuple[Any, ...]) -> None:
    seen = set()
    for v in variables:
        pred, out = getattr(v, "pred", None), getattr(v, "out", None)
        if not isinstance(pred, str) or not _PRED.fullmatch(pred):
            raise UnknownVariableError(
                f"unknown variable {v!r}: predicate must match {_PRED.pattern}"
            )
        if out not in ("yw", "yl"):
            raise UnknownVariableError(
                f"unknown variable {pred}(x,{out}): the output must be yw or yl"
            )
        if (pred, out) in seen:
            raise UnknownVariableError(f"variable {pred}(x,{out}) appears twice")
        seen.add((pred, out))


def _as_tensor(name: str, value: Any) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        if not (value.is_floating_point() or value.dtype in (torch.int32, torch.int64)):
            raise DPALogicError(f"{name} must be a floating tensor, got dtype {value.dtype}")
        return value
    if isinstance(value, (int, float)):
        return torch.tensor(float(value))
    try:
        return torch.as_tensor(value, dtype=torch.get_default_dtype())
    except (TypeError, ValueError, RuntimeError) as err:
        raise DPALogicError(
            f"{name} must be a tensor or a float, got {type(value).__name__}"
        ) from err


class CompiledLoss:
    """A compiled preference-structure loss: ``loss(**tensors) -> Tensor[batch]``.

    Build it with :func:`compile_structure` (or ``dpalogic.compile``). Attributes: ``structure``,
    ``link`` (name or callable), ``beta``, ``requires_reference``, ``required_inputs``,
    ``source`` (the generated Python of ρ), ``regularizers``, ``length_normalize``.
    """

    def __init__(
        self,
        structure: Any,
        *,
        link: str | Callable[..., torch.Tensor] = "logistic",
        beta: float = 1.0,
        link_params: Mapping[str, float] | None = None,
        length_normalize: bool | Collection[str] = False,
        regularizers: Iterable[Regularizer] = (),
    ) -> None:
        variables = tuple(structure.variables)
        _check_variables(variables)
        n = len(variables)
        top, bottom = int(structure.top), int(structure.bottom)
        limit = 1 << (1 << n)
        if not (0 <= top < limit and 0 <= bottom < limit):
            raise DPALogicError(f"world-set masks out of range for {n} variables")
        beta = float(beta)
        if not math.isfinite(beta) or beta <= 0:
            raise DPALogicError(f"beta must be a positive finite number, got {beta}")
        self.structure = structure
        self.variables = variables
        self.link = link
        self.beta = beta
        self.link_params = dict(link_params or {})
        self._link_fn = get_link(link, **self.link_params)
        self.regularizers = tuple(as_regularizer(r) for r in regularizers)
        preds = {v.pred for v in variables}
        if length_normalize is True:
            self.length_normalize: frozenset[str] = frozenset(preds)
        elif length_normalize is False or length_normalize is None:
            self.length_normalize = frozenset()
        elif isinstance(length_normalize, str):
            self.length_normalize = frozenset({length_normalize})
        else:
            self.length_normalize = frozenset(length_normalize)

        # ρ with common factors cancelled (the fast path) and the two full log WMCs (details).
        self._rho_top, self._rho_bottom = compile_ratio(top, bottom, n)
        self._full_top, self._full_bottom = compile_full(top, n), compile_full(bottom, n)
        used = sorted(literals(self._full_top) | literals(self._full_bottom))
        self.used_variables = tuple(variables[i] for i in used)
        self._const_rho: float | None = None
        if top == bottom:
            self._const_rho = 0.0
        elif bottom == 0:
            self._const_rho = math.inf
        elif top == 0:
            self._const_rho = -math.inf

        comments = [f"x{i} = log P[{v.pred}(x,{v.out})]" for i, v in enumerate(variables)]
        self.source = generate_source(self._rho_top, self._rho_bottom, n, "rho_parts", comments)
        self._full_source = generate_source(self._full_top, self._full_bottom, n, "wmc_parts")
        scope: dict[str, Any] = {"torch": torch, "math": math, "log1mexp": log1mexp}
        exec(compile(self.source, "<dpalogic-rho>", "exec"), scope)
        exec(compile(self._full_source, "<dpalogic-wmc>", "exec"), scope)
        self._rho_parts = scope["rho_parts"]
        self._wmc_parts = scope["wmc_parts"]

        req: list[str] = []
        for v in self.used_variables:
            if copy_of(v.pred) is None:
                req.append(input_keyword(v.pred, v.out))
            else:  # copies default to their base predicate's inputs
                req.append(input_keyword(copy_of(v.pred) or "M", v.out))
        for v in self.used_variables:
            if v.pred in self.length_normalize:
                req.append("chosen_lengths" if v.out == "yw" else "rejected_lengths")
        for r in self.regularizers:
            req.extend(r.inputs)
        self.required_inputs: tuple[str, ...] = tuple(dict.fromkeys(req))
        self.requires_reference = any(
            v.pred == "Ref" or copy_of(v.pred) == "Ref" for v in self.used_variables
        )

    # ---------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"CompiledLoss(rho={self.closed_form()!r}, link={link_name(self.link)!r}, "
            f"beta={self.beta})"
        )

    def closed_form(self, style: str = "paper") -> Any:
        """ρ in closed form (see :func:`dpalogic.compiler.closed_form`)."""
        return _closed_form(self.structure, style)  # type: ignore[arg-type]

    # ---------------------------------------------------------------------------------------
    def _bind(
        self, kw: Mapping[str, Any]
    ) -> tuple[list[torch.Tensor | None], dict[str, torch.Tensor]]:
        """Resolve every variable's log-probability tensor; check keywords and shapes."""
        tensors: dict[str, torch.Tensor] = {}
        for key, value in kw.items():
            if isinstance(value, tuple | list) and len(value) == 2 and not key.endswith("_logps"):
                tensors[f"{key}_chosen_logps"] = _as_tensor(f"{key}[0]", value[0])
                tensors[f"{key}_rejected_logps"] = _as_tensor(f"{key}[1]", value[1])
            elif isinstance(value, tuple | list) and key in {v.pred for v in self.variables}:
                raise DPALogicError(
                    f"{key} must be a pair (chosen, rejected), got {len(value)} items"
                )
            elif value is not None:
                tensors[key] = value if isinstance(value, torch.Tensor) else _as_tensor(key, value)
        for pred, prefix in _STD_KEYS.items():  # M=(c, r) / Ref=(c, r) also work
            for side in ("chosen", "rejected"):
                alias = f"{pred}_{side}_logps"
                if alias in tensors and f"{prefix}_{side}_logps" not in tensors:
                    tensors[f"{prefix}_{side}_logps"] = tensors[alias]

        missing = [k for k in self.required_inputs if k not in tensors]
        if missing:
            what = ", ".join(repr(m) for m in missing)
            hint = ""
            if any(m.startswith("reference_") for m in missing):
                hint = " (this structure mentions Ref: pass the reference model's log-probs)"
            elif any(m.endswith("_lengths") for m in missing):
                hint = " (length normalisation is on)"
            else:
                pred = missing[0].rsplit("_", 2)[0]
                if pred not in ("policy",):
                    hint = f" (or {pred}=(chosen, rejected))"
            raise DPALogicError(f"missing keyword input {what}{hint}")

        shapes: dict[str, tuple[int, ...]] = {}
        for k in self.required_inputs:
            t = tensors[k]
            if t.dim() > 0:
                shapes[k] = tuple(t.shape)
        if len(set(shapes.values())) > 1:
            desc = ", ".join(f"{k} {list(s)}" for k, s in shapes.items())
            raise DPALogicError(f"mismatched tensor shapes: {desc}")

        xs: list[torch.Tensor | None] = []
        used = {(v.pred, v.out) for v in self.used_variables}
        for v in self.variables:
            if (v.pred, v.out) not in used:
                xs.append(None)
                continue
            key = input_keyword(v.pred, v.out)
            if key not in tensors and copy_of(v.pred):
                key = input_keyword(copy_of(v.pred) or "M", v.out)
            x = tensors[key]
            if v.pred in self.length_normalize:
                x = x / tensors["chosen_lengths" if v.out == "yw" else "rejected_lengths"]
            xs.append(x)
        return xs, tensors

    def _anchor(self, tensors: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """A zero connected to the inputs (so constant losses backpropagate exact zeros)."""
        zero: torch.Tensor = torch.zeros(())
        for key in self.required_inputs or tuple(k for k in tensors if k.endswith("_logps")):
            t = tensors[key]
            if t.is_floating_point():
                zero = zero + t.clamp(-1e30, 1e30) * 0.0
        return zero

    def _rho(
        self, xs: list[torch.Tensor | None], tensors: Mapping[str, torch.Tensor], full: bool
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self._const_rho is not None:
            anchor = self._anchor(tensors)
            rho = anchor + self._const_rho
            if full:
                top, bottom = self._wmc_parts(*xs)
                top = top + anchor if isinstance(top, torch.Tensor) else anchor + top
                bottom = bottom + anchor if isinstance(bottom, torch.Tensor) else anchor + bottom
                return rho, top, bottom
            return rho, rho, rho
        t, b = self._rho_parts(*xs)
        rho = t - b
        if full:
            top, bottom = self._wmc_parts(*xs)
            return rho, torch.as_tensor(top) + 0 * rho, torch.as_tensor(bottom) + 0 * rho
        return rho, rho, rho

    def _evaluate(self, kw: Mapping[str, Any], full: bool) -> LossDetails:
        xs, tensors = self._bind(kw)
        rho, top, bottom = self._rho(xs, tensors, full)
        for r in self.regularizers:
            if r.inside_link:
                rho = rho - r(tensors)
        if self._const_rho is not None and math.isinf(self._const_rho):
            # ρ = ±inf does not depend on the inputs: the link's limit, exactly zero gradient.
            with torch.no_grad():
                value = self._link_fn(rho.detach(), self.beta)
            loss = value + self._anchor(tensors)
        else:
            loss = self._link_fn(rho, self.beta)
        for r in self.regularizers:
            if not r.inside_link:
                loss = loss + r(tensors)
        return LossDetails(loss, rho, top, bottom)

    def __call__(self, **kw: Any) -> torch.Tensor:
        """Per-example losses ``f(β·ρ) (+ regularisers)``, shape of the batch."""
        return self._evaluate(kw, full=False).loss

    def rho(self, **kw: Any) -> torch.Tensor:
        """Per-example ρ (no link, no regularisers)."""
        xs, tensors = self._bind(kw)
        return self._rho(xs, tensors, False)[0]

    def details(self, **kw: Any) -> LossDetails:
        """Loss, ρ and both full log weighted model counts, per example."""
        return self._evaluate(kw, full=True)


def compile_structure(
    structure: Any,
    *,
    link: str | Callable[..., torch.Tensor] = "logistic",
    beta: float = 1.0,
    link_params: Mapping[str, float] | None = None,
    length_normalize: bool | Collection[str] = False,
    regularizers: Iterable[Regularizer] = (),
    **link_kwargs: float,
) -> CompiledLoss:
    """Compile a preference structure to an exact, differentiable, log-space PyTorch loss.

    Args:
        structure: a ``PreferenceStructure`` (anything with ``variables``, ``top``, ``bottom``);
            a zoo name or program string is resolved with ``dpalogic.api.resolve``.
        link: a registry name (:data:`dpalogic.compiler.links.LINKS`) or a callable ``f(ρ, β)``.
        beta: the β of the link (> 0).
        link_params / **link_kwargs: link parameters, e.g. ``label_smoothing=0.1``, ``delta=1.0``.
        length_normalize: ``True`` divides every ``yw`` weight by ``chosen_lengths`` and every
            ``yl`` weight by ``rejected_lengths``; a set of predicate names (e.g. ``{"M"}``)
            restricts it to those predicates.
        regularizers: :class:`Regularizer` terms (``sft(λ)``, ``dpop(λ)``, or your own).

    Example:
        >>> import torch
        >>> from types import SimpleNamespace as NS
        >>> pairs = [("M", "yw"), ("M", "yl"), ("Ref", "yw"), ("Ref", "yl")]
        >>> V = tuple(NS(pred=p, out=o) for p, o in pairs)
        >>> top = sum(1 << w for w in range(16) if w & 1 and w & 8)     # M(x,yw) ∧ Ref(x,yl)
        >>> bottom = sum(1 << w for w in range(16) if w & 2 and w & 4)  # M(x,yl) ∧ Ref(x,yw)
        >>> dpo = compile_structure(NS(variables=V, top=top, bottom=bottom), beta=0.1)
        >>> lw, ll, rw, rl = (torch.tensor([v]) for v in (-1.0, -2.0, -1.5, -1.5))
        >>> dpo(policy_chosen_logps=lw, policy_rejected_logps=ll,
        ...     reference_chosen_logps=rw, reference_rejected_logps=rl)
        tensor([0.6444])
    """
    if not hasattr(structure, "top"):
        try:
            from dpalogic.api import resolve  # the lead's resolver (zoo name | program | structure)
        except ImportError as err:  # pragma: no cover - only before the api module exists
            raise DPALogicError(
                f"cannot compile {structure!r}: not a preference structure"
            ) from err
        structure = resolve(structure)
    params = {**(link_params or {}), **link_kwargs}
    return CompiledLoss(
        structure,
        link=link,
        beta=beta,
        link_params=params,
        length_normalize=length_normalize,
        regularizers=regularizers,
    )
