"""dpalogic: the logic of direct preference alignment, executable.

Read any DPA loss as a symbolic program, write or edit programs and compile them into exact
PyTorch losses, relate losses in their lattice, and train models with them through TRL.

Example:
    >>> import dpalogic
    >>> s = dpalogic.structure("Implies(M(x,yl),M(x,yw))", PC="XOR(M(x,yl),M(x,yw))")
    >>> s.top_names(), s.bottom_names()
    (['TF'], ['FT'])

Heavy layers (torch, the zoo, the decompiler) are imported lazily, so ``import dpalogic`` is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dpalogic.errors import DPALogicError
from dpalogic.logic import PreferenceStructure, parse, structure

__version__ = "0.1.0"

if TYPE_CHECKING:
    from dpalogic.api import compile, resolve
    from dpalogic.decompiler import decompile

_LAZY = {
    "compile": ("dpalogic.api", "compile"),
    "resolve": ("dpalogic.api", "resolve"),
    "decompile": ("dpalogic.decompiler", "decompile"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'dpalogic' has no attribute {name!r}")


__all__ = [
    "DPALogicError",
    "PreferenceStructure",
    "__version__",
    "compile",
    "decompile",
    "parse",
    "resolve",
    "structure",
]
