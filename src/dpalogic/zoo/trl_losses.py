"""A semantic classification of every loss TRL 1.16 offers.

Each TRL loss is one of

* ``"structure"`` — one preference structure with a link (possibly a non-standard link such as
  EXO's KL or DiscoPOP's blend, and possibly with length normalisation);
* ``"weighted-sum"`` — a weighted sum of per-example structure losses ``Σ_k w_k f_k(ρ_k)``;
* ``"not-expressible"`` — no per-example combination of structures gives it; ``reason`` says
  precisely why (a batch-level sort, a batch statistic, a non-rational transform, …).

Every expressible entry is checked numerically against TRL's own code in
``tests/zoo/test_trl.py`` (TRL's loss functions are called where they are callable standalone;
``DPOTrainer._compute_loss`` is driven with a stand-in model that returns given log-probs).

The single-side structures used by the unpaired-style terms (NCA, BCO, SPPO, APO) are

* ``chosen-ratio``: ✓ = M(x,yw), ✗ = Ref(x,yw), so ρ = log p_w/r_w (TRL's ``chosen_logratios``);
* ``chosen-ratio-neg``: ✓ = Ref(x,yw), ✗ = M(x,yw), ρ = −log p_w/r_w;
* ``rejected-ratio-neg``: ✓ = Ref(x,yl), ✗ = M(x,yl), ρ = −log p_l/r_l.

Example:
    >>> from dpalogic.zoo.trl_losses import TRL_LOSSES, get_trl
    >>> get_trl("DPOTrainer", "aot").kind
    'not-expressible'
    >>> sorted({t.kind for t in TRL_LOSSES})
    ['not-expressible', 'structure', 'weighted-sum']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from dpalogic.errors import DPALogicError
from dpalogic.zoo.losses import orpo_link

#: Named single-side structures (program strings: P; PC; PA).
SIDE_STRUCTURES: dict[str, str] = {
    "chosen-ratio": (
        "Implies(Ref(x,yw),M(x,yw)); PC=Or(M(x,yw),Ref(x,yw)); PA=And(M(x,yw),Ref(x,yw))"
    ),
    "chosen-ratio-neg": (
        "Implies(M(x,yw),Ref(x,yw)); PC=Or(M(x,yw),Ref(x,yw)); PA=And(M(x,yw),Ref(x,yw))"
    ),
    "rejected-ratio-neg": (
        "Implies(M(x,yl),Ref(x,yl)); PC=Or(M(x,yl),Ref(x,yl)); PA=And(M(x,yl),Ref(x,yl))"
    ),
}


# ------------------------------------------------------------------------------ extra links
def exo_link(rho: torch.Tensor, beta: float, label_smoothing: float = 1e-3) -> torch.Tensor:
    r"""EXO-pref (K = 2): :math:`\mathrm{KL}(q\,\|\,p)` with :math:`q = (\sigma(\beta\rho),
    \sigma(-\beta\rho))`, :math:`p = (1-\varepsilon, \varepsilon)` — a (non-monotone) link of ρ.

    Reference: Ji et al., "Towards Efficient Exact Optimization of Language Model Alignment",
    ICML 2024, eq. 16 (TRL ``loss_type="exo_pair"``).

    Example:
        >>> import torch
        >>> round(float(exo_link(torch.tensor(0.0), 1.0, 0.5)), 6)
        0.0
    """
    eps = float(label_smoothing)
    z = beta * rho
    # log σ in log space; q·log q terms vanish smoothly as q → 0
    return torch.sigmoid(z) * (F.logsigmoid(z) - math.log1p(-eps)) + torch.sigmoid(-z) * (
        F.logsigmoid(-z) - math.log(eps)
    )


def discopop_link(rho: torch.Tensor, beta: float, tau: float = 0.05) -> torch.Tensor:
    r"""DiscoPOP's log-ratio modulated loss: :math:`(1-\sigma(z/\tau))(-\log\sigma(z)) +
    \sigma(z/\tau)e^{-z}`, :math:`z = \beta\rho`.

    Reference: Chan Lu et al., "Discovering Preference Optimization Algorithms with and for Large
    Language Models", NeurIPS 2024, eq. 5 (TRL ``loss_type="discopop"``).

    Example:
        >>> import torch
        >>> round(float(discopop_link(torch.tensor(0.0), 1.0)), 6)
        0.846574
    """
    z = beta * rho
    mix = torch.sigmoid(z / tau)
    return -F.logsigmoid(z) * (1 - mix) + torch.exp(-z) * mix


def sigmoid_link(rho: torch.Tensor, beta: float) -> torch.Tensor:
    r"""The bounded link :math:`\sigma(-\beta\rho) = 1 - \sigma(\beta\rho)` (APO's terms).

    Example:
        >>> import torch
        >>> float(sigmoid_link(torch.tensor(0.0), 1.0))
        0.5
    """
    return torch.sigmoid(-beta * rho)


# ------------------------------------------------------------------------------ declarations
@dataclass(frozen=True)
class Term:
    """One weighted structure loss ``weight · link(ρ_structure, β)``.

    ``structure`` is a zoo name or a key of :data:`SIDE_STRUCTURES`.
    """

    structure: str
    link: str | Callable[..., torch.Tensor] = "logistic"
    weight: float = 1.0
    link_params: tuple[str, ...] = ()
    beta: float | None = None  # a fixed β (TRL's sft ignores the trainer's β)
    bind: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]] | None = None


@dataclass(frozen=True)
class TRLLoss:
    """The classification of one TRL loss (``trainer``, ``loss_type``)."""

    trainer: str
    loss_type: str
    kind: str
    source: str
    terms: tuple[Term, ...] = ()
    length_normalize: bool = False
    reason: str = ""
    zoo: str | None = None  # the zoo entry that equals it (same β, no NLL term)
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @property
    def expressible(self) -> bool:
        """True for ``"structure"`` and ``"weighted-sum"``."""
        return self.kind != "not-expressible"

    def compile(self, *, beta: float, **params: Any) -> Callable[..., torch.Tensor]:
        """The per-example loss ``Σ_k w_k f_k(β ρ_k)`` with compiled structures.

        Example:
            >>> import torch
            >>> loss = get_trl("DPOTrainer", "bco_pair").compile(beta=0.1)
            >>> t = {k: torch.tensor([-1.0]) for k in ("policy_chosen_logps",
            ...      "policy_rejected_logps", "reference_chosen_logps", "reference_rejected_logps")}
            >>> round(float(loss(**t)), 6)  # 2 · log 2
            1.386294
        """
        if not self.expressible:
            raise DPALogicError(
                f"TRL {self.trainer} loss_type={self.loss_type!r} is not expressible: {self.reason}"
            )
        from dpalogic.api import resolve
        from dpalogic.compiler import compile_structure

        p = {**self.defaults, **params, "beta": beta}
        compiled = []
        for term in self.terms:
            s = resolve(SIDE_STRUCTURES.get(term.structure, term.structure))
            normalize: bool | frozenset[str] = self.length_normalize
            if normalize:  # never normalise a margin reference
                normalize = frozenset(v.pred for v in s.variables) - {"Mref"}
            fn = compile_structure(
                s,
                link=term.link,
                beta=beta if term.beta is None else term.beta,
                length_normalize=normalize,
                **{k: p[k] for k in term.link_params},
            )
            compiled.append((term.weight, fn, term.bind))

        def loss(**tensors: Any) -> torch.Tensor:
            total: Any = 0.0
            for weight, fn, bind in compiled:
                extra = bind(p, tensors) if bind is not None else {}
                total = total + weight * fn(**tensors, **extra)
            return total

        return loss


def _simpo_margin(p: Mapping[str, Any], t: Mapping[str, Any]) -> dict[str, Any]:
    from dpalogic.zoo.derive import margin_inputs

    return margin_inputs(float(p["gamma"]) / float(p["beta"]), p, t)


DPO_SRC = "trl/trainer/dpo_trainer.py"
TRL_LOSSES: tuple[TRLLoss, ...] = (
    TRLLoss(
        "DPOTrainer",
        "sigmoid",
        "structure",
        f"{DPO_SRC}:1387",
        terms=(Term("DPO"),),
        zoo="DPO",
    ),
    TRLLoss(
        "DPOTrainer",
        "hinge",
        "structure",
        f"{DPO_SRC}:1390",
        terms=(Term("DPO", "hinge"),),
        reason="DPO's structure with the hinge max(0, 1 − βρ) (β·ref-SLiC-HF with δ = 1/β).",
    ),
    TRLLoss(
        "DPOTrainer",
        "ipo",
        "structure",
        f"{DPO_SRC}:1393",
        terms=(Term("DPO", "squared"),),
        length_normalize=True,
        zoo="IPO",
    ),
    TRLLoss(
        "DPOTrainer",
        "exo_pair",
        "structure",
        f"{DPO_SRC}:1406",
        terms=(Term("DPO", exo_link, link_params=("label_smoothing",)),),
        defaults={"label_smoothing": 1e-3},
        reason="A function of DPO's ρ alone: the KL link (non-monotone, minimised at σ(βρ)=1−ε).",
    ),
    TRLLoss(
        "DPOTrainer",
        "nca_pair",
        "weighted-sum",
        f"{DPO_SRC}:1419",
        terms=(
            Term("chosen-ratio"),
            Term("chosen-ratio-neg", weight=0.5),
            Term("rejected-ratio-neg", weight=0.5),
        ),
        reason="−log σ(β lr_w) − ½ log σ(−β lr_w) − ½ log σ(−β lr_l): three single-side ratios.",
    ),
    TRLLoss(
        "DPOTrainer",
        "robust",
        "structure",
        f"{DPO_SRC}:1428",
        terms=(Term("DPO", "robust", link_params=("label_smoothing",)),),
        defaults={"label_smoothing": 0.1},
        zoo="rDPO",
    ),
    TRLLoss(
        "DPOTrainer",
        "bco_pair",
        "weighted-sum",
        f"{DPO_SRC}:1433",
        terms=(Term("chosen-ratio"), Term("rejected-ratio-neg")),
        reason="−log σ(β lr_w) − log σ(−β lr_l) (TRL's paired BCO has no running reward shift).",
    ),
    TRLLoss(
        "DPOTrainer",
        "sppo_hard",
        "weighted-sum",
        f"{DPO_SRC}:1438",
        terms=(Term("chosen-ratio", "squared"), Term("rejected-ratio-neg", "squared")),
        reason="(lr_w − 1/2β)² + (lr_l + 1/2β)² = squared link on ρ = lr_w and on ρ = −lr_l.",
    ),
    TRLLoss(
        "DPOTrainer",
        "aot",
        "not-expressible",
        f"{DPO_SRC}:1447",
        reason=(
            "a batch-level sort: the policy and reference log ratios are sorted separately across "
            "the batch before they are paired, so an example's term depends on the other "
            "examples (no per-example function of its own log-probs)."
        ),
    ),
    TRLLoss(
        "DPOTrainer",
        "aot_unpaired",
        "not-expressible",
        f"{DPO_SRC}:1458",
        reason=(
            "a batch-level sort: chosen and rejected log ratios are sorted independently across "
            "the batch, pairing y_w of one example with y_l of another."
        ),
    ),
    TRLLoss(
        "DPOTrainer",
        "apo_zero",
        "weighted-sum",
        f"{DPO_SRC}:1467",
        terms=(Term("chosen-ratio", sigmoid_link), Term("rejected-ratio-neg", sigmoid_link)),
        reason=(
            "(1 − σ(β lr_w)) + σ(β lr_l) = σ(−β lr_w) + σ(−β(−lr_l)): the bounded link "
            "σ(−βρ) on two single-side ratios."
        ),
    ),
    TRLLoss(
        "DPOTrainer",
        "apo_down",
        "weighted-sum",
        f"{DPO_SRC}:1475",
        terms=(Term("chosen-ratio-neg", sigmoid_link), Term("DPO", sigmoid_link)),
        reason=(
            "σ(β lr_w) + 1 − σ(βρ_DPO) — a difference of sigmoids, which the identity "
            "1 − σ(x) = σ(−x) turns into the sum σ(−β(−lr_w)) + σ(−βρ_DPO) of two structure "
            "losses with the bounded link σ(−βρ)."
        ),
    ),
    TRLLoss(
        "DPOTrainer",
        "discopop",
        "structure",
        f"{DPO_SRC}:1483",
        terms=(Term("DPO", discopop_link, link_params=("tau",)),),
        defaults={"tau": 0.05},
        reason="A function of DPO's ρ alone (DiscoPOP's blended link, τ = discopop_tau).",
    ),
    TRLLoss(
        "DPOTrainer",
        "sft",
        "structure",
        f"{DPO_SRC}:1495",
        terms=(Term("CE", beta=1.0),),
        length_normalize=True,
        zoo="CE",
        reason=(
            "CE on y_w (−log p_w, per-token average). TRL averages tokens over the whole batch, "
            "Σ_i Σ_t log p_it / Σ_i n_i, i.e. the per-example CE weighted by n_i / mean(n): equal "
            "to the structure's batch mean exactly when the chosen lengths are equal."
        ),
    ),
    TRLLoss(
        "DPOTrainer",
        "sigmoid_norm",
        "structure",
        f"{DPO_SRC}:1504",
        terms=(Term("DPO"),),
        length_normalize=True,
        reason="DPO on per-token averaged log ratios.",
    ),
    TRLLoss(
        "CPOTrainer",
        "sigmoid",
        "structure",
        "trl/experimental/cpo/cpo_trainer.py:722",
        terms=(Term("CPO", "cdpo", link_params=("label_smoothing",)),),
        defaults={"label_smoothing": 0.0},
        zoo="CPO",
        reason="CPO's structure (label smoothing = cDPO's link); cpo_alpha adds the NLL term.",
    ),
    TRLLoss(
        "CPOTrainer",
        "hinge",
        "structure",
        "trl/experimental/cpo/cpo_trainer.py:728",
        terms=(Term("CPO", "hinge"),),
        reason="SLiC: CPO's structure with max(0, 1 − βρ) (β·SLiC-HF with δ = 1/β, no NLL).",
    ),
    TRLLoss(
        "CPOTrainer",
        "ipo",
        "structure",
        "trl/experimental/cpo/cpo_trainer.py:730",
        terms=(Term("CPO", "squared"),),
        length_normalize=True,
        reason="IPO's squared link on CPO's ρ, per-token averaged log-probs.",
    ),
    TRLLoss(
        "CPOTrainer",
        "simpo",
        "structure",
        "trl/experimental/cpo/cpo_trainer.py:715",
        terms=(Term("SimPO", "cdpo", link_params=("label_smoothing",), bind=_simpo_margin),),
        length_normalize=True,
        defaults={"label_smoothing": 0.0, "gamma": 0.5},
        zoo="SimPO",
        reason="SimPO: DPO's form with the margin reference log(m_w/m_l) = γ/β.",
    ),
    TRLLoss(
        "CPOTrainer",
        "alphapo",
        "not-expressible",
        "trl/experimental/cpo/cpo_trainer.py:697",
        reason=(
            "a non-rational transform: AlphaPO's reward (1 − p^(−α))/α makes the logit "
            "(p_l^(−α) − p_w^(−α))/α, whose level sets differ from those of every structure's "
            "ρ = log of a ratio of multilinear polynomials in the weights (α ≠ 0; α → 0 is "
            "SimPO/CPO)."
        ),
    ),
    TRLLoss(
        "ORPOTrainer",
        "orpo",
        "structure",
        "trl/experimental/orpo/orpo_trainer.py:689",
        terms=(Term("ORPO", orpo_link),),
        length_normalize=True,
        zoo="ORPO",
        reason=(
            "ORPO's structure; β weights −log σ(ρ) (no temperature). TRL's NLL term averages over "
            "prompt and completion tokens (ours: completion)."
        ),
    ),
    TRLLoss(
        "KTOTrainer",
        "kto",
        "not-expressible",
        "trl/trainer/kto_trainer.py:1451",
        reason=(
            "a batch statistic and unpaired data: the reference point z₀ is the detached, "
            "clamped batch mean of log π/π_ref over mismatched (x, y') pairs, and each example "
            "is a single desirable or undesirable completion, not a (y_w, y_l) pair."
        ),
    ),
)


def get_trl(trainer: str, loss_type: str) -> TRLLoss:
    """The classification of TRL's ``trainer`` / ``loss_type``."""
    for t in TRL_LOSSES:
        if t.trainer.lower() == trainer.lower() and t.loss_type == loss_type:
            return t
    known = ", ".join(f"{t.trainer}:{t.loss_type}" for t in TRL_LOSSES)
    raise DPALogicError(f"no TRL loss {trainer}:{loss_type}; known: {known}")
