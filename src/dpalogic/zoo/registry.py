"""The loss registry: :class:`LossEntry` declarations, lookup by name/alias, and compilation.

A loss is *declared* once (see :mod:`dpalogic.zoo.losses`); everything else — ``dpalogic zoo``,
``docs/zoo.md``, the name resolution used by :func:`dpalogic.compile` and the tests — reads the
declarations. There are no per-loss branches anywhere outside the declaration.

Example:
    >>> from dpalogic import zoo
    >>> zoo.get("dpo").name
    'DPO'
    >>> zoo.get("Smaug").name
    'DPOP'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import torch

from dpalogic.errors import DPALogicError

if TYPE_CHECKING:  # pragma: no cover
    from dpalogic.logic import PreferenceStructure

#: A reference implementation: pure torch function of keyword log-prob tensors + hyperparameters.
ReferenceFn = Callable[..., torch.Tensor]
#: Extra compiler inputs an entry derives from its hyperparameters and the batch (e.g. SimPO's
#: constant margin reference ``Mref``); called as ``bind(params, tensors) -> dict of tensors``.
BindFn = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]

#: Kinds of entries, in display order.
KINDS = ("published", "novel", "reference-version")

#: Hyperparameters every entry has; everything else in ``defaults`` is entry-specific.
CORE_PARAMS = ("beta", "length_normalize", "sft_weight")


class UnknownLossError(DPALogicError):
    """A loss name that is not in the registry; the message lists the closest names."""


@dataclass(frozen=True)
class Citation:
    """Where a loss was published (or ``venue='this library'`` for derived entries)."""

    authors: str
    year: int
    title: str
    venue: str
    arxiv: str | None = None

    @property
    def short(self) -> str:
        """``"Rafailov et al. 2023"``-style label."""
        first = self.authors.split(",")[0].strip()
        surname = first.split()[-1] if first else "?"
        etal = " et al." if "," in self.authors or " and " in self.authors else ""
        return f"{surname}{etal} {self.year}"

    def __str__(self) -> str:
        arx = f", arXiv:{self.arxiv}" if self.arxiv else ""
        return f"{self.authors} ({self.year}). {self.title}. {self.venue}{arx}."


def _canon(name: str) -> str:
    """Lookup key: case-insensitive; ``_`` and spaces count as ``-`` (``R-DPO`` ≠ ``rDPO``)."""
    return re.sub(r"[\s_]+", "-", name.strip()).lower()


@dataclass(frozen=True, eq=False)
class LossEntry:
    """One named loss: its citation, its preference structure, its link and its hyperparameters.

    The *structure* is given either as a triple of formulas (``P``, ``PC``, ``PA``; ``None`` means
    ⊤ for ``PC`` and ⊥ for ``PA``) in the paper notation, or as explicit world sets
    (``top_worlds``/``bottom_worlds``: names ``TT``/``TF``/… over ``NO_REF`` or bit strings over
    ``variables``). ``reference`` is an implementation written directly from the published
    formula, independent of :mod:`dpalogic.compiler`; the tests check that
    ``entry.compile()`` equals it on random and extreme inputs.

    Attributes:
        name: display name (unique, case-insensitive).
        kind: ``"published"``, ``"novel"`` (the paper's new losses) or ``"reference-version"``.
        citation: the paper.
        formula_latex: the loss as its authors write it (LaTeX).
        original: the same loss as text in the decompiler's notation (``dpalogic decompile``).
        rho: the paper's closed form of the core log ratio ρ, ``rho(params, tensors) -> [batch]``.
        reference: the full loss written from the paper, ``reference(params, tensors) -> [batch]``
            (default: ``apply_link(rho) + sft_weight·(-log p_w)``).
        apply_link: the link as a plain function ``(rho, params) -> loss`` (default logistic),
            used by the default ``reference`` and by derived reference versions.
        link: link name in the compiler's registry (``logistic``, ``hinge``, ``squared``, …).
        defaults: hyperparameters as the original authors use them (``beta``,
            ``length_normalize``, ``sft_weight`` and entry-specific ones such as ``gamma``).
        link_params: names in ``defaults`` forwarded to the link (e.g. ``label_smoothing``).
        bind: derives extra compiler inputs (margin references) from params + tensors.
        bind_inputs: extra user keywords ``bind`` consumes (e.g. ``offsets`` for ODPO).
        structure_fn: builds the structure (derived entries such as reference versions).
        regularizers: compiler regularizer objects (or factories ``params -> regularizer``).
        aliases: other accepted names.
        notes: caveats (documented in ``docs/zoo.md``).
        decompile_options: keyword options for ``decompile(original, ...)`` that read it as
            declared (e.g. DPOP's penalty as a regulariser rather than copies).
        ratio: ``(ρ_top, ρ_bottom)`` as text (used to derive reference versions' ``original``).
    """

    name: str
    kind: str
    citation: Citation
    formula_latex: str
    original: str
    rho: ReferenceFn
    reference: ReferenceFn | None = None
    apply_link: Callable[[torch.Tensor, Mapping[str, Any]], torch.Tensor] | None = None
    P: str | None = None
    PC: str | None = None
    PA: str | None = None
    top_worlds: tuple[str, ...] | None = None
    bottom_worlds: tuple[str, ...] | None = None
    variables: tuple[str, ...] | None = None
    structure_fn: Callable[[], PreferenceStructure] | None = None
    link: str | Callable[..., torch.Tensor] = "logistic"
    defaults: Mapping[str, Any] = field(default_factory=dict)
    link_params: tuple[str, ...] = ()
    bind: BindFn | None = None
    bind_inputs: tuple[str, ...] = ()
    regularizers: tuple[Any, ...] = ()
    aliases: tuple[str, ...] = ()
    notes: str = ""
    ratio: tuple[str, str] | None = None
    decompile_options: Mapping[str, Any] = field(default_factory=dict)
    base: str | None = None  # for reference versions: the no-reference entry it derives from

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {KINDS}, got {self.kind!r}")
        given = [
            self.P is not None,
            self.top_worlds is not None or self.bottom_worlds is not None,
            self.structure_fn is not None,
        ]
        if sum(given) != 1:
            raise ValueError(
                f"{self.name}: give exactly one of P (with PC/PA), top/bottom worlds, structure_fn"
            )
        full = {"beta": 1.0, "length_normalize": False, "sft_weight": 0.0}
        full.update(self.defaults)
        object.__setattr__(self, "defaults", MappingProxyType(full))
        missing = [p for p in self.link_params if p not in full]
        if missing:
            raise ValueError(f"{self.name}: link params {missing} have no default")

    # ----------------------------------------------------------------------------- structure
    @cached_property
    def structure(self) -> PreferenceStructure:
        """The preference structure (✓, ✗) this loss compiles from."""
        from dpalogic.logic import NO_REF, PreferenceStructure, parse

        if self.structure_fn is not None:
            return self.structure_fn()
        variables = None if self.variables is None else tuple(parse(v) for v in self.variables)
        if self.P is not None:
            return PreferenceStructure.from_triple(self.P, self.PC, self.PA, variables=variables)
        return PreferenceStructure.from_worlds(
            tuple(self.top_worlds or ()), tuple(self.bottom_worlds or ()), variables or NO_REF
        )

    @property
    def requires_reference(self) -> bool:
        """True when ✓ or ✗ depends on the reference model ``Ref``."""
        return bool(self.structure.mentions_reference)

    @property
    def all_names(self) -> tuple[str, ...]:
        """The name followed by every alias."""
        return (self.name, *self.aliases)

    # ----------------------------------------------------------------------------- params
    def params(self, **overrides: Any) -> dict[str, Any]:
        """The defaults updated with *overrides* (unknown keys raise :class:`DPALogicError`)."""
        unknown = sorted(set(overrides) - set(self.defaults) - {"link"})
        if unknown:
            raise DPALogicError(
                f"{self.name} has no hyperparameter(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(self.defaults))}"
            )
        out = dict(self.defaults)
        out.update({k: v for k, v in overrides.items() if k != "link"})
        return out

    def reference_loss(
        self, params: Mapping[str, Any] | None = None, **tensors: Any
    ) -> torch.Tensor:
        """Evaluate the independent reference implementation (per-example losses)."""
        from dpalogic.zoo import refmath

        p = dict(self.defaults if params is None else params)
        if self.reference is not None:
            return self.reference(p, tensors)
        link = self.apply_link or (lambda r, q: refmath.logistic(r, float(q["beta"])))
        return link(self.rho(p, tensors), p) + refmath.nll(p, tensors)

    def reference_rho(
        self, params: Mapping[str, Any] | None = None, **tensors: Any
    ) -> torch.Tensor:
        """The paper's closed form of ρ (independent of the compiler)."""
        return self.rho(dict(self.defaults if params is None else params), tensors)

    def compile(self, **overrides: Any) -> Any:
        """Compile the structure with this entry's link, hyperparameters and regularizers.

        Keyword *overrides* replace defaults (``beta=0.5``, ``length_normalize=True``,
        ``link="hinge"``, ``gamma=…``). Returns the compiler's ``CompiledLoss``, or a
        :class:`BoundLoss` wrapping it when the entry binds extra inputs (margin references).

        Example:
            >>> import torch
            >>> from dpalogic import zoo
            >>> loss = zoo.get("CPO").compile(sft_weight=0.0)
            >>> lw, ll = torch.tensor([-1.0]), torch.tensor([-2.0])
            >>> round(float(loss(policy_chosen_logps=lw, policy_rejected_logps=ll)), 4)
            0.6444
        """
        from dpalogic.compiler import compile_structure, sft

        link = overrides.get("link", self.link)
        p = self.params(**overrides)
        link_kwargs = {k: p[k] for k in self.link_params}
        regs = [r(p) if _is_factory(r) else r for r in self.regularizers]
        if float(p["sft_weight"]):
            regs.append(sft(float(p["sft_weight"]), length_normalize=bool(p["length_normalize"])))
        normalize: bool | frozenset[str] = bool(p["length_normalize"])
        if normalize:
            # Length normalisation applies to model log-probs, never to a margin reference
            # (SimPO's γ/β is a per-sequence constant, not a per-token one).
            normalize = frozenset(v.pred for v in self.structure.variables) - {"Mref"}
        compiled = compile_structure(
            self.structure,
            link=link,
            beta=float(p["beta"]),
            length_normalize=normalize,
            regularizers=tuple(regs),
            **link_kwargs,
        )
        if self.bind is None:
            return compiled
        return BoundLoss(compiled, self.bind, MappingProxyType(p), self.name, self.bind_inputs)

    def __repr__(self) -> str:
        return f"LossEntry({self.name!r}, kind={self.kind!r}, link={self.link!r})"


def _is_factory(obj: Any) -> bool:
    return getattr(obj, "_zoo_factory", False) is True


def param_factory(fn: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], Any]:
    """Mark *fn* as a regularizer factory: called with the resolved params at compile time."""
    fn._zoo_factory = True  # type: ignore[attr-defined]
    return fn


class BoundLoss:
    """A compiled loss plus bound extra inputs (margin references derived from hyperparameters).

    Calls forward to the compiled loss with the bound tensors added; every other attribute
    (``structure``, ``link``, ``beta``, ``closed_form``, ``requires_reference``, …) is the
    compiled loss's.
    """

    def __init__(
        self,
        compiled: Any,
        bind: BindFn,
        params: Mapping[str, Any],
        name: str,
        consumes: tuple[str, ...] = (),
    ) -> None:
        self.compiled = compiled
        self.bind_fn = bind
        self.params = params
        self.name = name
        self.consumes = consumes

    def _inputs(self, tensors: dict[str, Any]) -> dict[str, Any]:
        missing = [k for k in self.consumes if k not in tensors]
        if missing:
            raise DPALogicError(f"{self.name} needs the keyword input {missing[0]!r}")
        extra = self.bind_fn(self.params, tensors)
        kept = {k: v for k, v in tensors.items() if k not in self.consumes}
        return {**kept, **extra}

    def __call__(self, **tensors: Any) -> torch.Tensor:
        return self.compiled(**self._inputs(tensors))

    def rho(self, **tensors: Any) -> torch.Tensor:
        """Per-example ρ with the bound inputs added."""
        return self.compiled.rho(**self._inputs(tensors))

    def details(self, **tensors: Any) -> Any:
        """The compiled loss's details with the bound inputs added."""
        return self.compiled.details(**self._inputs(tensors))

    def __getattr__(self, item: str) -> Any:
        return getattr(self.compiled, item)

    def __repr__(self) -> str:
        return f"BoundLoss({self.name!r}, {self.compiled!r})"


class Registry:
    """An ordered collection of :class:`LossEntry` with case-insensitive name/alias lookup."""

    def __init__(self) -> None:
        self._entries: dict[str, LossEntry] = {}
        self._index: dict[str, str] = {}

    def add(self, entry: LossEntry) -> LossEntry:
        """Register *entry*; names and aliases must be new (case-insensitively)."""
        for n in entry.all_names:
            key = _canon(n)
            if key in self._index:
                raise ValueError(f"loss name {n!r} already registered for {self._index[key]}")
        self._entries[entry.name] = entry
        for n in entry.all_names:
            self._index[_canon(n)] = entry.name
        return entry

    def get(self, name: str) -> LossEntry:
        """The entry called *name* (any alias, any case); unknown names list close matches."""
        if not isinstance(name, str):
            raise UnknownLossError(f"a loss name must be a string, got {type(name).__name__}")
        key = _canon(name)
        if key in self._index:
            return self._entries[self._index[key]]
        candidates = {n: e.name for e in self._entries.values() for n in e.all_names}
        close = difflib.get_close_matches(name, list(candidates), n=5, cutoff=0.5)
        close += difflib.get_close_matches(key, [_canon(c) for c in candidates], n=5, cutoff=0.6)
        by_canon = {_canon(c): c for c in candidates}
        names = []
        for c in close:
            display = candidates.get(c) or candidates.get(by_canon.get(c, ""))
            if display and display not in names:
                names.append(display)
        hint = f"; did you mean {', '.join(names)}?" if names else ""
        raise UnknownLossError(
            f"unknown loss {name!r}{hint} (see `dpalogic zoo` for the {len(self)} known losses)"
        )

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _canon(name) in self._index

    def __iter__(self) -> Iterator[LossEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        """Entry names in declaration order."""
        return list(self._entries)


#: The global registry that :mod:`dpalogic.zoo.losses` fills.
REGISTRY = Registry()
