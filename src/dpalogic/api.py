"""The top-level API: turn whatever the user has — a loss name, a program, a structure — into a
structure or a compiled loss.

A *program string* is a core formula, optionally followed by its constraints, separated by ``;``::

    "Implies(M(x,yl),M(x,yw)); PC=XOR(M(x,yl),M(x,yw))"           # ORPO
    "M(x,yl) & Ref(x,yw) -> M(x,yw) & Ref(x,yl); PC=...; PA=..."  # keywords PC / PA (any case)
    "Implies(M(x,yl),M(x,yw)); Or(M(x,yl),M(x,yw)); And(M(x,yw),M(x,yl))"   # positional

Example:
    >>> import dpalogic
    >>> s = dpalogic.resolve("Implies(M(x,yl),M(x,yw)); PC=XOR(M(x,yl),M(x,yw))")
    >>> s.top_names(), s.bottom_names()
    (['TF'], ['FT'])
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dpalogic.errors import DPALogicError
from dpalogic.logic import Formula, PreferenceStructure, structure

if TYPE_CHECKING:
    from dpalogic.compiler import CompiledLoss

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.+\-]*$")
_KEY_RE = re.compile(r"^\s*(P|PC|PA|P_C|P_A)\s*=\s*(.*)$", re.IGNORECASE | re.DOTALL)


def looks_like_name(spec: str) -> bool:
    """Whether *spec* is a bare loss name (no parentheses or operators), not a program."""
    return bool(_NAME_RE.match(spec.strip())) and spec.strip().lower() not in {
        "top", "bot", "true", "false"
    }


def parse_program(text: str) -> PreferenceStructure:
    """Parse a program string ``"P[; PC=...][; PA=...]"`` into a structure."""
    parts = text.split(";")
    if not parts[0].strip():
        raise DPALogicError("empty program: expected a formula such as Implies(M(x,yl),M(x,yw))")
    slots: dict[str, str] = {}
    order = ["P", "PC", "PA"]
    for i, part in enumerate(parts):
        if not part.strip():
            raise DPALogicError(f"empty part {i + 1} in program {text!r}")
        m = _KEY_RE.match(part)
        if m:
            key = m.group(1).upper().replace("_", "")
            body = m.group(2)
        else:
            if i >= len(order):
                raise DPALogicError(f"a program has at most three parts (P; PC; PA), got {text!r}")
            key, body = order[i], part
        if key in slots:
            raise DPALogicError(f"{key} given twice in program {text!r}")
        slots[key] = body.strip()
    if "P" not in slots:
        raise DPALogicError(f"program {text!r} has no core formula P")
    return structure(slots["P"], PC=slots.get("PC"), PA=slots.get("PA"))


def resolve(
    spec: Any,
    *,
    PC: str | Formula | None = None,
    PA: str | Formula | None = None,
) -> PreferenceStructure:
    """The preference structure of a zoo name, a program string, a formula or a structure.

    ``PC``/``PA`` add constraints to a formula or program given as *spec*.
    """
    if isinstance(spec, PreferenceStructure):
        if PC is not None or PA is not None:
            raise DPALogicError("PC/PA cannot be added to a ready-made structure")
        return spec
    if hasattr(spec, "structure") and isinstance(spec.structure, PreferenceStructure):
        return spec.structure  # a zoo entry or a compiled loss
    if isinstance(spec, Formula):
        return structure(spec, PC=PC, PA=PA)
    if not isinstance(spec, str):
        raise DPALogicError(
            f"expected a loss name, a program string or a structure, got {type(spec).__name__}"
        )
    if looks_like_name(spec):
        if PC is not None or PA is not None:
            raise DPALogicError(f"--pc/--pa apply to programs, not to the named loss {spec!r}")
        from dpalogic import zoo

        return zoo.get(spec.strip()).structure
    if PC is None and PA is None:
        return parse_program(spec)
    if ";" in spec:
        raise DPALogicError("give constraints either inside the program (P; PC=...) or as PC/PA")
    return structure(spec, PC=PC, PA=PA)


def loss_name(spec: Any) -> str | None:
    """The zoo name *spec* refers to, if it is a name of a registered loss."""
    if isinstance(spec, str) and looks_like_name(spec):
        from dpalogic import zoo

        try:
            return zoo.get(spec.strip()).name
        except DPALogicError:
            return None
    return getattr(spec, "name", None) if hasattr(spec, "structure") else None


def compile(  # the paper's verb; shadows the builtin only inside this module
    spec: Any,
    *,
    link: Any = None,
    beta: float | None = None,
    PC: str | Formula | None = None,
    PA: str | Formula | None = None,
    **options: Any,
) -> CompiledLoss:
    """Compile a loss name, program string, formula or structure into an exact PyTorch loss.

    For a zoo name the entry's own link, hyperparameters and regularisers are the defaults
    (override any of them by keyword); for a program or structure the default link is the
    logistic one, ``−log σ(βρ)`` with ``β = 1``. A ready :class:`CompiledLoss` is returned as is.

    Example:
        >>> import torch, dpalogic
        >>> dpo = dpalogic.compile("DPO", beta=0.1)
        >>> t = torch.tensor
        >>> x = dict(policy_chosen_logps=t([-1.0]), policy_rejected_logps=t([-2.0]),
        ...          reference_chosen_logps=t([-1.5]), reference_rejected_logps=t([-1.5]))
        >>> round(float(dpo(**x)), 6)
        0.644397
    """
    from dpalogic.compiler import CompiledLoss, compile_structure

    if isinstance(spec, CompiledLoss):
        return spec
    if isinstance(spec, str) and looks_like_name(spec) and PC is None and PA is None:
        from dpalogic import zoo

        overrides = dict(options)
        if link is not None:
            overrides["link"] = link
        if beta is not None:
            overrides["beta"] = beta
        return zoo.get(spec.strip()).compile(**overrides)
    return compile_structure(
        resolve(spec, PC=PC, PA=PA),
        link="logistic" if link is None else link,
        beta=1.0 if beta is None else beta,
        **options,
    )
