"""The loss zoo: every published DPA loss and the paper's novel ones, declared once.

Each :class:`LossEntry` carries its citation, original formula, preference structure (P, P_C,
P_A → ✓/✗), link, hyperparameters as the authors use them, regularisers and an independent
reference implementation; ``entry.compile(**overrides)`` gives the exact compiled loss.

Example:
    >>> from dpalogic import zoo
    >>> e = zoo.get("orpo")
    >>> e.name, e.structure.top_names(), e.structure.bottom_names()
    ('ORPO', ['TF'], ['FT'])
    >>> "ref-ORPO" in zoo.names()
    True
"""

from __future__ import annotations

from dpalogic.zoo import losses as _losses  # noqa: F401  (fills the registry)
from dpalogic.zoo.derive import margin_inputs, reference_version
from dpalogic.zoo.registry import (
    KINDS,
    REGISTRY,
    BoundLoss,
    Citation,
    LossEntry,
    UnknownLossError,
)


def get(name: str) -> LossEntry:
    """The entry named *name* (case-insensitive; aliases accepted).

    Raises :class:`UnknownLossError` (a :class:`~dpalogic.errors.DPALogicError`) listing the
    closest names for an unknown one.
    """
    return REGISTRY.get(name)


def entries(kind: str | None = None) -> list[LossEntry]:
    """All entries in declaration order, optionally only one *kind* (see :data:`KINDS`)."""
    if kind is not None and kind not in KINDS:
        raise UnknownLossError(f"unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
    return [e for e in REGISTRY if kind is None or e.kind == kind]


def names() -> list[str]:
    """All entry names in declaration order."""
    return REGISTRY.names()


__all__ = [
    "KINDS",
    "BoundLoss",
    "Citation",
    "LossEntry",
    "UnknownLossError",
    "entries",
    "get",
    "margin_inputs",
    "names",
    "reference_version",
]
