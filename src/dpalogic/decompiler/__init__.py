"""Decompiler: a DPA loss as people write it → its preference structure(s), link, β and the parts
it stripped (regularisers, length normalisation, margins, copies), with an exact round trip.

Public API::

    decompile(loss, *, penalties="copies", **params) -> Decompiled
    Decompiled: .structure / .structures / .terms, .link, .beta, .regularizers, .all_stripped(),
                .compile(**hyperparameters) -> DecompiledLoss, .evaluate_source(**tensors),
                .to_json()
    trace(fn) -> (sympy expression, reductions, notes)      # a Python loss function, symbolically
    parse_loss(text) -> (sympy expression, reductions)      # a loss written as text

See docs/decompiler.md and SEMANTICS §5.
"""

from dpalogic.decompiler.core import (
    Decompiled,
    DecompiledLoss,
    DecompiledRegularizer,
    DecompiledTerm,
    Stripped,
    decompile,
)
from dpalogic.decompiler.parse import parse_loss
from dpalogic.decompiler.trace import trace

__all__ = [
    "Decompiled",
    "DecompiledLoss",
    "DecompiledRegularizer",
    "DecompiledTerm",
    "Stripped",
    "decompile",
    "parse_loss",
    "trace",
]
