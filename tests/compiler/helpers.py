"""Shared helpers for the compiler tests: structures from predicates, a torch brute force."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from dpalogic.logic import NO_REF, WITH_REF, Atom, PreferenceStructure, structure

KEYS = (
    "policy_chosen_logps",
    "policy_rejected_logps",
    "reference_chosen_logps",
    "reference_rejected_logps",
)


def from_predicates(
    variables: Sequence[Atom],
    top: Callable[..., bool],
    bottom: Callable[..., bool],
) -> PreferenceStructure:
    """The structure whose ✓/✗ worlds satisfy the predicates (called with one bool per var)."""
    n = len(variables)
    t = b = 0
    for w in range(1 << n):
        bits = [bool((w >> i) & 1) for i in range(n)]
        t |= int(bool(top(*bits))) << w
        b |= int(bool(bottom(*bits))) << w
    return PreferenceStructure(tuple(variables), t, b)


def no_ref(top: str, bottom: str) -> PreferenceStructure:
    """A no-reference structure from the paper's world names, e.g. ``no_ref("TT TF", "FT")``."""
    return PreferenceStructure.from_worlds(top.split(), bottom.split(), NO_REF)


#: SEMANTICS §3 tables, written independently of the zoo.
NOVEL = {
    "unCPO": ("TT TF FF", "FT"),
    "cCPO": ("TT TF", "FT"),
    "cfUnl": ("TF FF", "FT"),
    "qfUnl": ("TF FF", "FT FF"),
    "fUnl": ("TF FF", "TT FT"),
    "cUNL": ("TF", "TT FT"),
    "l20": ("TF FF", "TT FT FF"),
    "sCE": ("TT TF", "TT FT FF"),
}


def dpo() -> PreferenceStructure:
    """DPO as the paper writes it (SEMANTICS §3)."""
    return structure(
        "Implies(And(M(x,yl),Ref(x,yw)),And(M(x,yw),Ref(x,yl)))",
        PC="Or(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
        PA="And(And(M(x,yw),Ref(x,yl)),And(M(x,yl),Ref(x,yw)))",
    )


def seed_novel() -> PreferenceStructure:
    """The seed's novel loss (the reference version of ORPO)."""
    return structure(
        "Implies(And(M(x,yl),Ref(x,yw)),M(x,yw))",
        PC="Or(And(M(x,yw),Not(M(x,yl)),Ref(x,yl)),And(M(x,yl),Not(M(x,yw)),Ref(x,yw)))",
    )


def brute_rho_torch(s: PreferenceStructure, xs: Sequence[torch.Tensor]) -> torch.Tensor:
    """ρ by plain enumeration in torch (differentiable; moderate log-probs only)."""
    ps = [torch.exp(x) for x in xs]

    def wmc(mask: int) -> torch.Tensor:
        total = torch.zeros_like(ps[0])
        for w in range(1 << len(ps)):
            if (mask >> w) & 1:
                weight = torch.ones_like(ps[0])
                for i, p in enumerate(ps):
                    weight = weight * (p if (w >> i) & 1 else 1 - p)
                total = total + weight
        return total

    return torch.log(wmc(s.top)) - torch.log(wmc(s.bottom))


def inputs_for(variables: Sequence[Atom], xs: Sequence[torch.Tensor]) -> dict[str, torch.Tensor]:
    """Keyword inputs binding each standard variable to its tensor."""
    from dpalogic.compiler import input_keyword

    return {input_keyword(v.pred, v.out): x for v, x in zip(variables, xs, strict=True)}


__all__ = ["KEYS", "NOVEL", "NO_REF", "WITH_REF"]
