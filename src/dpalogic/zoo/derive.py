"""Entries derived from other entries: reference versions, and margin-reference bindings.

*Reference version* (SEMANTICS §3): a no-reference loss with ratio ``T/B`` becomes
``(T ∧ Ref(x,yl)) / (B ∧ Ref(x,yw))``, so ``ρ_ref = ρ − log(r_w/r_l)``. DPO is the reference version
of CPO; the seed's novel loss is the reference version of ORPO.

*Margin reference*: a constant or per-example margin ``m`` subtracted from ρ (SimPO's ``γ/β``,
R-DPO's length term, ODPO's offset) is the predicate ``Mref`` with ``log(m_w/m_l) = m``.

Example:
    >>> from dpalogic import zoo
    >>> from dpalogic.zoo.derive import reference_version
    >>> reference_version(zoo.get("CPO").structure) == zoo.get("DPO").structure
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from dpalogic.errors import DPALogicError
from dpalogic.zoo import refmath as rm
from dpalogic.zoo.registry import Citation, LossEntry


def reference_version(s: Any) -> Any:
    """The reference version ``(✓ ∧ Ref(x,yl), ✗ ∧ Ref(x,yw))`` of a no-reference structure."""
    from dpalogic.logic import Atom, PreferenceStructure, lift_mask, standard_order, world_set

    if s.mentions_reference:
        raise DPALogicError("the structure already mentions Ref; it has no reference version")
    ref_w, ref_l = Atom("Ref", "yw"), Atom("Ref", "yl")
    base = tuple(v for v in s.variables if v.pred != "Ref")
    new = standard_order((*base, ref_w, ref_l))
    old_top = lift_mask(s.top, s.variables, new)
    old_bottom = lift_mask(s.bottom, s.variables, new)
    top = old_top & world_set(ref_l, new)
    bottom = old_bottom & world_set(ref_w, new)
    return PreferenceStructure.from_worlds(top, bottom, new)


def margin_inputs(margin: Any, p: Mapping[str, Any], t: Mapping[str, Any]) -> dict[str, Any]:
    """Compiler inputs for a margin reference with ``log m_w − log m_l = margin``.

    Both log-weights are ``≤ 0`` (``log m_w = −max(0, −margin)``, ``log m_l = −max(0, margin)``).
    Entries compile with length normalisation restricted to model predicates, so ``Mref`` is
    never divided by the lengths.
    """
    like = torch.as_tensor(t["policy_chosen_logps"])
    m = torch.as_tensor(margin, dtype=like.dtype, device=like.device)
    log_mw = -torch.relu(-m)
    log_ml = -torch.relu(m)
    shape = torch.broadcast_shapes(like.shape, log_mw.shape, log_ml.shape)
    return {
        "Mref_chosen_logps": log_mw.expand(shape),
        "Mref_rejected_logps": log_ml.expand(shape),
    }


def _ref_shift(p: Mapping[str, Any], t: Mapping[str, Any]) -> torch.Tensor:
    _, _, rw, rl = rm.logps(p, t, reference=True)
    return rw - rl  # log(r_w / r_l)


def reference_entry(base: LossEntry, *, citation: Citation) -> LossEntry:
    """The registry entry ``ref-<base.name>``: same link/hyperparameters, structure and ρ shifted
    by ``−log(r_w/r_l)``. Its reference implementation is the base's link applied to the base's
    paper ρ minus the reference log ratio (plus the base's SFT term) — still compiler-free."""
    base_link = base.apply_link

    def rho(p: Mapping[str, Any], t: Mapping[str, Any]) -> torch.Tensor:
        return base.rho(p, t) - _ref_shift(p, t)

    def reference(p: Mapping[str, Any], t: Mapping[str, Any]) -> torch.Tensor:
        link = base_link or (lambda r, q: rm.logistic(r, float(q["beta"])))
        out = link(rho(p, t), p) + rm.nll(p, t)
        if "nll_weight" in p:  # a summed-NLL regulariser (RRHF)
            out = out - float(p["nll_weight"]) * torch.as_tensor(t["policy_chosen_logps"])
        return out

    return LossEntry(
        name=f"ref-{base.name}",
        aliases=tuple(f"ref-{a}" for a in base.aliases),
        kind="reference-version",
        base=base.name,
        citation=citation,
        formula_latex=(
            f"{base.formula_latex}"
            r"\quad\text{with }\rho\mapsto\rho-\log\frac{\pi_{\mathrm{ref}}(y_w\mid x)}"
            r"{\pi_{\mathrm{ref}}(y_l\mid x)}"
        ),
        original=_with_reference(base),
        ratio=_ratio_with_reference(base),
        structure_fn=lambda: reference_version(base.structure),
        rho=rho,
        reference=reference,
        apply_link=base.apply_link,
        link=base.link,
        defaults=dict(base.defaults),
        link_params=base.link_params,
        bind=base.bind,
        bind_inputs=base.bind_inputs,
        regularizers=base.regularizers,
        notes=(
            f"Reference version of {base.name}: ✓ ∧ Ref(x,yl) over ✗ ∧ Ref(x,yw), "
            "ρ_ref = ρ − log(r_w/r_l) (SEMANTICS §3)."
        ),
    )


def _ratio_with_reference(base: LossEntry) -> tuple[str, str] | None:
    if base.ratio is None:
        return None
    top, bottom = base.ratio
    return (f"({top})*r_l", f"({bottom})*r_w")


def _with_reference(base: LossEntry) -> str:
    """The reference version as text: the base's ratio times ``r_l/r_w`` under the logistic link
    (the decompiler drops the link; its structure is what the text pins down)."""
    ratio = _ratio_with_reference(base)
    if ratio is None:
        raise ValueError(
            f"{base.name}: a no-reference entry needs `ratio` to derive ref-{base.name}"
        )
    return f"-log(sigmoid(beta*log(({ratio[0]})/({ratio[1]}))))"
